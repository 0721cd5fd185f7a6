"""End to end: the real spider crawls every served replica; the output is checked exactly."""

from __future__ import annotations

import re

import pytest

from crawler.replica_server import load_replicas

REPLICAS = [r.name for r in load_replicas()]
FORBIDDEN_REQUEST = re.compile(
    r"(?i)/(print|savefile|sendmail)/|in-tin-bai|luu-tin-bai|/c/portal/|languageId=|op=search"
)


def _replica(server, name):
    return next(r for r in server if r.name == name)


@pytest.mark.parametrize("name", REPLICAS)
def test_crawl_finds_exactly_the_articles(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    records, _ = replica_crawl
    found = sorted(r["url"] for r in records.get(replica.key, []))
    expected = sorted(r["url"] for r in replica.expected())
    assert found == expected
    assert len(found) == len(set(found)), "an article was written twice"


@pytest.mark.parametrize("name", REPLICAS)
def test_crawl_reaches_related_only_articles(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    records, _ = replica_crawl
    ids = {r["id"] for r in records.get(replica.key, [])}
    related_only = set(replica.config.get("related_only", []))
    assert related_only, "each replica must have articles reachable only through Tin khác"
    assert related_only <= ids


@pytest.mark.parametrize("name", REPLICAS)
def test_crawl_records_match_expected_fields(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    records, _ = replica_crawl
    by_url = {r["url"]: r for r in records.get(replica.key, [])}
    for expected in replica.expected():
        got = dict(by_url.get(expected["url"], {}))
        assert got.pop("fetched_at", None), f"missing record or fetched_at: {expected['url']}"
        assert got == expected, expected["url"]


@pytest.mark.parametrize("name", REPLICAS)
def test_crawl_never_requests_forbidden_variants(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    assert replica.requests, "the replica was not crawled"
    forbidden = [p for p in replica.requests if FORBIDDEN_REQUEST.search(p)]
    assert forbidden == []
    non_articles = set(replica.config.get("non_articles", []))
    assert non_articles, "each replica must have a non-article page"


def test_a_crawl_of_the_replicas_never_reaches_out(replica_crawl):
    _, process = replica_crawl
    for marker in ("CannotResolveHost", "DNSLookupError", "tinkhac/refused/not_loopback"):
        assert marker not in process.stderr
