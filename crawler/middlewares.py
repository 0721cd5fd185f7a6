"""Downloader middlewares: stay inside the site; skip articles written by earlier runs."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

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
