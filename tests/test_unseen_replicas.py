"""End to end on sites the crawler was not built for: four replicas in ``tests/replicas/``
shaped like the real CMS families (``shared/research/sites.md`` §3) but unlike every bundled
replica, in URL shapes, pagers, themes, bylines, date formats and captions.

Each is crawled from its home page alone, with no ``cms`` and no selectors in its sites
entry, so the crawler knows of the site only what its HTML shows. The expected records
were written by hand from the pages as built, not from what a crawl gave:

- ``nukeviet-rewrite-off``: NukeViet with rewriting off (``index.php?nv=news&op=…``), a
  third-party theme, table captions, the byline a bold right-aligned last paragraph.
- ``liferay-asset-publisher``: Liferay 7 asset publisher links ``…/content/<url-title>``
  with ``?redirect=``, the id only in ``data-analytics-asset-id``, the clay pager.
- ``sharepoint-publishing``: SharePoint 2013 publishing pages, articles and listings both
  ``/Pages/<slug>.aspx``, en-US dates ("12/1/2025 8:15 AM"), and a news list item shown by
  ``DispForm.aspx?ID=N``.
- ``custom-aspnet-slugs``: a custom ASP.NET site whose article links look like category
  links, a pager that mixes real links and ``__doPostBack``, lazy photos, "Tin đã đưa".
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, read_jsonl, run_tinkhac
from parsel import Selector

from crawler.families import profile
from crawler.parsing.article import ArticleParser
from crawler.replica_server import Replica, ReplicaServer, load_replicas

NAMES = (
    "nukeviet-rewrite-off",
    "liferay-asset-publisher",
    "sharepoint-publishing",
    "custom-aspnet-slugs",
)
UNSEEN = [r for r in load_replicas(ROOT / "tests" / "replicas") if r.name in NAMES]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> dict[str, Any]:
    """Two crawls of the four replicas (the second incremental): the first run's records
    by site and run report, and the targets each replica was asked for in the second."""
    out = tmp_path_factory.mktemp("unseen")
    for replica in UNSEEN:
        replica.requests.clear()
    with ReplicaServer(UNSEEN) as server:
        sites = out / "sites.toml"
        sites.write_text(server.sites_toml(), encoding="utf-8")
        args = ["crawl", *(r.key for r in UNSEEN), "--sites", str(sites), "--output", str(out)]
        process = run_tinkhac(*args, "--profile", "replica")
        assert process.returncode in (0, 1), process.stderr[-3000:]
        expected = {r.name: {e["url"]: e for e in r.expected()} for r in UNSEEN}
        records: dict[str, list[dict]] = {}
        for record in read_jsonl(out):
            records.setdefault(record["site"], []).append(record)
        report = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text("utf-8"))
        for replica in UNSEEN:
            replica.requests.clear()
        again = run_tinkhac(*args, "--profile", "replica")
        assert again.returncode == 0, again.stderr[-3000:]
        second = {r.name: list(r.requests) for r in UNSEEN}
    return {
        "records": records,
        "expected": expected,
        "flags": {s["site"]: s["flags"] for s in report["sites"]},
        "second_run": second,
    }


def _replica(name: str) -> Replica:
    return next(r for r in UNSEEN if r.name == name)


def _articles() -> list[tuple[str, str]]:
    """(replica, id) of every expected article."""
    return [
        (replica.name, path.stem)
        for replica in UNSEEN
        for path in sorted((replica.folder / "expected").glob("*.json"))
    ]


def _wrong_fields(crawl: dict[str, Any], name: str, article: str) -> dict[str, tuple]:
    """Field -> (got, expected) for every field of the article's record that differs."""
    replica = _replica(name)
    wanted = next(e for e in crawl["expected"][name].values() if e["id"] == article)
    got = next((r for r in crawl["records"].get(replica.key, []) if r["url"] == wanted["url"]), {})
    assert got.get("fetched_at"), f"no record for {wanted['url']}"
    return {k: (got.get(k), v) for k, v in wanted.items() if got.get(k) != v}


def test_the_four_replicas_are_there():
    assert sorted(r.name for r in UNSEEN) == sorted(NAMES)
    for replica in UNSEEN:
        expected = list((replica.folder / "expected").glob("*.json"))
        assert 10 <= len(expected) <= 20, replica.name
        assert len(replica.config["related_only"]) >= 2, replica.name
        assert replica.config["duplicates"] and replica.config["non_articles"], replica.name


@pytest.mark.parametrize("name", NAMES)
def test_every_article_is_found_once(crawl, name):
    """Listed and related-only articles all found, each once, and nothing else recorded:
    no duplicate under a tracking or return-address URL, no about or contact page."""
    replica = _replica(name)
    records = crawl["records"].get(replica.key, [])
    urls = [r["url"] for r in records]
    assert sorted(urls) == sorted(crawl["expected"][name])
    assert len({r["id"] for r in records}) == len(records), "an article was written twice"
    assert set(replica.config["related_only"]) <= {r["id"] for r in records}


@pytest.mark.parametrize("name", NAMES)
def test_the_run_report_flags_nothing(crawl, name):
    assert crawl["flags"][_replica(name).key] == []


@pytest.mark.parametrize("name", NAMES)
def test_a_second_run_requests_no_article_again(crawl, name):
    """Only the start page, listings and pages that read as listings (an about page with a
    sidebar of news) are read again; no article, no redirect."""
    replica = _replica(name)
    articles = {
        replica.resolve(
            urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        )
        for url in crawl["expected"][name]
    }
    again = [t for t in crawl["second_run"][name] if replica.resolve(t) in articles]
    assert again == []
    assert not [t for t in crawl["second_run"][name] if replica.resolve(t)[0] == 301]
    assert crawl["second_run"][name], "the listings are read again"


@pytest.mark.parametrize(("name", "article"), _articles())
def test_fields_equal_the_expected_record(crawl, name, article):
    assert _wrong_fields(crawl, name, article) == {}


@pytest.mark.parametrize(
    ("script", "text", "day"),
    [
        ('var _spPageContextInfo={currentCultureName:"en-US"};', "12/1/2025 8:15 AM", (12, 1)),
        ('{"currentCultureName":"en-US"}', "11/28/2025 2:14 PM", (11, 28)),
        # a first number above 12 is a day, whatever the culture says
        ('var _spPageContextInfo={currentCultureName:"en-US"};', "25/11/2025 8:15 AM", (11, 25)),
        ('var _spPageContextInfo={currentCultureName:"vi-VN"};', "12/1/2025 8:15 AM", (1, 12)),
        ("", "12/1/2025 8:15 AM", (1, 12)),
    ],
)
def test_numeric_dates_follow_the_culture_the_page_declares(script, text, day):
    """SharePoint states its regional setting; an en-US one prints dates month first.
    ``<html lang="en-US">`` says nothing: themes keep it on sites that print 25/11/2025."""
    html = f'<html lang="en-US"><head><script>{script}</script></head><body><h1>Tiêu đề bài</h1>'
    html += f'<div class="date">{text}</div><p>{"Nội dung bài viết. " * 30}</p></body></html>'
    parser = ArticleParser(
        "http://127.0.0.1:8000/bai", Selector(text=html), profile("generic"), "k"
    )
    published = parser.published_at
    assert published is not None and (int(published[5:7]), int(published[8:10])) == day
