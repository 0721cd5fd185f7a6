"""Discovery on templates tinkhac was not built for (issue 11), end to end.

Four replicas built unlike the others (a WebSphere portal of opaque state URLs, an ASP.NET
portal paged only by "Trang sau >>", an HTML5 site paged only by rel=next whose article
links look like category links, a NukeViet theme without .hometext) are crawled from their
home page alone, by the real ``tinkhac crawl`` in a subprocess (``replica_crawl`` in
conftest.py). Each must give its expected records: at least 99 % of the listed and of the
related-only articles, one record per article whatever URLs it is linked under, no record
of a page that is not an article, and every field as its expected JSON says.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from crawler.replica_server import load_replicas

UNSEEN = ("wps-vinhlong", "aspnet-quangtri", "html5-hagiang", "nukeviet-bentre")
MIN_FOUND = 0.99
FIELDS = ("id", "title", "lead", "body", "captions", "author", "published_at", "category")


def _replica(server, name):
    return next(r for r in server if r.name == name)


def _records(replica_crawl, replica) -> list[dict]:
    records, _ = replica_crawl
    return records.get(replica.key, [])


def _share(found: int, total: int) -> float:
    return found / total if total else 1.0


def test_the_unseen_replicas_exist():
    names = {r.name for r in load_replicas()}
    assert set(UNSEEN) <= names


def _reachable(replica, follow_related: bool) -> set[str]:
    """Every URL of the replica a reader reaches from the home page by following links, with
    or without the related blocks (an article's expected ``related_urls``)."""
    base = "http://replica.test"
    replica.base_url = base

    def resolve(url: str):
        parts = urlsplit(url)
        return replica.resolve(parts.path + (f"?{parts.query}" if parts.query else ""))

    # by the page's file: an article read under another URL has the same related block
    related = {resolve(e["url"])[1]: set(e["related_urls"]) for e in replica.expected()}
    todo = [base + replica.config["start_paths"][0]]
    seen: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen or not url.startswith(base):
            continue
        seen.add(url)
        status, target = resolve(url)
        if status == 301:
            todo.append(urljoin(url, str(target)))
            continue
        if status != 200 or target.suffix not in ("", ".html", ".htm", ".aspx"):
            continue
        page = Selector(text=target.read_text(encoding="utf-8"))
        links = {
            urljoin(url, h).split("#")[0]
            for h in page.xpath(
                "//a/@href | //link[@rel='next' or @rel='canonical']/@href"
            ).getall()
        }
        if not follow_related:
            links -= related.get(target, set())
        todo.extend(links)
    return seen


@pytest.mark.parametrize("name", UNSEEN)
def test_related_only_articles_are_reached_only_through_related_blocks(name):
    """The replica itself: its related-only articles are what its replica.toml says."""
    replica = next(r for r in load_replicas() if r.name == name)
    with_related = _reachable(replica, follow_related=True)
    without = _reachable(replica, follow_related=False)
    by_id = {e["id"]: e["url"] for e in replica.expected()}
    related_only = {by_id[i] for i in replica.config["related_only"]}
    assert set(by_id.values()) <= with_related, "an expected article no link reaches"
    assert not related_only & without, "a related-only article is linked from elsewhere"
    assert set(by_id.values()) - related_only <= without
    two_hops = [
        u
        for u in related_only
        if not any(
            u in e["related_urls"] for e in replica.expected() if e["url"] not in related_only
        )
    ]
    assert two_hops, "some related-only article is two related hops from any listing"


@pytest.mark.parametrize("name", UNSEEN)
def test_the_crawl_starts_from_the_home_page_only(replica_server, name):
    replica = _replica(replica_server, name)
    starts = replica.config["start_paths"]
    assert len(starts) == 1
    home = replica.config.get("redirects", {}).get("/", "/")
    assert starts[0] == home, "a discovery replica is crawled from its home page alone"


@pytest.mark.parametrize("name", UNSEEN)
def test_listed_and_related_only_articles_are_found(replica_crawl, replica_server, name, capsys):
    replica = _replica(replica_server, name)
    expected = {e["url"]: e for e in replica.expected()}
    related_only = set(replica.config["related_only"])
    assert related_only, "each replica has articles that only a related block links"
    found = {r["url"] for r in _records(replica_crawl, replica)}
    listed = [u for u, e in expected.items() if e["id"] not in related_only]
    related = [u for u, e in expected.items() if e["id"] in related_only]
    assert len(related) == len(related_only), "related_only names ids of expected records"
    listed_share = _share(sum(u in found for u in listed), len(listed))
    related_share = _share(sum(u in found for u in related), len(related))
    with capsys.disabled():
        print(
            f"\n[discovery] {name}: listed {sum(u in found for u in listed)}/{len(listed)} "
            f"({listed_share:.0%}), related-only {sum(u in found for u in related)}/"
            f"{len(related)} ({related_share:.0%})"
        )
    missing = sorted(set(expected) - found)
    assert listed_share >= MIN_FOUND, missing
    assert related_share >= MIN_FOUND, missing


@pytest.mark.parametrize("name", UNSEEN)
def test_one_record_per_article_whatever_its_urls(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    records = _records(replica_crawl, replica)
    urls = [r["url"] for r in records]
    ids = [r["id"] for r in records]
    assert len(urls) == len(set(urls)), "an article was written twice under one URL"
    assert len(ids) == len(set(ids)), "two records share an id"
    titles = [(r["title"], r["published_at"]) for r in records]
    assert len(titles) == len(set(titles)), "one article was written under two URLs"
    duplicates = {replica.base_url + p for p in replica.config["duplicates"]}
    assert duplicates, "each replica has an article under another URL"
    assert not duplicates & set(urls), "a duplicate URL became a record's url"


@pytest.mark.parametrize("name", UNSEEN)
def test_no_record_of_a_page_that_is_not_an_article(replica_crawl, replica_server, name):
    replica = _replica(replica_server, name)
    expected = {e["url"] for e in replica.expected()}
    records = _records(replica_crawl, replica)
    junk = sorted(r["url"] for r in records if r["url"] not in expected)
    assert junk == []
    non_articles = {replica.base_url + p for p in replica.config["non_articles"]}
    assert non_articles
    assert not non_articles & {r["url"] for r in records}


@pytest.mark.parametrize("name", UNSEEN)
def test_every_expected_field_is_right(replica_crawl, replica_server, name, capsys):
    replica = _replica(replica_server, name)
    by_url = {r["url"]: r for r in _records(replica_crawl, replica)}
    expected = replica.expected()
    wrong: list[tuple[str, str]] = []
    right = dict.fromkeys(FIELDS, 0)
    for record in expected:
        got = dict(by_url.get(record["url"], {}))
        got.pop("fetched_at", None)
        for field, value in record.items():
            if got.get(field) != value:
                wrong.append((record["url"].removeprefix(replica.base_url), field))
            elif field in right:
                right[field] += 1
    with capsys.disabled():
        shares = ", ".join(f"{f} {right[f]}/{len(expected)}" for f in FIELDS)
        print(f"\n[fields] {name}: {shares}")
    assert wrong == []
