"""A misbehaving replica: hangs, storms, 429, cut connections, lying charsets, 50 MB, a gzip
bomb, redirect loops, traps and PDFs. The crawl must finish, keep every good article, name
every fault, and never fetch outside the site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from crawler.replica_server import ReplicaServer, load_replicas
from crawler.state import SqliteStateStore

FAULTY = ROOT / "tests" / "replicas"
LIMITS = (
    "-s", "DOWNLOAD_TIMEOUT=2", "-s", "TINKHAC_MAX_LISTING_PAGES=5",
    "-s", "TINKHAC_RETRY_BACKOFF=0.5",
)  # fmt: skip


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults")
    faulty = [r for r in load_replicas(FAULTY) if r.name == "faulty"]  # not its neighbours
    with ReplicaServer(faulty) as server:
        sites = out / "sites.toml"
        sites.write_text(server.sites_toml(), encoding="utf-8")
        process = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "faulty", "--sites", str(sites),
             "--output", str(out), "--profile", "replica", *LIMITS],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        replica = server.replicas[0]
        yield process, replica, out


def _written(out: Path) -> list[dict]:
    return [
        json.loads(line) for p in out.glob("faulty/*.jsonl") for line in p.open(encoding="utf-8")
    ]


def _report(out: Path) -> dict:
    return json.loads(next((out / "runs").glob("*.json")).read_text("utf-8"))["sites"][0]


def test_the_crawl_finishes_with_every_good_article_correct(fault_crawl):
    process, replica, out = fault_crawl
    assert process.returncode == 0, process.stderr[-3000:]
    written = {r["url"]: r for r in _written(out)}
    expected = replica.expected()
    assert sorted(written) == sorted(e["url"] for e in expected)
    for record in expected:
        got = dict(written[record["url"]])
        got.pop("fetched_at")
        assert got == record, record["url"]


@pytest.mark.parametrize(
    "reason",
    [
        "timeout", "http_503", "connection_cut", "too_large", "not_html", "refused_offsite",
        "charset_was_cp1258", "charset_was_utf-8", "html_without_content_type",
        "server_asked_to_wait", "gave_up_after_retries", "error_page",
    ],
)  # fmt: skip
def test_each_fault_class_is_counted_under_its_name(fault_crawl, reason):
    _, _, out = fault_crawl
    assert _report(out)["faults"].get(reason, 0) > 0


def test_nothing_is_fetched_that_must_not_be(fault_crawl):
    _, replica, _ = fault_crawl
    requests = replica.requests
    assert not [p for p in requests if p.startswith("/lich/")], "calendar trap followed"
    trap_pages = [p for p in requests if p.startswith("/chuyen-muc/trang-bay.aspx")]
    assert 1 <= len(trap_pages) <= 5, "the never-ending listing was not cut at the limit"
    assert not [p for p in requests if "cong-khac-1111" in p or "host-khac-2222" in p]
    assert not [p for p in requests if "ftp-3333" in p]
    assert requests.count("/bai-viet/vong-lap-chuyen-huong-9008.aspx") <= 2
    # Every page's links carry a fresh session id: taken as new pages, they would be
    # fetched again from each page that shows them, and the crawl would never end.
    assert not [p for p in requests if "jsessionid" in p], "a session id was requested"
    # Relative menu links without their leading slash are read from the site's root.
    assert [p for p in requests if p.startswith("/chuyen-muc/lac/")], "the listing was not read"
    assert not [p for p in requests if p.count("/lac/") > 1], "a relative link went deeper"


def test_an_error_page_answered_with_200_is_read_again_next_run(fault_crawl):
    """Not remembered as "no article" (skipped for weeks), while an about page would be."""
    _, replica, out = fault_crawl
    store = SqliteStateStore(out / ".state" / "state.sqlite")
    try:
        error_page = f"{replica.base_url}/bai-viet/loi-co-so-du-lieu-9013.aspx"
        assert store.page("faulty", error_page) is None
        article = f"{replica.base_url}/bai-viet/so-ket-3-nam-thuc-hien-luat-"
        article += "thuc-hien-dan-chu-o-co-so-5119.aspx"
        assert store.page("faulty", article) is not None  # what the run found is remembered
    finally:
        store.close()


def test_an_article_that_fails_twice_then_answers_is_kept(fault_crawl):
    _, replica, out = fault_crawl
    path = "/bai-viet/phat-trien-kinh-te-tap-the-hop-tac-xa-gan-voi-xay-dung-nong-thon-moi-5052"
    path += ".aspx"
    assert replica.requests.count(path) == 3  # 503, 503, then the page
    assert any(r["url"].endswith(path) for r in _written(out))
