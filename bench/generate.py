"""Generate a large replica for the crawl benchmark: several sites, thousands of articles.

Each site is a folder in the replica format (``crawler/replicas/README.md``): a home
page with a menu of categories, category listings of 20 articles a page with a pager,
and article pages in a custom template (title, a meta line with the date and the
author, a lead, body paragraphs, a captioned photo, a "Tin khác" block).
"""

from __future__ import annotations

import random
from pathlib import Path

CATEGORIES = ("tin-tuc", "xay-dung-dang", "dan-van", "tuyen-giao")
PER_PAGE = 20
TEXT = (
    "Ban Thường vụ Tỉnh ủy tổ chức hội nghị quán triệt triển khai nghị quyết công tác "
    "tuyên giáo dân vận xây dựng Đảng chính quyền Mặt trận đoàn thể cán bộ đảng viên "
    "Nhân dân phát triển kinh tế xã hội địa phương năm kế hoạch kết quả nhiệm vụ giải pháp"
)
WORDS = TEXT.split()


def _url(category: str, number: int) -> str:
    return f"/{category}/bai-viet-{number:05d}.html"


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _page(title: str, body: str) -> str:
    menu = "".join(f'<li><a href="/{c}/">{c.replace("-", " ")}</a></li>' for c in CATEGORIES)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
        f'</head><body><div id="header"><span class="clock">Thứ Năm, 26/11/2026</span></div>'
        f'<ul class="menu"><li><a href="/">Trang chủ</a></li>{menu}</ul>'
        f'<div id="main">{body}</div><div id="footer">Cổng thông tin (bản dựng)</div>'
        "</body></html>"
    )


def _article(rng: random.Random, number: int, category: str, related: list[int]) -> str:
    paragraphs = "".join(
        f"<p>{' '.join(_sentence(rng, rng.randint(12, 30)) for _ in range(3))}</p>"
        for _ in range(rng.randint(3, 7))
    )
    links = "".join(f'<li><a href="{_url(category, n)}">Bài viết số {n}</a></li>' for n in related)
    day, month = 1 + number % 28, 1 + number % 12
    return _page(
        f"Bài viết số {number}",
        f'<div class="chitiet"><h1 class="tieude">Bài viết số {number}</h1>'
        f'<div class="thongtin">Đăng ngày: {day:02d}/{month:02d}/2025 - 8:{number % 60:02d} | '
        f'Nguyễn Văn A</div><div class="tomtat"><b>{_sentence(rng, 25)}</b></div>'
        f'<div class="noidung">{paragraphs}<p style="text-align:center">'
        f'<img src="/uploads/{number}.jpg"></p><p style="text-align:center"><em>Ảnh: '
        f'{_sentence(rng, 8)}</em></p><p style="text-align:right"><b>Minh Anh</b></p></div>'
        f'<div class="tinkhac"><h3>Tin khác</h3><ul>{links}</ul></div></div>',
    )


def _listing(category: str, numbers: list[int], page: int, pages: int) -> str:
    items = "".join(
        f'<li><a href="{_url(category, n)}">Bài viết số {n}</a> <span>(01/01/2025)</span></li>'
        for n in numbers
    )
    pager = f'<a href="/{category}/page-{page + 1}/">Trang sau</a>' if page < pages else ""
    return _page(category, f'<ul class="list">{items}</ul><div class="pager">{pager}</div>')


def generate_site(folder: Path, key: str, articles: int, seed: int = 0) -> None:
    """Write one site of ``articles`` articles spread over the categories."""
    rng = random.Random(seed)
    pages = folder / "pages"
    (pages).mkdir(parents=True, exist_ok=True)
    (pages / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    (pages / "index.html").write_text(_page(key, "<p>Trang chủ</p>"), encoding="utf-8")
    for index, category in enumerate(CATEGORIES):
        numbers = list(range(index, articles, len(CATEGORIES)))
        chunks = [numbers[i : i + PER_PAGE] for i in range(0, len(numbers), PER_PAGE)]
        for page, chunk in enumerate(chunks, start=1):
            where = pages / category / (f"page-{page}" if page > 1 else "")
            where.mkdir(parents=True, exist_ok=True)
            listing = _listing(category, chunk, page, len(chunks))
            (where / "index.html").write_text(listing, encoding="utf-8")
        for number in numbers:
            related = [n for n in rng.sample(numbers, min(5, len(numbers))) if n != number]
            html = _article(rng, number, category, related)
            (pages / _url(category, number).lstrip("/")).write_text(html, encoding="utf-8")
    (folder / "replica.toml").write_text(
        f'key = "{key}"\nname = "Bản dựng {key}"\nprovince = "Bench"\nstart_paths = ["/"]\n',
        encoding="utf-8",
    )


def generate(root: Path, sites: int, articles_per_site: int) -> list[Path]:
    folders = []
    for number in range(sites):
        folder = root / f"bench-{number}"
        generate_site(folder, f"bench-{number}", articles_per_site, seed=number)
        folders.append(folder)
    return folders
