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


def test_a_static_page_is_remembered_only_if_the_listings_showed_its_articles(tmp_path):
    """Taken for static, a page is not fetched again for weeks: only when nothing is lost."""
    from scrapy.utils.test import get_crawler

    from crawler.state import NOT_ARTICLE, StateStore
    from spiders.news import NewsSpider

    settings = {"TINKHAC_STATE_PATH": str(tmp_path / "state.sqlite")}
    crawler = get_crawler(NewsSpider, settings)
    spider = NewsSpider.from_crawler(crawler, site="thainguyen")
    crawler.spider = spider
    about = spider.site.start_urls[0].rstrip("/") + "/gioi-thieu.html"
    spider.static_pages[about] = ({"news-1", "news-2"}, [])
    spider.listed_keys.update({"news-1"})  # a box of this page's own: news-2 nowhere else
    spider.closed("finished")
    store = StateStore.for_crawler(crawler)
    assert store.page("thainguyen", about) is None
    spider.listed_keys.add("news-2")  # now every article of its box was listed
    spider.closed("finished")
    assert store.page("thainguyen", about).kind == NOT_ARTICLE


def test_an_article_read_from_a_listing_after_a_related_block_counts_as_listed():
    """A portal's state URLs differ on every page: an article first reached through a
    related block under one URL, then from a listing under another, is listed, whichever
    response came first (the self-check's "mostly_related" must not hang on that order)."""
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, site="thainguyen")
    crawler.spider = spider

    def reached(url: str, depth: int) -> None:
        meta = {"article_key": url, "related_depth": depth}
        spider._count_reached(HtmlResponse(url, request=Request(url, meta=meta)), "a-1")

    reached("https://example.vn/!ut/p/z1/related-state", 1)
    assert crawler.stats.get_value("tinkhac/articles/related_only") == 1
    reached("https://example.vn/!ut/p/z1/listing-state", 0)
    assert crawler.stats.get_value("tinkhac/articles/related_only") == 0
    assert crawler.stats.get_value("tinkhac/articles/read") == 1
    reached("https://example.vn/!ut/p/z1/another-related-state", 1)
    assert crawler.stats.get_value("tinkhac/articles/related_only") == 0
