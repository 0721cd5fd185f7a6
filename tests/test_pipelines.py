"""Each item pipeline on its own: normalise, validate, deduplicate, write."""

from __future__ import annotations

import json
import unicodedata

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.dedup import DeduplicatePipeline, content_fingerprint
from pipelines.jsonlines import JsonLinesWriterPipeline
from pipelines.normalize import NormalizePipeline
from pipelines.seen import RecordSeenPipeline
from pipelines.validate import ValidatePipeline


def _item(**fields) -> ArticleItem:
    base = {
        "id": "1",
        "url": "http://a.vn/tin-1.html",
        "site": "a",
        "title": "Tin",
        "body": "Nội dung",
    }
    return ArticleItem(**{**base, **fields})


def _crawler(tmp_path, **settings):
    crawler = get_crawler(settings_dict={"TINKHAC_OUTPUT_DIR": str(tmp_path), **settings})
    return crawler


def test_normalise_makes_nfc_folds_spaces_and_nulls_empty_fields():
    item = _item(
        title=unicodedata.normalize("NFD", " Hội\u00a0\u00a0nghị\u200b "),
        lead="  ",
        body="Đoạn  một\n\n\n\n  Đoạn\u00a0hai ",
        captions=["  Ảnh  đẹp ", ""],
        images=[{"url": " http://a.vn/1.jpg ", "caption": " "}],
    )
    NormalizePipeline().process_item(item)
    assert item.title == "Hội nghị" and unicodedata.is_normalized("NFC", item.title)
    assert item.lead is None
    assert item.body == "Đoạn một\n\nĐoạn hai"
    assert item.captions == ["Ảnh đẹp"]
    assert item.images == [{"url": "http://a.vn/1.jpg", "caption": None}]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": None}, "missing_title"),
        ({"body": "", "images": []}, "empty_body"),
        ({"url": ""}, "missing_url"),
        ({"published_at": "26/11/2026"}, "bad_published_at"),
        ({"published_at": "2026-11-26T10:30:00"}, "naive_published_at"),
    ],
)
def test_validate_drops_with_a_named_reason(tmp_path, fields, reason):
    crawler = _crawler(tmp_path)
    crawler.stats.open_spider()
    with pytest.raises(DropItem, match=reason):
        ValidatePipeline.from_crawler(crawler).process_item(_item(**fields))
    assert crawler.stats.get_value(f"tinkhac/dropped/{reason}") == 1


def test_validate_keeps_an_article_of_images_only(tmp_path):
    item = _item(body="", images=[{"url": "http://a.vn/1.jpg", "caption": None}])
    assert ValidatePipeline.from_crawler(_crawler(tmp_path)).process_item(item) is item


def test_dedup_by_id_by_content_and_across_runs(tmp_path):
    crawler = _crawler(tmp_path)
    dedup = DeduplicatePipeline.from_crawler(crawler)
    dedup.process_item(_item())
    with pytest.raises(DropItem, match="same_id"):
        dedup.process_item(_item(url="http://a.vn/khac/tin-1.html"))
    with pytest.raises(DropItem, match="same_content"):
        dedup.process_item(_item(id="2", body=unicodedata.normalize("NFD", "Nội  dung")))
    RecordSeenPipeline.from_crawler(crawler).process_item(_item(id="3", body="Cũ"))
    later = _crawler(tmp_path)  # the next run: the same state file, a new process
    with pytest.raises(DropItem, match="written_before"):
        DeduplicatePipeline.from_crawler(later).process_item(_item(id="3", body="Cũ"))
    updated = _item(id="3", body="Cũ, đã sửa")
    assert DeduplicatePipeline.from_crawler(later).process_item(updated) is updated
    assert later.stats.get_value("tinkhac/items/updated") == 1


def test_content_fingerprint_ignores_form_not_words():
    nfd = unicodedata.normalize("NFD", "Hội nghị  tỉnh")
    assert content_fingerprint("Tin", nfd) == content_fingerprint("TIN", "hội nghị tỉnh")
    assert content_fingerprint("Tin", "hội nghị") != content_fingerprint("Tin", "hội thảo")


def test_writer_keeps_whole_lines_and_renames_when_done(tmp_path):
    crawler = _crawler(tmp_path, TINKHAC_RUN_ID="run1")
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.process_item(_item(title="Tiếng Việt"))
    part = tmp_path / "a" / "run1.jsonl.part"
    line = part.read_text("utf-8")
    assert line.endswith("\n") and "Tiếng Việt" in line and "\\u" not in line
    writer.close_spider()
    assert not part.exists()
    record = json.loads((tmp_path / "a" / "run1.jsonl").read_text("utf-8"))
    assert record["title"] == "Tiếng Việt" and next(iter(record)) == "id"
