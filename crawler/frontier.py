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

Every site's crawler shares the spider name ``news``, so every key is named by the site.
"""

from __future__ import annotations

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
    """The in-flight hash of one crawl: request fingerprint -> the request, encoded.

    A request leaves it only when its response is settled: the callback has ended, each
    item it gave has been written or dropped (Scrapy's ``item_scraped`` /
    ``item_dropped`` / ``item_error``) and each request it gave is in the Redis queue or
    was filtered. Scrapy hands a callback's outputs to the pipelines through a queue of
    its own, so "the callback ended" alone would come too early.
    """

    def __init__(self, crawler: Any, server: Any) -> None:
        self.server = server
        self.key = crawler.settings.get("TINKHAC_FRONTIER_INFLIGHT_KEY")
        self.fingerprinter = crawler.request_fingerprinter
        self._parses: dict[int, _Parse] = {}  # id(response) ->
        self._children: dict[int, tuple[int, _Parse]] = {}  # id(request) -> its parse
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_settled, signal=signal)

    @classmethod
    def for_crawler(cls, crawler: Any) -> InFlight | None:
        """The crawl's hash, once its scheduler made it (None: not a Redis frontier)."""
        return getattr(crawler, "_tinkhac_inflight", None)

    def _field(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def add(self, request: Request, encoded: bytes) -> None:
        field = self._field(request)
        request.meta[FIELD_META] = field  # a redirect of it carries it (see followed_by)
        self.server.hset(self.key, field, encoded)

    def followed_by(self, request: Request) -> None:
        """A request a middleware made of a dequeued one (a redirect) reached the queue or
        the filter: the one it replaces is settled."""
        field = request.meta.get(FIELD_META)
        if field and field != self._field(request):
            self.server.hdel(self.key, field)

    def done(self, request: Request) -> None:
        self.server.hdel(self.key, self._field(request))

    def take_all(self) -> list[bytes]:
        """Every request a former holder left in flight, removed from the hash."""
        pipe = self.server.pipeline()
        pipe.hvals(self.key)
        pipe.delete(self.key)
        values, _ = pipe.execute()
        return values

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
        left = self.in_flight.take_all()
        for encoded in left:
            self.queue.push(self.queue._decode_request(encoded))
        if left:
            self.stats.set_value("tinkhac/cluster/requeued_in_flight", len(left))
        if spider.settings.getbool("TINKHAC_CLUSTER_TAKEN_OVER"):
            self.stats.set_value("tinkhac/cluster/taken_over", 1)

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        finally:
            self.in_flight.request_settled(request)
            self.in_flight.followed_by(request)

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None:
            self.in_flight.add(request, self.queue._encode_request(request))
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
