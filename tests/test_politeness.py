"""Backing off when a site says it is overloaded, and obeying a robots.txt it cannot serve."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from conftest import run_tinkhac
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import PoliteRetryMiddleware, retry_after
from crawler.replica_server import ReplicaServer, load_replicas


def test_retry_after_reads_seconds_and_dates():
    assert retry_after(b"120") == 120
    later = datetime.now(UTC) + timedelta(seconds=90)
    assert 85 <= retry_after(format_datetime(later, usegmt=True).encode()) <= 90
    assert retry_after(b"soon") is None
    assert retry_after(None) is None


class _Slot:
    delay = 0.0


class _Downloader:
    def __init__(self) -> None:
        self.slots = {"127.0.0.1": _Slot()}

    def get_slot_key(self, request: Request) -> str:
        return "127.0.0.1"


def _middleware():
    crawler = get_crawler(
        settings_dict={"TINKHAC_RETRY_BACKOFF": 2.0, "TINKHAC_RETRY_AFTER_MAX": 60}
    )
    crawler.spider = Spider.from_crawler(crawler, "polite")
    middleware = PoliteRetryMiddleware.from_crawler(crawler)
    downloader = _Downloader()
    crawler.engine = type("Engine", (), {"downloader": downloader})()
    return middleware, downloader.slots["127.0.0.1"]


def test_429_pauses_the_whole_site_for_retry_after_and_retries():
    middleware, slot = _middleware()
    request = Request("http://127.0.0.1/a")
    response = Response(request.url, status=429, headers={"Retry-After": "7"}, request=request)
    retried = middleware.process_response(request, response)
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1
    assert slot.delay == 7


def test_503_without_retry_after_backs_off_exponentially_up_to_the_cap():
    middleware, slot = _middleware()
    request = Request("http://127.0.0.1/a", meta={"retry_times": 2})
    middleware.process_response(request, Response(request.url, status=503, request=request))
    assert slot.delay == 8  # 2 s × 2²
    huge = Response(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    middleware.process_response(Request(request.url), huge)
    assert slot.delay == 60


@pytest.mark.parametrize(
    ("fault", "retried"), [("status:503", True), ("hang:3", True), ("status:404", False)]
)
def test_a_robots_txt_that_cannot_be_read_stops_the_crawl_and_a_missing_one_does_not(
    tmp_path, fault, retried
):
    """RFC 9309: robots.txt unreachable (5xx after the retries) means complete disallow, and
    the report says why; unavailable (4xx) means no rules."""
    replica = next(r for r in load_replicas() if r.name == "aspnet-hungyen")
    replica.config = {**replica.config, "faults": {"/robots.txt": fault}}
    with ReplicaServer([replica]) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(server.sites_toml(), encoding="utf-8")
        process = run_tinkhac(
            "crawl", replica.key, "--sites", str(sites), "--output", str(tmp_path / "out"),
            "--profile", "replica", "-s", "TINKHAC_RETRY_BACKOFF=0.1", "-s", "DOWNLOAD_TIMEOUT=1",
            timeout=180,
        )  # fmt: skip
    report = json.loads(next((tmp_path / "out" / "runs").glob("*.json")).read_text("utf-8"))
    [site] = report["sites"]
    pages = [p for p in replica.requests if p != "/robots.txt"]
    if retried:
        assert pages == [], "a page was fetched though robots.txt could not be read"
        assert replica.requests.count("/robots.txt") > 1, "robots.txt was not asked again"
        assert site["faults"].get("robots_unreachable") == 1
        assert process.returncode == 1 and "RFC 9309" in process.stderr + _log(tmp_path)
    else:
        assert pages and site["new"] > 0 and "robots_unreachable" not in site["faults"]


def _log(tmp_path) -> str:
    return "".join(p.read_text("utf-8") for p in (tmp_path / "out" / "logs").glob("*.log"))
