"""Downloader middlewares: stay inside the site, keep one pace per host, and back off when
it is overloaded."""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import sleep
from scrapy.utils.misc import build_from_crawler
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from crawler.resolver import never_resolves
from crawler.urls import host_of

logger = logging.getLogger(__name__)


class SiteBoundaryMiddleware:
    """Refuse every request that is not http(s) on one of the site's hosts (and paths).

    Scrapy's OffsiteMiddleware compares host names only and ignores ports, so on its own
    it would let a crawl of ``127.0.0.1:8001`` wander to ``127.0.0.1:8002``. This one sees
    every request before download, redirects included.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.logged: set[str] = set()
        # Crawls of the local replicas must never reach out, not even for a DNS lookup.
        self.loopback_only = crawler.settings.getbool("TINKHAC_LOOPBACK_ONLY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBoundaryMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = self.crawler.spider
        if self.loopback_only and not is_loopback(request.url):
            self.stats.inc_value("tinkhac/refused/not_loopback")
            raise IgnoreRequest(
                f"not on this machine, refused while crawling replicas: {request.url}"
            )
        site = getattr(spider, "site", None)
        # Site.matches: its hosts, its path prefixes (a portal's subsite), never a host of
        # the registry's never_crawl list (document systems, mail, SSO).
        if site is None or site.matches(request.url):
            return None
        self.stats.inc_value("tinkhac/refused/offsite")
        host = request.url.split("/")[2] if "//" in request.url else request.url
        if host not in self.logged:
            self.logged.add(host)
            spider.logger.info("refused a request outside the site: %s", request.url)
        raise IgnoreRequest(f"outside the site: {request.url}")


class RedirectMemoryMiddleware:
    """Tell the spider where each redirect leads, before Scrapy follows it.

    Placed nearer the downloader than Scrapy's RedirectMiddleware, it sees every 3xx
    answer, also those whose target the duplicate filter then drops (a target already
    fetched under its own URL), which the spider's callbacks never see.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectMemoryMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        location = response.headers.get("Location")
        remember = getattr(self.crawler.spider, "remember_redirect", None)
        if 300 <= response.status < 400 and location and remember is not None:
            remember(request.url, urljoin(request.url, location.decode("latin-1")))
        return response


class SharedHostMiddleware:
    """One pace per host, however many sites of the registry live on it.

    Scrapy's download slots belong to one crawler, and ``crawl-all`` runs a crawler per
    site, so the path subsites of one portal (Quảng Ninh's ``/bannganh/…`` sites share a
    host) would each keep their own ``DOWNLOAD_DELAY`` and the host would see their sum.
    While two or more running crawlers share a host, each request to it waits for the
    host's next free moment, kept here for the whole process; so does the first request
    of a crawl that follows another site's on the host (a cluster worker takes a host's
    sites one after another). A host of one site only is left to its crawler's own slot
    (and AutoThrottle).
    """

    #: host (with port) -> the monotonic time before which no request may start
    next_free: ClassVar[dict[str, float]] = {}
    #: host (with port) -> how many running crawlers crawl a site on it
    crawlers_on: ClassVar[Counter[str]] = Counter()
    #: host (with port) -> the site whose crawl sent the host's last request
    last_site: ClassVar[dict[str, str]] = {}
    #: host (with port) -> the monotonic time its last answer came
    last_answer: ClassVar[dict[str, float]] = {}

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.hosts: set[str] = set()
        self.site = ""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        site = getattr(spider, "site", None)
        self.site = getattr(site, "key", "")
        self.hosts = {host_of(url) for url in getattr(site, "start_urls", ())}
        self.crawlers_on.update(self.hosts)

    def spider_closed(self, spider: Spider) -> None:
        self.crawlers_on.subtract(self.hosts)
        self.hosts = set()

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = host_of(request.url)
        if self.delay <= 0:
            return
        waited = False
        if self.crawlers_on[host] >= 2:
            # The host's moment is taken only once this crawler's own slot will send the
            # request at once: a slot still waiting (its delay restarted by an answer,
            # raised by AutoThrottle) would send it later than the moment taken, and the
            # other crawler's request, sent on time, would reach the host too soon after.
            while True:
                now = monotonic()
                start = max(self.next_free.get(host, 0.0), self._slot_ready(request))
                if start <= now:
                    break
                waited = True
                await sleep(start - now)
        elif self.last_site.get(host, self.site) != self.site:
            # The crawl before this one on the host has just ended: its slot's delay ends
            # with it, so the pause after its last answer is kept here.
            wait = self.last_answer.get(host, 0.0) + self.delay - monotonic()
            if wait > 0:
                waited = True
                await sleep(wait)
        self.next_free[host] = monotonic() + self.delay
        self.last_site[host] = self.site
        if waited:
            self.crawler.stats.inc_value("tinkhac/politeness/waited_for_shared_host")

    def _slot_ready(self, request: Request) -> float:
        """When this crawler's slot for the request would send it without waiting: after
        its longest delay (jitter included) since its last request, and once it is not
        busy with another (asked again a little later)."""
        slot = download_slot(self.crawler, request)
        if slot is None:
            return 0.0
        if slot.transferring or slot.queue or slot.latercall:
            return monotonic() + self.delay / 4
        return slot.lastseen + slot.delay * (1 + slot.jitter)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self.last_answer[host_of(request.url)] = monotonic()
        return response


class RobotsRuleMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt handling, with RFC 9309's rule for a robots.txt it cannot read.

    Scrapy parses whatever body comes back, so a server's HTML error page reads as "no
    rules", and it allows everything when the download fails. RFC 9309 (2.3.1.4) says that
    a robots.txt unreachable through a server error (5xx, after the retries) or the network
    means complete disallow: a failing government server is the last one to load. The site
    is then crawled no further this run, the report names the fault
    ``robots_unreachable``, and the next run asks again. A 4xx still means no rules.
    """

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unreachable(netloc, f"it answered {response.status}")
            response = response.replace(body=self.DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # refused before it was sent: no rule to read
            super()._robots_error(exc, netloc)
            return
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
        waiting = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, self.DISALLOW_ALL)
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def _unreachable(self, netloc: str, why: str) -> None:
        self.crawler.stats.inc_value("tinkhac/robots/unreachable")
        logger.warning(
            "robots.txt of %s could not be read (%s): nothing more of %s is fetched this "
            "run, as RFC 9309 asks; the next run asks again",
            netloc, why, netloc,
        )  # fmt: skip


def download_slot(crawler: Crawler, request: Request) -> Any:
    """The downloader slot the request goes through (its site's delay), if it has one yet."""
    downloader = crawler.engine.downloader
    return downloader.slots.get(downloader.get_slot_key(request))


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, plus a pause for the whole site when it says it is overloaded.

    On 429 and 503 the site's download slot waits for the ``Retry-After`` the server
    asked for (seconds or an HTTP date), else for an exponential backoff
    (``TINKHAC_RETRY_BACKOFF`` × 2^attempt), capped by ``TINKHAC_RETRY_AFTER_MAX``, so that
    no request of that site is sent before then, not only the retried one.
    """

    OVERLOADED = frozenset({429, 503})

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("TINKHAC_RETRY_BACKOFF")
        self.cap = settings.getfloat("TINKHAC_RETRY_AFTER_MAX")

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status in self.OVERLOADED and not request.meta.get("dont_retry"):
            attempt = request.meta.get("retry_times", 0)
            wait = retry_after(response.headers.get("Retry-After"))
            self.pause_site(request, min(self.cap, wait or self.backoff * 2**attempt))
        return super().process_response(request, response)

    def pause_site(self, request: Request, seconds: float) -> None:
        if seconds <= 0:
            return
        slot = download_slot(self.crawler, request)
        if slot is None or slot.delay >= seconds:
            return
        usual, slot.delay = slot.delay, seconds
        self.crawler.stats.inc_value("tinkhac/politeness/paused_for_server")

        def resume() -> None:
            if slot.delay == seconds:  # unless AutoThrottle has set its own since
                slot.delay = usual

        reactor.callLater(seconds, resume)


def is_loopback(url: str) -> bool:
    """Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    # .invalid names fail in crawler.resolver without a query, so they stay here too.
    if host == "localhost" or never_resolves(host):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def retry_after(value: bytes | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number, or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class DelayAfterAnswerMiddleware:
    """The site's delay counted from its last answer, not only from the last dispatch.

    Scrapy starts a site's delay when it hands a request to the download handler. If the
    reactor is busy just then (a cluster worker starting another site's crawl blocks it for
    a few tenths of a second), the request leaves late and the next one, sent on time,
    reaches the server less than the delay after it. Restarting the delay when the answer
    (or the failure) comes back keeps the server's view at least the delay apart, with one
    request at a time per site. Nearest the downloader: it sees every answer first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DelayAfterAnswerMiddleware:
        return cls(crawler)

    def _restart_delay(self, request: Request) -> None:
        slot = download_slot(self.crawler, request)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic())

    def process_response(self, request: Request, response: Response, spider: Spider = None):
        self._restart_delay(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider = None):
        self._restart_delay(request)
        return None
