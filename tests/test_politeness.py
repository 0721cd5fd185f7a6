"""Backing off when a site says it is overloaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import PoliteRetryMiddleware, retry_after


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
