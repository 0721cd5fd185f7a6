"""A site's frontier in Redis (scrapy-redis), so that it outlives the worker crawling it.

scrapy-redis keeps the scheduler queue and the duplicate filter in Redis; with
``SCHEDULER_PERSIST`` they survive the crawler. One gap is left: its scheduler *pops* a
request, so a request being downloaded or parsed when its worker is killed is in neither
the queue nor the output, and the duplicate filter keeps it from ever coming back. The
in-flight hash closes it: a request is copied there when it leaves the queue and deleted
once its response has been parsed (its items written: our pipelines are synchronous, so
an item is on disk before the spider's next output is asked for) or once it failed for
good. The next holder of the site's lease pushes whatever the hash holds back onto the
queue before it crawls: at worst a page is fetched twice, never lost (export keeps one
record per article).

Every site's crawler shares the spider name ``news``, so every key is named by the site.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy_redis.scheduler import Scheduler

# scrapy-redis 0.9.1 still passes ``spider=`` to the stats, which Scrapy 2.19 deprecates;
# one warning line per crawl on stderr says nothing a user can act on.
warnings.filterwarnings(
    "ignore", message="Passing a 'spider' argument", module="scrapy_redis.scheduler"
)

#: This package's keys in Redis start with it.
PREFIX = "tinkhac"


def keys(site: str) -> dict[str, str]:
    """A site's frontier keys: its request queue, duplicate filter and in-flight hash."""
    return {
        "requests": f"{PREFIX}:{site}:requests",
        "dupefilter": f"{PREFIX}:{site}:dupefilter",
        "inflight": f"{PREFIX}:{site}:inflight",
    }


def frontier_settings(site: str, settings: Any, redis_url: str) -> dict[str, Any]:
    """The Scrapy settings that give a site's crawler its frontier in Redis, over
    ``settings`` (the crawl's own, whose middlewares it extends)."""
    names = keys(site)
    return {
        "SPIDER_MIDDLEWARES": {
            **settings.getdict("SPIDER_MIDDLEWARES"),
            "crawler.frontier.ParsedMiddleware": 0,
        },
        "DOWNLOADER_MIDDLEWARES": {
            **settings.getdict("DOWNLOADER_MIDDLEWARES"),
            "crawler.frontier.FailedMiddleware": 1,
        },
        "SCHEDULER": "crawler.frontier.InFlightScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": redis_url,
        "SCHEDULER_PERSIST": True,  # the frontier belongs to the run, not to one worker
        "SCHEDULER_QUEUE_KEY": names["requests"],
        "SCHEDULER_DUPEFILTER_KEY": names["dupefilter"],
        "TINKHAC_FRONTIER_INFLIGHT_KEY": names["inflight"],
    }


def forget(server: Any, site: str) -> None:
    """Empty a site's frontier: a new run starts it from its start pages."""
    server.delete(*keys(site).values())


class InFlight:
    """The in-flight hash of one crawl: request fingerprint -> the request, encoded."""

    def __init__(self, crawler: Any, server: Any) -> None:
        self.server = server
        self.key = crawler.settings.get("TINKHAC_FRONTIER_INFLIGHT_KEY")
        self.fingerprinter = crawler.request_fingerprinter

    @classmethod
    def for_crawler(cls, crawler: Any) -> InFlight | None:
        """The crawl's hash, once its scheduler made it (None: not a Redis frontier)."""
        return getattr(crawler, "_tinkhac_inflight", None)

    def _field(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def add(self, request: Request, encoded: bytes) -> None:
        self.server.hset(self.key, self._field(request), encoded)

    def done(self, request: Request) -> None:
        self.server.hdel(self.key, self._field(request))

    def take_all(self) -> list[bytes]:
        """Every request a former holder left in flight, removed from the hash."""
        pipe = self.server.pipeline()
        pipe.hvals(self.key)
        pipe.delete(self.key)
        values, _ = pipe.execute()
        return values


class InFlightScheduler(Scheduler):
    """scrapy-redis's scheduler that keeps a copy of each popped request until it is done,
    and at open puts back what a former holder of the site left in flight."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> InFlightScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.in_flight = InFlight(crawler, scheduler.server)
        crawler._tinkhac_inflight = scheduler.in_flight
        return scheduler

    def open(self, spider: Any) -> None:
        super().open(spider)
        left = self.in_flight.take_all()
        for encoded in left:
            self.queue.push(self.queue._decode_request(encoded))
        if left:
            self.stats.set_value("tinkhac/cluster/requeued_in_flight", len(left))
        if spider.settings.getbool("TINKHAC_CLUSTER_TAKEN_OVER"):
            self.stats.set_value("tinkhac/cluster/taken_over", 1)

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None:
            self.in_flight.add(request, self.queue._encode_request(request))
        return request


class ParsedMiddleware:
    """Spider middleware, outermost: a response's request leaves the in-flight hash once
    everything its callback gave has gone through (or the callback raised)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ParsedMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        try:
            async for output in result:
                yield output
        finally:
            in_flight = InFlight.for_crawler(self.crawler)
            if in_flight is not None:
                in_flight.done(response.request)


class FailedMiddleware:
    """Downloader middleware, outermost: a request that failed for good (retries spent,
    refused by robots.txt or the site's boundary) leaves the in-flight hash; one that a
    middleware retries or redirects never reaches this one."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailedMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception, spider: Any = None):
        in_flight = InFlight.for_crawler(self.crawler)
        if in_flight is not None:
            in_flight.done(request)
        return None
