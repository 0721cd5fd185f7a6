"""The one spider: walk a site's listings and related blocks, yield its articles.

From each start URL it finds the category listings, pages through them while they bring
new article links, opens every article and follows the article's related block ("Tin
khác"), which reaches articles that no listing still shows. What a page *is* and what its
fields are is decided in ``crawler/`` from the site's profile; this module only walks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response

from crawler.dates import VN_TZ, parse_iso_date
from crawler.decoding import readable_html
from crawler.families import Profile, detect
from crawler.items import ArticleItem
from crawler.links import (
    Link,
    article_links,
    is_article_link,
    link_dates,
    links_of,
    listing_links,
    next_page_links,
)
from crawler.parsing.article import ArticleParser
from crawler.registry import RegistryError, Site, load_sites
from crawler.state import KnownArticle, StateStore
from crawler.urls import article_key, canonical_url, same_site

#: Markers of a listing that a browser fills in with JavaScript (AngularJS on SharePoint).
JS_TEMPLATE_MARKERS = ("ng-repeat=", "{{", "v-for=", "data-bind=")


class NewsSpider(scrapy.Spider):
    """Crawl one site of the registry: ``scrapy crawl news -a site=KEY [-a sites=FILE]``.

    ``-a url=URL`` reads that one listing or article page: an article is its record, a
    listing is its articles, without paging; ``-a follow=no`` reads an article page only.
    """

    name = "news"

    def __init__(
        self,
        site: str | None = None,
        sites: str | None = None,
        url: str | None = None,
        follow: str = "yes",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not site:
            raise ValueError("which site? pass -a site=KEY (see `tinkhac sites`)")
        registry = load_sites(sites)
        if site not in registry:
            raise RegistryError(f"unknown site {site!r}; `tinkhac sites` lists the known keys")
        self.site: Site = registry[site]
        self.single_url = url
        self.follow_single = follow != "no"
        # Scrapy's own offsite filter compares host names only; the port-aware check is
        # crawler.middlewares.SiteBoundaryMiddleware.
        self.allowed_domains = sorted({d.split(":")[0] for d in self.site.allowed_domains})
        self.profile: Profile | None = None
        self.written_now: set[str] = set()  # articles this run has yielded

    @property
    def store(self) -> StateStore:
        """What earlier runs wrote (see crawler/state.py); ``self.state`` is Scrapy's."""
        return StateStore.for_crawler(self.crawler)

    @property
    def fresh(self) -> bool:
        return self.settings.getbool("TINKHAC_FRESH")

    def _job_state(self, name: str, empty: Any) -> Any:
        """A part of ``spider.state``, which Scrapy's JOBDIR keeps across a resume."""
        if getattr(self, "state", None) is None:
            self.state = {}
        return self.state.setdefault(name, empty)

    @property
    def article_keys(self) -> set[str]:
        """Articles requested in this job, under whichever of their URLs."""
        return self._job_state("article_keys", set())

    @property
    def listing_keys(self) -> dict[str, set[str]]:
        """Per listing (its first page's URL), the articles its pages have shown so far."""
        return self._job_state("listing_keys", {})

    @property
    def max_related_depth(self) -> int:
        return self.settings.getint("TINKHAC_MAX_RELATED_DEPTH")

    @property
    def max_listing_pages(self) -> int:
        return self.settings.getint("TINKHAC_MAX_LISTING_PAGES")

    @cached_property
    def since(self) -> datetime | None:
        value = self.settings.get("TINKHAC_SINCE")
        if not value:
            return None
        return datetime.combine(date.fromisoformat(str(value)), datetime.min.time(), VN_TZ)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.article_keys:  # spider.state came back from a JOBDIR
            self.crawler.stats.set_value("tinkhac/job/resumed", True)
        if self.single_url:
            yield scrapy.Request(self.single_url, callback=self.parse, meta={"role": "single"})
            return
        for url in self.site.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={"role": "start", "page": 1})

    def _profile_for(self, response: HtmlResponse) -> Profile:
        if self.profile is None:
            family = self.site.cms or detect(response.text)
            self.profile = self.site.profile(family)
            self.crawler.stats.set_value("tinkhac/family", family)
            self.logger.info("site %s: CMS family %s", self.site.key, family)
        return self.profile

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        page, problem = readable_html(response)
        if problem:
            self.crawler.stats.inc_value(f"tinkhac/pages/{problem}")
            self.logger.info("%s: %s", problem.replace("_", " "), response.url)
        if page is None:
            return
        response = page
        profile = self._profile_for(response)
        role = response.meta.get("role", "article")
        if role == "single":
            yield from self.parse_single(response, profile)
            return
        if role == "article" or (role == "start" and is_article_link(response.url, profile)):
            yield from self.parse_article(response, profile)
            return
        self.crawler.stats.inc_value(f"tinkhac/pages/{role}")
        if role == "start":
            for link in listing_links(response.selector, response.url, profile):
                if self._in_site(link.url):
                    meta = {"role": "listing", "page": 1, "category": link.text or None}
                    yield response.follow(link.url, self.parse, meta=meta)
        yield from self.parse_listing(response, profile)

    def parse_single(self, response: HtmlResponse, profile: Profile) -> Iterator[Any]:
        """One page asked for by name: its record if it is an article, else its articles."""
        item = self._item(response, profile)
        if item is not None:
            yield item
        elif self.follow_single:
            yield from self.parse_listing(response, profile, paging=False)

    def parse_listing(
        self, response: HtmlResponse, profile: Profile, paging: bool = True
    ) -> Iterator[Any]:
        """Open the listing's articles; page on while a page brings news.

        News are articles that this listing has not shown on an earlier page (a listing
        that repeats its last page forever stops there) and that no earlier run wrote (a
        scheduled run stops at the first page it knows). Articles the home page already
        linked still count: they are news to the listing, whose next pages may not be.
        """
        listing = response.meta.get("listing") or response.url
        shown_before = self.listing_keys.setdefault(listing, set())
        fresh = 0
        articles = [
            link
            for link in article_links(links_of(response.selector, response.url), profile)
            if self._in_site(link.url)
        ]
        if not articles and any(m in response.text for m in JS_TEMPLATE_MARKERS):
            self.crawler.stats.inc_value("tinkhac/listings/rendered_by_javascript")
            self.logger.warning(
                "listing %s is filled in by JavaScript and holds no article links; "
                "give the site a server-rendered listing in its start_urls",
                response.url,
            )
        for key, link in _named(articles, profile).items():
            if key not in shown_before:
                shown_before.add(key)
                # Known means written by an earlier run, not by this one a moment ago.
                fresh += key in self.written_now or self._known(key, link) is None
            yield from self._article_requests(response, link, profile, depth=0, key=key)
        if paging and self._keep_paging(response, fresh, articles):
            page = response.meta.get("page", 1)
            for url in next_page_links(response.selector, response.url, page):
                if self._in_site(url) and not profile.is_denied(url):
                    meta = {"role": "listing", "page": page + 1, "listing": listing}
                    meta["category"] = response.meta.get("category")
                    yield response.follow(url, self.parse, meta=meta)

    def _keep_paging(self, response: HtmlResponse, fresh: int, articles: list[Link]) -> bool:
        stop = None
        if fresh == 0:
            stop = "no_new_articles"  # also ends listings that repeat their last page
        elif response.meta.get("page", 1) >= self.max_listing_pages:
            stop = "max_pages"
        elif self.since is not None:
            dates = link_dates(response.selector, response.url, {a.url for a in articles})
            if dates and max(dates) < self.since:
                stop = "older_than_since"
        if stop:
            self.crawler.stats.inc_value(f"tinkhac/listings/stopped_{stop}")
        return stop is None

    def parse_article(self, response: HtmlResponse, profile: Profile) -> Iterator[Any]:
        item = self._item(response, profile)
        if item is None:
            return
        yield item
        depth = response.meta.get("related_depth", 0) + 1
        if depth > self.max_related_depth:
            self.crawler.stats.inc_value("tinkhac/related/stopped_max_depth")
            return
        shown = {link.url: link for link in links_of(response.selector, response.url)}
        for url in item.related_urls:
            link = shown.get(url, Link(url, ""))
            yield from self._article_requests(response, link, profile, depth=depth)

    def _item(self, response: HtmlResponse, profile: Profile) -> ArticleItem | None:
        """The page's article, or None (counted) when it is not one or is too old."""
        self.crawler.stats.inc_value("tinkhac/pages/article")
        page = ArticleParser(
            response.url,
            response.selector,
            profile,
            self.site.key,
            self.site.allowed_domains,
            listing_category=response.meta.get("category"),
        )
        record = page.record()
        for field in page.errors:
            self.crawler.stats.inc_value(f"tinkhac/parser_errors/{field}")
        if record is None:
            self.crawler.stats.inc_value("tinkhac/pages/not_article")
            self.crawler.stats.inc_value(f"tinkhac/pages/not_article/{page.rejection}")
            self.logger.debug("not an article: %s", response.url)
            return None
        self.article_keys.add(record["id"])
        self.written_now.add(record["id"])
        published = parse_iso_date(record["published_at"] or "")
        if self.since is not None and published is not None and published < self.since:
            self.crawler.stats.inc_value("tinkhac/articles/older_than_since")
            return None
        fetched = datetime.now(UTC).replace(microsecond=0).isoformat()
        return ArticleItem(**record, fetched_at=fetched)

    def _article_requests(
        self,
        response: HtmlResponse,
        link: Link,
        profile: Profile,
        depth: int,
        key: str | None = None,
    ) -> Iterator[scrapy.Request]:
        """A request for an article not requested yet under any of its URLs.

        An article an earlier run wrote is not downloaded again (unless the link shows
        another title: an edit); its remembered related block is walked instead, so that
        articles reachable only through it are still found.
        """
        if not self._in_site(link.url) or profile.is_denied(link.url):
            return
        key = key or _key(link.url, profile)
        if key in self.article_keys:
            self.crawler.stats.inc_value("tinkhac/articles/duplicate_link")
            return
        self.article_keys.add(key)
        known = self._known(key, link)
        if known is not None:
            self.crawler.stats.inc_value("tinkhac/articles/skipped_known")
            if depth < self.max_related_depth:
                for url in known.related:
                    for request in self._article_requests(
                        response, Link(url, ""), profile, depth + 1
                    ):
                        request.meta["remembered"] = True
                        yield request
            return
        if depth:
            self.crawler.stats.inc_value("tinkhac/related/followed")
        meta = {
            "role": "article",
            "related_depth": depth,
            "category": response.meta.get("category"),
            "article_key": key,
            "link_text": link.text,
        }
        yield response.follow(link.url, self.parse, meta=meta)

    def _known(self, key: str, link: Link) -> KnownArticle | None:
        """The article as an earlier run wrote it, when the link still shows its title."""
        known = None if self.fresh else self.store.get(self.site.key, key)
        return known if known is not None and known.shown_by(link.text) else None

    def _in_site(self, url: str) -> bool:
        return same_site(url, self.site.allowed_domains)


def _key(url: str, profile: Profile) -> str:
    return article_key(canonical_url(url, profile), profile)


def _named(links: list[Link], profile: Profile) -> dict[str, Link]:
    """Each article's first link by article key, named by the first text any URL shows."""
    first: dict[str, Link] = {}
    for link in links:
        key = _key(link.url, profile)
        if key not in first:
            first[key] = link
        elif not first[key].text and link.text:
            first[key] = Link(first[key].url, link.text)
    return first
