"""Generic extraction on pages in the shape of open-web and Vietnamese news templates.

Each ``tests/pages/generic/<name>.html`` has a hand-checked ``<name>.json``: the fields it
lists must come out exactly (keys starting with ``_`` say why the page is there, and
``_rejection`` names the reason a page that is not an article is refused).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parsel import Selector

from crawler.families import detect, profile
from crawler.parsing import article
from crawler.parsing.article import ArticleParser
from crawler.parsing.blocks import Block, largest_in_srcset, looks_like_name, read_body
from crawler.parsing.labels import NOT_AN_AUTHOR, RELATED_LABELS, byline_name

PAGES = Path(__file__).parent / "pages" / "generic"
CASES = sorted(PAGES.glob("*.html"))


def parse(path: Path) -> tuple[ArticleParser, dict]:
    html = path.read_text(encoding="utf-8")
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    page = ArticleParser(expected["url"], Selector(text=html), profile(detect(html)), "example")
    return page, expected


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_generic_page_gives_expected_fields(path: Path) -> None:
    page, expected = parse(path)
    record = page.record()
    assert page.rejection == expected.get("_rejection")
    assert (record is None) == (page.rejection is not None)
    assert page.errors == {}
    if record is None:
        return
    for field, value in expected.items():
        if not field.startswith("_"):
            assert record[field] == value, field


def test_a_link_roll_that_does_not_say_it_is_an_article_is_refused() -> None:
    """link-roll-article without its og:type: a block that is mostly links, with nothing
    saying the page is an article, is refused as mostly links."""
    path = PAGES / "link-roll-article.html"
    html = path.read_text(encoding="utf-8").replace(
        '<meta property="og:type" content="article">', ""
    )
    url = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["url"]
    page = ArticleParser(url, Selector(text=html), profile(detect(html)), "example")
    assert page.record() is None and page.rejection == "mostly_links"


def test_a_field_that_raises_loses_that_field_not_the_record(monkeypatch) -> None:
    def broken(self):
        raise ValueError("bad tags markup")

    monkeypatch.setattr(article.ArticleParser, "tags", property(broken))
    page, expected = parse(PAGES / "wordpress-graph.html")
    record = page.record()
    assert record is not None and record["tags"] == []
    assert record["title"] == expected["title"]
    assert page.errors == {"tags": "ValueError: bad tags markup"}


def test_a_page_the_parser_cannot_read_is_refused_with_a_reason(monkeypatch) -> None:
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(article.ArticleParser, "_rejection", broken)
    page, _ = parse(PAGES / "wordpress-graph.html")
    assert page.record() is None
    assert page.rejection == "parser_error" and "page" in page.errors


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.jpg 480w, b.jpg 1024w, c.jpg 800w", "b.jpg"),
        ("x.jpg 1x, y.jpg 2x", "y.jpg"),
        ("https://cdn.example/a,b.jpg 300w, https://cdn.example/c.jpg 600w", "https://cdn.example/c.jpg"),
        ("data:image/gif;base64,R0lG 1x", None),
        ("", None),
    ],
)  # fmt: skip
def test_largest_in_srcset(srcset: str, expected: str | None) -> None:
    assert largest_in_srcset(srcset) == expected


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("Drucken", True), ("Print", True), ("In bài", True), ("Photo: Port authority", True),
        ("Ảnh: Giang Huy", True), ("You May Also Like", True), ("Ähnliche Beiträge", True),
        ("No Author", True), ("Datenschutzbestimmungen", True), ("Super User", True),
        ("Quản trị viên", True), ("Bildquelle: SWR", True), ("Quelle: dpa", True),
        ("Maria Jensen", False), ("Võ Hải", False), ("Inga Berg", False),
    ],
)  # fmt: skip
def test_print_links_photo_credits_and_block_headings_are_not_authors(line, refused) -> None:
    assert bool(NOT_AN_AUTHOR.match(line)) == refused


SENTENCE = "Hội nghị cũng thống nhất các nhiệm vụ trọng tâm của tỉnh trong những tháng cuối năm."


@pytest.mark.parametrize(
    ("tail", "author", "source"),
    [
        (["Minh Anh", "(Theo TTXVN)"], "Minh Anh", "TTXVN"),
        (["(Theo VOV)"], None, "VOV"),
        (["Theo TTXVN"], None, "TTXVN"),
        (["Nguồn: TTXVN/Vietnam+"], None, "TTXVN/Vietnam+"),
        (["Tin, ảnh: PV - CTV"], "PV - CTV", None),
        (["Nguyễn Văn A (Báo Tuyên Quang)"], "Nguyễn Văn A (Báo Tuyên Quang)", None),
        (["Thanh Tâm (theo Reuters)"], "Thanh Tâm", "Reuters"),
        (["Như Quỳnh (Theo AFP, BBC)"], "Như Quỳnh", "AFP, BBC"),
        (["Hoài Thu (tổng hợp)"], "Hoài Thu", None),
        (["Nhóm phóng viên"], "Nhóm phóng viên", None),
    ],
)  # fmt: skip
def test_the_credits_that_end_a_vietnamese_body(tail, author, source) -> None:
    blocks = [Block(text=SENTENCE)] + [Block(text=t, align="right", bold=True) for t in tail]
    body = read_body(blocks, None, RELATED_LABELS)
    assert (body.author, body.source, body.paragraphs) == (author, source, [SENTENCE])


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (">> Xem thêm: Hà Nội mở thêm 5 tuyến buýt điện", False),
        ("Đọc thêm: Giá vàng hôm nay tăng mạnh", False),
        ("Tin liên quan: Quốc hội thông qua Luật Chuyển đổi số", False),
        ("Thực hiện: nhiều giải pháp đồng bộ để phát triển kinh tế", True),
    ],
)  # fmt: skip
def test_a_read_more_line_between_paragraphs_is_not_body(line, kept) -> None:
    blocks = [Block(text=SENTENCE), Block(text=line), Block(text=SENTENCE + " Lần hai.")]
    body = read_body(blocks, None, RELATED_LABELS)
    assert (line in body.paragraphs) == kept and len(body.paragraphs) == 2 + kept


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Viết bởi Nguyễn Thu Trang", "Nguyễn Thu Trang"), ("Đăng bởi: Minh Thư", "Minh Thư"),
        ("Thanh Tâm (theo Reuters)", "Thanh Tâm"), ("Kim Ngân (thực hiện)", "Kim Ngân"),
        ("Vũ Hoàng (TTXVN)", "Vũ Hoàng (TTXVN)"),
    ],
)  # fmt: skip
def test_the_name_a_vietnamese_byline_prints(line, name) -> None:
    assert byline_name(line) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jose de la Cruz", True),
        ("Walter von Aachen", True),
        ("Trần Thị Thanh Thủy", True),
        ("Alle Artikel von Tanja Karrasch", False),  # a label: the particle after two words
        ("de la Cruz", False),
        ("Ban Tuyên giáo", False),
    ],
)
def test_a_name_may_hold_the_particles_of_western_names(text, name) -> None:
    assert looks_like_name(text) is name
