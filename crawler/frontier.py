"""A site's frontier in Redis (scrapy-redis), so that it outlives the worker crawling it.

scrapy-redis keeps the scheduler queue and the duplicate filter in Redis; with
``SCHEDULER_PERSIST`` they survive the crawler. One gap is left: its scheduler *pops* a
request, so a request being downloaded or parsed when its worker is killed is in neither
the queue nor the output, and the duplicate filter keeps it from ever coming back. The
in-flight hash closes it: a request is copied there when it leaves the queue and deleted
once its response is settled (every item the callback gave written or dropped, every
request it gave in the queue) or once it failed for good. The next holder of the site's
lease pushes whatever the hash holds back onto the queue before it crawls: at worst a
page is fetched twice, never lost (export keeps one record per article).

Every move between the queue, the duplicate filter and the hash is one Redis step (a Lua
script) or ordered so that a kill in between leaves a request in two places, never in
none: scrapy-redis marks a request seen and then pushes it, and pops it and only then
could we copy it, two round trips in which a SIGKILL would lose it for good.

Every site's crawler shares the spider name ``news``, so every key is named by the site.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from scrapy import Request, signals
from scrapy.http import Response
from scrapy_redis.scheduler import Scheduler

from crawler.cluster import keys

# scrapy-redis 0.9.1 still passes ``spider=`` to the stats, which Scrapy 2.19 deprecates;
# one warning line per crawl on stderr says nothing a user can act on.
warnings.filterwarnings(
    "ignore", message="Passing a 'spider' argument", module="scrapy_redis.scheduler"
)

#: The meta key that carries a dequeued request's field in the in-flight hash.
FIELD_META = "tinkhac_in_flight"
#: Mark a request seen and queue it, in one step (KEYS: filter, queue; ARGV: fingerprint,
#: score, request, "1" to filter): a request marked seen is always in the queue.
_ENQUEUE = """
if ARGV[4] == '1' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
#: Pop the queue's first request into the in-flight hash, in one step (KEYS: queue, hash):
#: a popped request is always in the hash, under the SHA-1 of its encoding.
_POP = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], redis.sha1hex(first[1]), first[1])
return first[1]
"""


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
            # A worker starts crawls while others go on: see the middleware.
            "crawler.middlewares.DelayAfterAnswerMiddleware": 1000,
        },
        "SCHEDULER": "crawler.frontier.InFlightScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",  # _ENQUEUE's ZADD
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": redis_url,
        "SCHEDULER_PERSIST": True,  # the frontier belongs to the run, not to one worker
        "SCHEDULER_QUEUE_KEY": names["requests"],
        "SCHEDULER_DUPEFILTER_KEY": names["dupefilter"],
        "TINKHAC_FRONTIER_INFLIGHT_KEY": names["inflight"],
    }


@dataclass
class _Parse:
    """What one response's callback gave that has not been settled yet."""

    request: Request
    outputs: int = 0  # items not through the pipelines, requests not in the queue yet
    ended: bool = False  # the callback gave its last output


