"""The real-pages corpus and its scorer (``bench/realpages.py``).

The corpus is built locally (its pages are not committed, see bench/realpages/SOURCES.md):
where it is found, every page must decode and every truth record carry the fields the
scorer reads, and the scorer runs on three of its pages. The scorer itself is always
checked on a page made here. trafilatura's part runs only where it is installed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "bench" / "realpages.py"
spec = importlib.util.spec_from_file_location("bench_realpages", PATH)
realpages = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = realpages  # dataclasses look their module up while the class is built
spec.loader.exec_module(realpages)

ARTICLE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Hội nghị sơ kết công tác xây dựng Đảng - Báo điện tử</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></nav>
<article><h1>Hội nghị sơ kết công tác xây dựng Đảng</h1>
<div class="date">Thứ hai, 20/10/2025 08:30</div>
<p>Sáng 20/10, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác xây dựng Đảng
chín tháng đầu năm, triển khai nhiệm vụ những tháng cuối năm.</p>
<p>Hội nghị đánh giá các cấp ủy đã lãnh đạo thực hiện tốt nhiệm vụ chính trị, công tác
tổ chức cán bộ, kiểm tra giám sát được chú trọng, đúng quy định.</p>
<p>Phát biểu kết luận, đồng chí Bí thư Tỉnh ủy đề nghị các cấp ủy tập trung chuẩn bị tốt
đại hội đảng bộ các cấp, bảo đảm đúng tiến độ đề ra.</p>
<p class="author">Nguyễn Văn An</p></article>
<footer>Bản quyền thuộc về Báo điện tử</footer></body></html>"""


def write_corpus(folder: Path, records: list[dict], pages: dict[str, str]) -> None:
    (folder / "pages").mkdir(parents=True)
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    (folder / "truth.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for page_id, html in pages.items():
        (folder / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode()))


def truth(**fields) -> dict:
    return {name: fields.get(name) for name in realpages.REQUIRED}


def test_author_names_are_compared_as_normalised_sets():
    assert realpages.same_author("By Jane Doe and John Smith", "john smith, Jane Doe")
    assert realpages.same_author("NGUYỄN VĂN AN", "Nguyễn Văn An")
    assert not realpages.same_author("Jane Doe", "Jane Doe; John Smith")
    assert not realpages.same_author(None, "Jane Doe")


def test_scorer_counts_only_the_fields_the_truth_holds(tmp_path):
    body = ARTICLE.split("<p>", 1)[1]
    record = truth(
        id="made-1",
        source="made",
        url="https://example.org/tin-tuc/hoi-nghi-so-ket-123.html",
        title="Hội nghị sơ kết công tác xây dựng Đảng",
        published_at="2025-10-20T08:30:00+07:00",
        body=" ".join(body.replace("</p>", " ").replace("<p>", " ").split()[:60]),
    )
    write_corpus(
        tmp_path,
        [record, truth(id="made-2", source="made", url=record["url"])],
        {"made-1": ARTICLE, "made-2": "<html><body><p>x</p></body></html>"},
    )
    pages = realpages.load_pages(realpages.corpus_dir(tmp_path))
    assert [p.id for p in pages] == ["made-1", "made-2"]
    results, rate = realpages.run_timed(realpages.tinkhac_record, pages)
    assert rate > 0
    _, overall = realpages.score(pages, {realpages.TINKHAC: results})
    figures = overall[realpages.TINKHAC].figures()
    assert figures["title"][1] == "1/1" and figures["date_minute"][1].endswith("/1")
    assert figures["author"] == (None, "0/0")  # no author truth: not scored
    assert figures["body_f1"][1] == "n=1"
    assert "REALPAGES pages=2 tinkhac title=" in realpages.summary(2, overall)


REAL = realpages.corpus_dir()
needs_corpus = pytest.mark.skipif(REAL is None, reason="no real-pages corpus built here")


@needs_corpus
def test_every_page_decodes_and_every_truth_has_the_fields():
    records = realpages.load_truth(REAL)
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert set(realpages.REQUIRED) <= set(record), record["id"]
        assert record["url"].startswith(("http://", "https://")), record["id"]
        truths = ("title", "author", "published_at", "body", "snippets")
        assert any(record[name] for name in truths), record["id"]  # something to score
        html = gzip.decompress((REAL / "pages" / f"{record['id']}.html.gz").read_bytes())
        response, _ = realpages.readable_html(realpages.HtmlResponse(record["url"], body=html))
        assert response is not None and "<" in response.text, record["id"]


@needs_corpus
def test_scorer_runs_on_three_real_pages():
    pages = realpages.load_pages(REAL, limit=3)
    extractors = {realpages.TINKHAC: realpages.tinkhac_record}
    if realpages.have_trafilatura():
        extractors[realpages.TRAFILATURA] = realpages.trafilatura_record
    results = {who: realpages.run_timed(extract, pages)[0] for who, extract in extractors.items()}
    _, overall = realpages.score(pages, results)
    assert overall[realpages.TINKHAC].pages == 3
    assert realpages.summary(3, overall).startswith("REALPAGES pages=3 ")


def test_the_halves_split_the_corpus_by_page_id() -> None:
    ids = [f"aeb-{n:04d}" for n in range(200)]
    halves = [realpages.half_of(page_id) for page_id in ids]
    assert set(halves) == set(realpages.HALVES)
    assert 60 < halves.count("dev") < 140  # a hash split, not one side
    assert halves == [realpages.half_of(page_id) for page_id in ids]  # the same every run
