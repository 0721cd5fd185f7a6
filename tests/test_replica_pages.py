"""Parser fixtures: every replica article page, parsed offline, gives its expected record.

The fast twin of the end-to-end crawl: a failure here names the page and the field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.families import detect, profile
from crawler.pages import ArticlePage, CrawlContext
from crawler.parsing.article import ArticleParser
from crawler.registry import Site, load_sites
from crawler.replica_server import load_replicas

BASE = "http://127.0.0.1:8000"
SITES = load_sites()
CASES = [
    pytest.param(replica, expected, id=f"{replica.name}:{expected['id']}")
    for replica in load_replicas()
    for replica.base_url in [BASE]
    for expected in replica.expected()
]


def parse_page(replica, url: str) -> dict | None:
    """The record the spider writes for the page: the parser's fields and the page's identity."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status, path = replica.resolve(target)
    assert status == 200, f"{target} does not resolve in {replica.name}"
    body = path.read_bytes()
    response = HtmlResponse(url, body=body, encoding="utf-8")
    html = body.decode("utf-8")
    site = SITES.get(replica.key) or Site(
        replica.key, replica.config["name"], (BASE + "/",), frozenset({urlsplit(BASE).netloc})
    )
    rules = site.profile(detect(html))
    return ArticlePage(response, rules, CrawlContext(site)).record


def read_page(replica, url: str, html: str) -> ArticleParser:
    """The page as the spider reads it: with the site's registry entry when it has one."""
    site = SITES.get(replica.key)
    rules = site.profile(detect(html)) if site else profile(detect(html))
    return ArticleParser(url, Selector(text=html), rules, replica.key)


@pytest.mark.parametrize(("replica", "expected"), CASES)
def test_article_page_gives_expected_record(replica, expected):
    record = parse_page(replica, expected["url"])
    assert record is not None, "the page was not recognised as an article"
    for field, value in expected.items():
        assert record.get(field) == value, field


@pytest.mark.parametrize("replica", load_replicas(), ids=lambda r: r.name)
def test_non_article_pages_give_no_record(replica):
    replica.base_url = BASE
    for path in replica.config.get("non_articles", []):
        assert parse_page(replica, BASE + path) is None, path


def test_a_redesigned_site_reads_each_page_with_its_template_version():
    replica = next(r for r in load_replicas() if r.key == "camau-thoibinh")
    replica.base_url = BASE
    versions = {}
    for expected in replica.expected():
        parts = urlsplit(expected["url"])
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        html = replica.resolve(target)[1].read_bytes().decode("utf-8")
        page = read_page(replica, expected["url"], html)
        versions[expected["id"]] = page.version.name if page.version else None
        assert page.record() == {k: v for k, v in expected.items()}
    assert set(versions.values()) == {"2025 redesign", "table layout (until 2024)"}