class InFlight:
    """The in-flight hash of one crawl: SHA-1 of a popped request's encoding -> that encoding.

    A request leaves it only when its response is settled: the callback has ended, each
    item it gave has been written or dropped (Scrapy's ``item_scraped`` /
    ``item_dropped`` / ``item_error``) and each request it gave is in the Redis queue or
    was filtered. Scrapy hands a callback's outputs to the pipelines through a queue of
    its own, so "the callback ended" alone would come too early.
    """

    def __init__(self, crawler: Any, server: Any) -> None:
        self.server = server
        self.key = crawler.settings.get("TINKHAC_FRONTIER_INFLIGHT_KEY")
        self._parses: dict[int, _Parse] = {}  # id(response) ->
        self._children: dict[int, tuple[int, _Parse]] = {}  # id(request) -> its parse
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_settled, signal=signal)

    @classmethod
    def for_crawler(cls, crawler: Any) -> InFlight | None:
        """The crawl's hash, once its scheduler made it (None: not a Redis frontier)."""
        return getattr(crawler, "_tinkhac_inflight", None)

    def popped(self, request: Request, encoded: bytes) -> None:
        """The request left the queue for the hash (see ``_POP``), under this field."""
        request.meta[FIELD_META] = hashlib.sha1(encoded).hexdigest()

    def followed_by(self, request: Request) -> None:
        """A request a middleware made of a dequeued one (a retry, a redirect) is in the
        queue now, or was filtered: the one it replaces is settled."""
        field = request.meta.pop(FIELD_META, None)
        if field:
            self.server.hdel(self.key, field)

    def done(self, request: Request) -> None:
        field = request.meta.get(FIELD_META)
        if field:
            self.server.hdel(self.key, field)

    def left_in_flight(self) -> list[bytes]:
        """Every request a former holder left in flight (see :meth:`forget_left`)."""
        return self.server.hvals(self.key)

    def forget_left(self, fields: list[bytes]) -> None:
        """Drop the former holder's requests from the hash, once they are queued again:
        a kill in between leaves them in both, and they are fetched twice, not lost."""
        if fields:
            self.server.hdel(self.key, *(hashlib.sha1(v).hexdigest() for v in fields))

    # -- settling a response's outputs ------------------------------------------------

    def gave(self, response: Response, output: Any) -> None:
        """The response's callback gave this output (an item or a request)."""
        parse = self._parses.setdefault(id(response), _Parse(response.request))
        if output is None:
            return
        parse.outputs += 1
        if isinstance(output, Request):
            output.meta.pop(FIELD_META, None)  # a new page, not a redirect of this one
            self._children[id(output)] = (id(response), parse)

    def ended(self, response: Response) -> None:
        """The response's callback gave its last output (or raised)."""
        parse = self._parses.setdefault(id(response), _Parse(response.request))
        parse.ended = True
        self._settle(id(response), parse, 0)

    def request_settled(self, request: Request) -> None:
        """A request is in the queue, or was filtered: its parent no longer needs it."""
        child = self._children.pop(id(request), None)
        if child is not None:
            self._settle(*child, 1)

    def _item_settled(self, item: Any, response: Any = None, **_: Any) -> None:
        parse = self._parses.get(id(response))
        if parse is not None:
            self._settle(id(response), parse, 1)

    def _settle(self, key: int, parse: _Parse, outputs: int) -> None:
        parse.outputs -= outputs
        if parse.ended and parse.outputs <= 0:
            del self._parses[key]
            self.done(parse.request)


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
        self._enqueue = self.server.register_script(_ENQUEUE)
        self._pop = self.server.register_script(_POP)
        left = self.in_flight.left_in_flight()
        for encoded in left:
            self.queue.push(self.queue._decode_request(encoded))
        self.in_flight.forget_left(left)
        if left:
            self.stats.set_value("tinkhac/cluster/requeued_in_flight", len(left))
        if spider.settings.getbool("TINKHAC_CLUSTER_TAKEN_OVER"):
            self.stats.set_value("tinkhac/cluster/taken_over", 1)

    def enqueue_request(self, request: Request) -> bool:
        """scrapy-redis's, with the filter's mark and the push in one step."""
        try:
            fingerprint = self.df.request_fingerprint(request)
            encoded = self.queue._encode_request(request)
            keys = [self.df.key, self.queue.key]
            filtered = "0" if request.dont_filter else "1"
            if not self._enqueue(keys, [fingerprint, -request.priority, encoded, filtered]):
                self.df.log(request, self.spider)
                return False
            self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            self.in_flight.request_settled(request)
            self.in_flight.followed_by(request)

    def next_request(self) -> Request | None:
        """scrapy-redis's, with the pop and the copy into the in-flight hash in one step."""
        encoded = self._pop([self.queue.key, self.in_flight.key])
        if encoded is None:
            return None
        request = self.queue._decode_request(encoded)
        self.in_flight.popped(request, encoded)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request


class ParsedMiddleware:
    """Spider middleware, outermost: tells the in-flight hash what each callback gave,
    and when it gave its last."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ParsedMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        in_flight = InFlight.for_crawler(self.crawler)
        try:
            async for output in result:
                if in_flight is not None:
                    in_flight.gave(response, output)
                yield output
        finally:
            if in_flight is not None:
                in_flight.ended(response)


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
