"""Parser fixtures: every replica article page, parsed offline, gives its expected record.

The fast twin of the end-to-end crawl: a failure here names the page and the field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from parsel import Selector

from crawler.families import detect, profile
from crawler.parsing.article import ArticlePage
from crawler.replica_server import load_replicas

BASE = "http://127.0.0.1:8000"
CASES = [
    pytest.param(replica, expected, id=f"{replica.name}:{expected['id']}")
    for replica in load_replicas()
    for replica.base_url in [BASE]
    for expected in replica.expected()
]


def parse_page(replica, url: str) -> dict | None:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status, path = replica.resolve(target)
    assert status == 200, f"{target} does not resolve in {replica.name}"
    html = path.read_bytes().decode("utf-8")
    page = ArticlePage(url, Selector(text=html), profile(detect(html)), replica.key)
    return page.record()


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
