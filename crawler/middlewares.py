"""Downloader middleware that keeps every request inside the site being crawled.

Scrapy's OffsiteMiddleware compares host names only and ignores ports, so on its own it
would let a crawl of ``127.0.0.1:8001`` wander to ``127.0.0.1:8002``, or a redirect carry
it to another host. This middleware sees every request before download, redirects
included, and refuses anything that is not http(s) on one of the site's hosts.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.urls import same_site


class SiteBoundaryMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteBoundaryMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        site = getattr(spider, "site", None)
        if site is None or same_site(request.url, site.allowed_domains):
            return None
        self.stats.inc_value("tinkhac/refused/offsite")
        host = request.url.split("/")[2] if "//" in request.url else request.url
        if host not in self.logged:
            self.logged.add(host)
            spider.logger.info("refused a request outside the site: %s", request.url)
        raise IgnoreRequest(f"outside the site: {request.url}")
