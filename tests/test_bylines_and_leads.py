"""Bylines and leads as data (``crawler/parsing/labels.py``), read the same on every family.

The stored pages are replica pages (crawler/replicas/*/pages/), each built in the shape of a
real template: a byline block after the body whose class names it, a labelled byline as
the body's last line, a byline span in an HTML5 article header, a bold first paragraph
as the lead where the theme has no lead element.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector

from crawler.families import detect, profile
from crawler.parsing.article import ArticleParser
from crawler.parsing.blocks import Block, looks_like_byline
from crawler.parsing.labels import AUTHOR_LABEL, byline_name

REPLICAS = Path(__file__).resolve().parent.parent / "crawler" / "replicas"
URL = "http://127.0.0.1:8000/tin-tuc/bai-viet-1234.html"


def stored(replica: str, page: str) -> ArticleParser:
    html = (REPLICAS / replica / "pages" / page).read_text(encoding="utf-8")
    return ArticleParser(URL, Selector(text=html), profile(detect(html)), "test")


def built(body: str, after: str = "") -> ArticleParser:
    """A small NukeViet-like page: heading, date, body, then what follows the body."""
    html = f"""<html><body><div class="detail">
      <h1 class="title">Hội nghị tổng kết công tác tuyên giáo năm 2025</h1>
      <div class="post-time">Ngày 16/10/2025 | 09:30</div>
      <div class="noidung">{body}</div>{after}
    </div></body></html>"""
    return ArticleParser(URL, Selector(text=html), profile("generic"), "test")


BODY = (
    "<p>Hội nghị đã đánh giá kết quả công tác tuyên giáo năm 2025 và đề ra phương hướng, "
    "nhiệm vụ trọng tâm năm 2026 với nhiều giải pháp đổi mới.</p>"
    "<p>Các đại biểu thảo luận sôi nổi về công tác bảo vệ nền tảng tư tưởng của Đảng "
    "trên không gian mạng trong tình hình mới.</p>"
)


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Tin: Diễm My", "Diễm My"),
        ("Bài: Hồ Nguyên Kha", "Hồ Nguyên Kha"),
        ("Tin, ảnh: Hoàng Lâm", "Hoàng Lâm"),
        ("Tin,ảnh: Hoàng Lâm", "Hoàng Lâm"),
        ("Bài, ảnh: Phạm Quốc", "Phạm Quốc"),
        ("Bài và ảnh: Ngọc Trâm", "Ngọc Trâm"),
        ("Tin và ảnh: Lê Minh", "Lê Minh"),
        ("Tác giả: Lê Văn Tùng", "Lê Văn Tùng"),
        ("TIN, ẢNH: HỮU HIỆP", "HỮU HIỆP"),
        ("Bài: Hữu Phước - Ảnh: Thanh Tâm", "Hữu Phước"),
        ("Nhóm PV", "Nhóm PV"),
        ("Hữu Bằng - Thanh Hiểu", "Hữu Bằng - Thanh Hiểu"),
        # the next part of a meta line is not the name
        ("Như Uyên | Báo Bến Tre", "Như Uyên"),
        ("By Priya Nandakumar · September 21, 2020", "Priya Nandakumar"),
        ("Text und Interview: Harald Willenbrock", "Harald Willenbrock"),
        ("Grant Tinsley, PhD", "Grant Tinsley"),
        ("Ilana Muhlstein, MS, RDN", "Ilana Muhlstein"),
    ],
)
def test_labels_are_stripped_from_the_name(printed, name):
    assert byline_name(printed) == name


@pytest.mark.parametrize("text", ["Nguồn tin: Báo Bến Tre", "Bài 1: Những chuyển biến", "Tin khác"])
def test_words_that_only_look_like_labels_are_not_bylines(text):
    assert not AUTHOR_LABEL.match(text)


@pytest.mark.parametrize(
    ("text", "byline"),
    [
        ("Tin, ảnh: Diễm My", True),
        ("Bài và ảnh: Trúc Ly", True),
        ("Nhóm PV", True),
        ("Tác giả: ThS. Nguyễn Văn Bình", True),
        ("Bài: Hội nghị đã kết thúc tốt đẹp, đạt nhiều kết quả.", False),
        ("Tin: 20/10/2025", False),
    ],
)
def test_a_labelled_last_line_is_a_byline(text, byline):
    assert looks_like_byline(Block(text=text)) is byline


@pytest.mark.parametrize(
    ("replica", "page", "author"),
    [
        # blocks after the body whose class names the author
        ("nukeviet-bentre", "tin-tuc/hoat-dong/hoi-nghi-tinh-uy-lan-thu-hai-5431.html", "Diễm My"),
        (
            "nukeviet-bentre",
            "tin-tuc/hoat-dong/ban-tuyen-giao-tinh-uy-so-ket-quy-iii-5420.html",
            "Ngọc Hân",
        ),
        ("nukeviet-bentre", "tin-tuc/hoat-dong/trao-huy-hieu-dang-dot-2-9-5396.html", "Nhóm PV"),
        ("nukeviet-bentre", "tin-tuc/hoat-dong/ky-niem-65-nam-dong-khoi-5366.html", "HỮU HIỆP"),
        (
            "nukeviet-bentre",
            "tin-tuc/xay-dung-dang/phat-trien-dang-vien-trong-doan-vien-thanh-nien-5401.html",
            "Hoàng Vũ - Minh Khôi",
        ),
        ("aspnet-quangtri", "tin/4630.html", "Diễm My"),
        ("aspnet-quangtri", "tin/4550.html", "Nhóm PV"),
        ("aspnet-quangtri", "tin/4625.html", "ThS. Nguyễn Văn Bình - Trường Chính trị Lê Duẩn"),
        # p.byline with a label span, right after the body
        (
            "nukeviet-bentre",
            "tin-tuc/hoat-dong/dang-bo-xa-an-hiep-dai-hoi-chi-bo-diem-5408.html",
            "Trúc Ly",
        ),
        # a byline span in the <header> of an HTML5 <article>
        ("html5-hagiang", "tin-tuc/hoi-nghi-tinh-uy-lan-thu-nhat-khoa-moi/index.html", "Vũ Hà"),
        ("html5-hagiang", "tin-tuc/kiem-tra-giam-sat-theo-chuyen-de/index.html", "Minh Hoa"),
        # labelled bylines as the body's last, right-aligned line
        ("wps-vinhlong", "noi-dung/a2.html", "Hoàng Lâm"),
        ("wps-vinhlong", "noi-dung/a3.html", "Ngọc Trâm"),
        ("wps-vinhlong", "noi-dung/r2.html", "Lê Văn Tùng"),
        ("aspnet-quangtri", "tin/4517.html", "Hoàng Hà"),
        # an empty author block, and no byline anywhere
        (
            "nukeviet-bentre",
            "tin-tuc/kinh-te-xa-hoi/ben-tre-day-manh-chuyen-doi-so-5414.html",
            None,
        ),
    ],
)
def test_stored_page_author(replica, page, author):
    parser = stored(replica, page)
    assert parser.author == author
    if author:
        assert author not in parser.body.paragraphs[-1], "the byline stayed in the body"


def test_a_byline_block_after_the_body_is_not_body_text():
    parser = stored(
        "nukeviet-bentre", "tin-tuc/hoat-dong/dang-bo-xa-an-hiep-dai-hoi-chi-bo-diem-5408.html"
    )
    assert not any("Trúc Ly" in p for p in parser.body.paragraphs)


@pytest.mark.parametrize(
    ("page", "lead"),
    [
        (
            "tin-tuc/hoat-dong/hoi-nghi-tinh-uy-lan-thu-hai-5431.html",  # <p><strong>
            "Sáng 16/10, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ hai để thảo luận "
            "chương trình hành động thực hiện Nghị quyết Đại hội.",
        ),
        (
            "tin-tuc/hoat-dong/tong-ket-cong-tac-kiem-tra-nam-2024-5350.html",  # <p><b>
            "Ủy ban Kiểm tra Tỉnh ủy tổ chức hội nghị tổng kết công tác kiểm tra, giám sát và "
            "thi hành kỷ luật đảng năm 2024.",
        ),
        (
            "tin-tuc/hoat-dong/hoi-nghi-bao-cao-vien-thang-8-5380.html",  # <p><strong><em>
            "Hội nghị được tổ chức trực tuyến đến 80 điểm cầu cấp xã với hơn 3.000 đại biểu "
            "tham dự.",
        ),
        # a bold opening phrase ("Ngày 10/10, …") is no lead
        ("tin-tuc/hoat-dong/dang-bo-xa-an-hiep-dai-hoi-chi-bo-diem-5408.html", None),
    ],
)
def test_bold_first_paragraph_is_the_lead(page, lead):
    parser = stored("nukeviet-bentre", page)
    assert parser.lead == lead
    if lead:
        assert parser.body.paragraphs[0] != lead, "the lead stayed in the body"


def test_a_bold_subheading_is_no_lead():
    parser = built("<p><strong>Đổi mới phương thức</strong></p>" + BODY)
    assert parser.lead is None


def test_a_bold_lead_after_the_lead_photo():
    lead = (
        "Sáng 16/10, Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị tổng kết công tác tuyên giáo "
        "năm 2025, triển khai nhiệm vụ năm 2026."
    )
    parser = built(
        '<p style="text-align:center"><img src="/uploads/a.jpg"></p>'
        "<p><em>Quang cảnh hội nghị</em></p>"
        f"<p><b>{lead}</b></p>" + BODY
    )
    assert parser.lead == lead
    assert parser.body.captions == ["Quang cảnh hội nghị"]
    assert lead not in parser.body.paragraphs


@pytest.mark.parametrize(
    "after",
    [
        '<div class="author_detail">Tin: Diễm My</div>',
        '<div class="tacgia"><strong>Bài, ảnh:</strong> Diễm My</div>',
        '<p class="byline"><span>Bài và ảnh:</span> Diễm My</p>',
        '<div class="byline">Tin và ảnh: Diễm My</div>',
    ],
)
def test_author_blocks_after_the_body(after):
    parser = built(BODY, after)
    assert parser.author == "Diễm My"
    assert not any("Diễm My" in p for p in parser.body.paragraphs)


def test_a_long_author_block_is_no_byline():
    bio = (
        '<div class="author-bio">Tác giả là giảng viên Trường Chính trị tỉnh, nhiều năm '
        "nghiên cứu về công tác xây dựng Đảng ở cơ sở và đã công bố nhiều bài viết trên các "
        "tạp chí lý luận.</div>"
    )
    assert built(BODY, bio).author is None


def test_an_author_block_that_also_names_the_source():
    block = '<div class="author_detail"><b>Tác giả:</b> Lê Minh<br><b>Nguồn tin:</b> Báo Y</div>'
    assert built(BODY, block).author == "Lê Minh"


def test_a_labelled_author_in_the_meta_line():
    html = f"""<html><body><div class="detail">
      <h1>Hội nghị tổng kết công tác tuyên giáo năm 2025</h1>
      <div class="post-meta">Tác giả: Minh Thư | Ngày 16/10/2025 | 09:30</div>
      <div class="noidung">{BODY}</div></div></body></html>"""
    parser = ArticleParser(URL, Selector(text=html), profile("generic"), "test")
    assert parser.author == "Minh Thư"


def test_a_lead_set_bold_by_style():
    lead = (
        "Chiều 20/10, Ban Thường vụ Tỉnh ủy làm việc với Đảng ủy xã về kết quả thực hiện "
        "nghị quyết đại hội nhiệm kỳ 2025 - 2030."
    )
    parser = built(f'<p><span style="font-weight: bold;">{lead}</span></p>' + BODY)
    assert parser.lead == lead
    assert parser.body.paragraphs[0] != lead


def test_a_caption_set_italic_by_style():
    parser = built(
        '<p style="text-align:center"><img src="/uploads/a.jpg"></p>'
        '<p style="font-style: italic;">Quang cảnh hội nghị</p>' + BODY
    )
    assert parser.body.captions == ["Quang cảnh hội nghị"]


def test_a_byline_in_brackets():
    assert byline_name("(Tin, ảnh: Diễm My)") == "Diễm My"
    parser = built(BODY + '<p style="text-align:right">(Tin, ảnh: Diễm My)</p>')
    assert parser.author == "Diễm My"


def test_a_numbered_bold_heading_is_no_lead():
    heading = "1. Kết quả thực hiện nhiệm vụ chính trị năm 2025 của Đảng bộ tỉnh và các huyện"
    assert built(f"<p><strong>{heading}</strong></p>" + BODY).lead is None
