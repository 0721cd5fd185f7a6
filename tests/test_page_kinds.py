"""What a page that links articles but is no article is: a listing, or a static page.

Each ``tests/pages/kinds/<name>.html`` is a hand-made page in the shape of the provincial
sites, with a ``<name>.json`` giving its URL and whether it is a static page (about,
contact: remembered as no article) or a listing (requested again by every run). The
listings are the cases a static-page rule could take for static: small categories with a
description, a title-only list beside a box of prose, a tag page, a table of links.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.families import detect, profile
from crawler.pages import ArticlePage, CrawlContext, ListingPage
from crawler.registry import Site

PAGES = Path(__file__).parent / "pages" / "kinds"
CASES = sorted(PAGES.glob("*.html"))


def pages(path: Path) -> tuple[ArticlePage, ListingPage, dict]:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    url = expected["url"]
    host = urlsplit(url).netloc
    site = Site("example", "Đảng bộ tỉnh Mẫu", (f"http://{host}/",), frozenset({host}))
    body = path.read_bytes()
    response = HtmlResponse(url, body=body, encoding="utf-8")
    rules = profile(detect(body.decode("utf-8")))
    context = CrawlContext(site)
    return ArticlePage(response, rules, context), ListingPage(response, rules, context), expected


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_page_linking_articles_is_a_listing_or_a_static_page(path: Path) -> None:
    article, listing, expected = pages(path)
    assert not article.is_article
    assert listing.articles, "the page must link articles for the question to arise"
    assert article.is_static_page(listing) == expected["static_page"], expected["_why"]
