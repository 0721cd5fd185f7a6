"""Downloader middlewares: stay inside the site, skip what earlier runs wrote, back off."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.state import StateStore
from crawler.text import fold
from crawler.urls import same_site


class SiteBoundaryMiddleware:
    """Refuse every request that is not http(s) on one of the site's hosts.

    Scrapy's OffsiteMiddleware compares host names only and ignores ports, so on its own
    it would let a crawl of ``127.0.0.1:8001`` wander to ``127.0.0.1:8002``. This one sees
    every request before download, redirects included.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBoundaryMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = self.crawler.spider
        site = getattr(spider, "site", None)
        if site is None or same_site(request.url, site.allowed_domains):
            return None
        self.stats.inc_value("tinkhac/refused/offsite")
        host = request.url.split("/")[2] if "//" in request.url else request.url
        if host not in self.logged:
            self.logged.add(host)
            spider.logger.info("refused a request outside the site: %s", request.url)
        raise IgnoreRequest(f"outside the site: {request.url}")


class SkipKnownArticlesMiddleware:
    """Do not download an article an earlier run already wrote.

    A repeated run then costs its listing pages, not its articles. The title a listing or
    related block shows is compared with the stored one, so an article whose title was
    edited is fetched again and comes out as an update.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = StateStore.for_crawler(crawler)
        self.fresh = crawler.settings.getbool("TINKHAC_FRESH")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipKnownArticlesMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        key = request.meta.get("article_key")
        site = getattr(self.crawler.spider, "site", None)
        if self.fresh or key is None or site is None:
            return None
        known = self.state.get(site.key, key)
        if known is None or not same_title(request.meta.get("link_text"), known.title):
            return None
        self.stats.inc_value("tinkhac/articles/skipped_known")
        raise IgnoreRequest(f"written by an earlier run: {request.url}")


def same_title(shown: str | None, stored: str | None) -> bool:
    """Whether a link's text shows the stored title (listings may cut it short with "…")."""
    if not shown:
        return True
    shown_key = fold(shown).rstrip(".…").strip()
    return bool(stored) and fold(stored).startswith(shown_key)


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
        downloader = self.crawler.engine.downloader
        if seconds <= 0:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, seconds)
            self.crawler.stats.inc_value("tinkhac/politeness/paused_for_server")


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
