"""The one spider: walk a site's listings and related blocks, yield its articles.

From each start URL it finds the category listings, pages through them while they bring
new article links, opens every article and follows the article's related block ("Tin
khác"), which reaches articles that no listing still shows. It only walks: each fetched
page is asked through a page object of ``crawler/pages.py`` what it is and holds. A link is
requested as a listing or as an article by what its URL suggests, but the page decides:
a "listing" that reads as an article is recorded as one, an "article" that lists articles
is paged as a listing. What every URL turned out to be is remembered in the state store,
so the next run requests again only listings and new or changed articles.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, partial
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response

from crawler.dates import VN_TZ, parse_iso_date
from crawler.decoding import readable_html
from crawler.families import Profile, detect
from crawler.items import ArticleItem
from crawler.links import Link
from crawler.pages import ArticlePage, CrawlContext, ListingPage, link_key
from crawler.priority import request_priority
from crawler.registry import RegistryError, Site, load_sites
from crawler.shell import shell_reason
from crawler.state import ARTICLE, NOT_ARTICLE, REDIRECT, KnownArticle, StateStore
from crawler.urls import canonical_url, repeats_itself


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
        self.identities: dict[str, str] = {}  # see CrawlContext.identities
        # For the self-check: which articles only related blocks led to (by id), and the
        # ids of the link keys fetched, so a listing shown later still counts them listed.
        self.related_only: set[str] = set()
        self.listed: set[str] = set()
        self.listed_keys: set[str] = set()
        self.id_of_key: dict[str, str] = {}
        #: Static pages met (URL -> the article keys they link, the categories they led
        #: to), remembered at the end of the run if the listings showed all those articles.
        self.static_pages: dict[str, tuple[set[str], list[str]]] = {}

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
    def max_category_depth(self) -> int:
        return self.settings.getint("TINKHAC_MAX_CATEGORY_DEPTH")

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
            yield scrapy.Request(self.single_url, callback=self.parse_single)
            return
        for url in self.site.start_urls:
            self.crawler.stats.inc_value("tinkhac/listings/start_urls")
            meta = {"role": "start", "page": 1}
            yield scrapy.Request(self._resolved(url), callback=self.parse_listing, meta=meta)

    # -- reading a response ----------------------------------------------------------------

    def _readable(self, response: Response) -> tuple[HtmlResponse | None, Profile | None]:
        page, problem = readable_html(response)
        if problem:
            self.crawler.stats.inc_value(f"tinkhac/pages/{problem}")
            self.logger.info("%s: %s", problem.replace("_", " "), response.url)
        if page is None:
            return None, None
        if self.profile is None:
            family = self.site.cms or detect(page.text)
            self.profile = self.site.profile(family)
            self.crawler.stats.set_value("tinkhac/family", family)
            self.logger.info("site %s: CMS family %s", self.site.key, family)
        return page, self.profile

    def _article_page(self, response: Response) -> ArticlePage | None:
        """The fetched page as an article page (every callback asks it first), or None when
        it is no readable HTML."""
        page, profile = self._readable(response)
        if page is None:
            return None
        return ArticlePage(page, profile, self._context(page))

    @staticmethod
    def _listing_page(article: ArticlePage) -> ListingPage:
        """The same page as a listing: its article links, categories and pager."""
        return ListingPage(article.response, article.profile, article.context)

    def _context(self, response: HtmlResponse) -> CrawlContext:
        known = (lambda _: None) if self.fresh else partial(self.store.get, self.site.key)
        return CrawlContext(self.site, response.meta.get("category"), self.identities, known)

    # -- one callback per kind of page ---------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Scrapy's default callback: a page of unknown kind is read as a listing would be."""
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A page fetched as a listing (start page, category, next page)."""
        article = self._article_page(response)
        if article is None:
            return
        response = article.response
        listing = self._listing_page(article)
        if article.is_article_not_listing(listing):
            self.crawler.stats.inc_value("tinkhac/pages/listing_read_as_article")
            yield from self._article(response, article)
            return
        role = response.meta.get("role", "listing")
        categories = self._new_categories(response, listing.categories)
        yield from self._categories(response, categories)
        if role != "start" and not listing.articles:
            # No article and no listing, or a hub of subcategories: remembered with the
            # categories it led to, which a later run that skips it still walks.
            self._not_an_article(response, article, [link.url for link in categories])
            return
        if role != "start" and article.is_static_page(listing):
            yield from self._static_page(response, article, listing, categories)
            return
        self.crawler.stats.inc_value(f"tinkhac/pages/{role}")
        yield from self._listing(response, listing)

    def _categories(self, response: HtmlResponse, links: list[Link]) -> Iterator[scrapy.Request]:
        depth = response.meta.get("category_depth", 0) + 1
        for link in links:
            meta = {"role": "listing", "page": 1, "category": link.text or None}
            meta["category_depth"] = depth
            yield from self._request(response, link.url, self.parse_listing, meta)

    def _new_categories(self, response: HtmlResponse, links: list[Link]) -> list[Link]:
        """The categories a page links that no page linked before, on start pages and on
        the first page of the listings they lead to (a hub of subcategories)."""
        if response.meta.get("page", 1) != 1:
            return []
        if response.meta.get("category_depth", 0) >= self.max_category_depth:
            return []
        seen = self._job_state("categories", set())
        found = [link for link in links if link.url not in seen]
        seen.update(link.url for link in found)
        return found

    def parse_article(self, response: Response) -> Iterator[Any]:
        """A page fetched as an article."""
        article = self._article_page(response)
        if article is None:
            return
        response = article.response
        if article.is_article:
            yield from self._article(response, article)
            return
        listing = self._listing_page(article)
        if article.is_static_page(listing):
            yield from self._static_page(response, article, listing)
            return
        if listing.articles:
            self.crawler.stats.inc_value("tinkhac/pages/article_link_read_as_listing")
            self.crawler.stats.inc_value("tinkhac/pages/listing")
            response.meta.update(role="listing", page=1, listing=response.url)
            yield from self._listing(response, listing)
            return
        self._not_an_article(response, article)

    def parse_single(self, response: Response) -> Iterator[Any]:
        """One page asked for by name: its record if it is an article, else its articles."""
        article = self._article_page(response)
        if article is None:
            return
        response = article.response
        if article.is_article:
            item = self._item(response, article)
            if item is not None:
                yield item
        elif self.follow_single:
            yield from self._listing(response, self._listing_page(article), paging=False)
        else:
            self._count_rejection(article.rejection)

    # -- what a page leads to ------------------------------------------------------------

    def _listing(
        self, response: HtmlResponse, page: ListingPage, paging: bool = True
    ) -> Iterator[Any]:
        """Open the listing's articles; page on while a page brings news.

        News are articles that this listing has not shown on an earlier page (a listing
        that repeats its last page forever stops there) and that no earlier run wrote (a
        scheduled run stops at the first page it knows). Articles the home page already
        linked still count: they are news to the listing, whose next pages may not be.
        """
        stats = self.crawler.stats
        listing = response.meta.get("listing") or response.url
        shown_before = self.listing_keys.setdefault(listing, set())
        articles = page.articles
        stats.inc_value("tinkhac/listings/article_links", len(articles))
        if page.rendered_by_javascript:
            stats.inc_value("tinkhac/listings/rendered_by_javascript")
            self.logger.warning(
                "listing %s is filled in by JavaScript and holds no article links; "
                "give the site a server-rendered listing in its start_urls",
                response.url,
            )
        if not articles:
            self._note_javascript_shell(response)
        fresh = 0
        for key, link in articles.items():
            self.listed_keys.add(key)
            self._listed(self.id_of_key.get(key))
            if key not in shown_before:
                shown_before.add(key)
                # Known means written by an earlier run, not by this one a moment ago (an
                # article opened from the home page before its listing came in, or by the
                # worker of a cluster this site was taken over from).
                fresh += self._news(key, link)
            yield from self._article_requests(response, link, depth=0, key=key)
        if not paging:
            return
        number = response.meta.get("page", 1)
        stop = self._stop_reason(number, fresh, articles.values())
        if stop:
            stats.inc_value(f"tinkhac/listings/stopped_{stop}")
            return
        following = page.next_pages(number)
        if not following and number == 1 and page.shows_pager:
            stats.inc_value("tinkhac/listings/pager_not_followed")
            self.logger.warning("a pager is shown but no next page is found: %s", response.url)
        for url in following:
            meta = {"role": "listing", "page": number + 1, "listing": listing}
            meta["category"] = response.meta.get("category")
            yield from self._request(response, url, self.parse_listing, meta)

    def _static_page(
        self,
        response: HtmlResponse,
        article: ArticlePage,
        listing: ListingPage,
        categories: list[Link] = (),
    ) -> Iterator[scrapy.Request]:
        """A page of the site itself (about, contact) beside a box of latest news: the box's
        articles are opened, as a listing's are, and the page may be remembered as no
        article when the run ends (see :meth:`closed`)."""
        self.crawler.stats.inc_value("tinkhac/pages/static_page_met")
        keys = set(listing.articles)
        self.static_pages[response.url] = (keys, [link.url for link in categories])
        for key, link in listing.articles.items():
            yield from self._article_requests(response, link, depth=0, key=key)

    def closed(self, reason: str) -> None:
        """Remember the static pages whose every article a listing of this run showed.

        A page remembered as no article is not fetched again until
        ``TINKHAC_RECHECK_DAYS``, so a mistake would cost the articles only it lists. A box
        of latest news repeats what the listings show; a category with a long description
        above its own list, read as static, does not, and stays a listing. Decided when
        the run ends, so the order the pages came in does not matter.
        """
        for url, (keys, categories) in self.static_pages.items():
            if keys <= self.listed_keys:
                self._count_rejection("static_page")
                self.store.remember_page(
                    self.site.key, self._url_key(url), NOT_ARTICLE, json.dumps(categories)
                )

    def _stop_reason(self, number: int, fresh: int, articles: Any) -> str | None:
        if fresh == 0:
            return "no_new_articles"  # also ends listings that repeat their last page
        if number >= self.max_listing_pages:
            return "max_pages"
        if self.since is not None:
            dates = [link.published for link in articles if link.published is not None]
            if dates and max(dates) < self.since:
                return "older_than_since"
        return None

    def _article(self, response: HtmlResponse, page: ArticlePage) -> Iterator[Any]:
        """An article: its record, then its related block."""
        item = self._item(response, page)
        if item is None:
            return
        yield item
        depth = response.meta.get("related_depth", 0) + 1
        if depth > self.max_related_depth:
            self.crawler.stats.inc_value("tinkhac/related/stopped_max_depth")
            return
        for link in page.related_links:
            yield from self._article_requests(response, link, depth=depth)

    def _item(self, response: HtmlResponse, page: ArticlePage) -> ArticleItem | None:
        """The page's article, or None (counted) when it is too old."""
        stats = self.crawler.stats
        stats.inc_value("tinkhac/pages/article")
        for field in page.parser.errors:
            stats.inc_value(f"tinkhac/parser_errors/{field}")
        record = page.record
        article_id = record["id"]
        self._remember(response, ARTICLE, article_id)
        if response.meta.get("link_text"):
            self.store.remember_link_title(self.site.key, article_id, response.meta["link_text"])
        self.article_keys.add(article_id)
        self.written_now.add(article_id)
        self._count_reached(response, article_id)
        for name in page.shown_fields:
            stats.inc_value(f"tinkhac/fields/shown/{name}")
            if not record.get(name):
                stats.inc_value(f"tinkhac/fields/missing/{name}")
        # The template version the parser chose, counted for the run report.
        version = page.parser.version.name if page.parser.version else "default"
        stats.inc_value(f"tinkhac/versions/{version}")
        published = parse_iso_date(record["published_at"] or "")
        if self.since is not None and published is not None and published < self.since:
            stats.inc_value("tinkhac/articles/older_than_since")
            return None
        fetched = datetime.now(UTC).replace(microsecond=0).isoformat()
        return ArticleItem(**record, fetched_at=fetched)

    def _count_reached(self, response: HtmlResponse, article_id: str) -> None:
        """How the article was reached: the self-check's ``articles/related_only``."""
        key = response.meta.get("article_key")
        if key:
            self.id_of_key[key] = article_id
        if article_id in self.listed:
            return
        listed = response.meta.get("related_depth", 0) == 0 or key in self.listed_keys
        if article_id in self.related_only and not listed:
            return
        if article_id not in self.related_only:
            self.crawler.stats.inc_value("tinkhac/articles/read")
        # Read again from a listing under another URL (a portal's state URLs differ on
        # every page): listed after all, in whichever order the two responses came.
        if listed:
            self._listed(article_id)
        else:
            self.related_only.add(article_id)
            self.crawler.stats.inc_value("tinkhac/articles/related_only")

    def _listed(self, article_id: str | None) -> None:
        if article_id is None:
            return
        self.listed.add(article_id)
        if article_id in self.related_only:
            self.related_only.discard(article_id)
            self.crawler.stats.inc_value("tinkhac/articles/related_only", -1)

    def _article_requests(
        self, response: HtmlResponse, link: Link, depth: int, key: str | None = None
    ) -> Iterator[scrapy.Request]:
        """A request for an article not requested yet under any of its URLs.

        An article an earlier run wrote is not downloaded again (unless the link shows
        another title: an edit); its remembered related block is walked instead, so that
        articles reachable only through it are still found.
        """
        profile = self.profile
        if not self._in_site(link.url) or profile.is_denied(link.url):
            return
        key = key or link_key(link.url, profile)
        if key in self.article_keys:
            self.crawler.stats.inc_value("tinkhac/articles/duplicate_link")
            return
        self.article_keys.add(key)
        known = self._known(key, link)
        if known is not None:
            self.crawler.stats.inc_value("tinkhac/articles/skipped_known")
            self.id_of_key[key] = known.id
            if depth == 0:
                self._listed(known.id)
            if depth < self.max_related_depth:
                for url in known.related:
                    for request in self._article_requests(response, Link(url, ""), depth + 1):
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
        yield from self._request(response, link.url, self.parse_article, meta)

    def _request(
        self, response: HtmlResponse, url: str, callback: Callable[..., Any], meta: dict[str, Any]
    ) -> Iterator[scrapy.Request]:
        """A request, unless an earlier run found the URL is no article; redirects resolved."""
        if not self._in_site(url) or self.profile.is_denied(url):
            return
        if repeats_itself(url):
            self.crawler.stats.inc_value("tinkhac/refused/repeating_path")
            return
        url, known = self._resolved_page(url)
        if known is not None and known.kind == NOT_ARTICLE:
            self.crawler.stats.inc_value("tinkhac/pages/skipped_not_article")
            remembered = [Link(u, "") for u in json.loads(known.target or "[]")]
            yield from self._categories(response, self._new_categories(response, remembered))
            return
        if known is not None and known.kind == ARTICLE and callback == self.parse_listing:
            # A "category" link that an earlier run found to be an article.
            yield from self._article_requests(response, Link(url, ""), depth=0)
            return
        priority = request_priority(url, self.profile, meta["role"], meta.get("page", 1))
        yield response.follow(url, callback, meta=meta, priority=priority)

    # -- what earlier runs met -------------------------------------------------------------

    def _page(self, url: str) -> Any:
        """What an earlier run found at the URL, while that is recent enough to trust."""
        if self.fresh:
            return None
        known = self.store.page(
            self.site.key, canonical_url(url, self.profile or self.site.profile())
        )
        recheck = timedelta(days=self.settings.getfloat("TINKHAC_RECHECK_DAYS"))
        if known is None or datetime.now(UTC) - known.last_seen > recheck:
            return None
        return known

    def _resolved(self, url: str) -> str:
        """The URL a remembered redirect leads to (a few hops at most), else the URL."""
        return self._resolved_page(url)[0]

    def _resolved_page(self, url: str) -> tuple[str, Any]:
        """(the URL a remembered redirect leads to, what an earlier run found there): one
        look-up per hop, which is a round trip on a cluster's Redis."""
        for _ in range(self.settings.getint("REDIRECT_MAX_TIMES")):
            known = self._page(url)
            if known is None or known.kind != REDIRECT:
                return url, known
            self.crawler.stats.inc_value("tinkhac/pages/redirect_resolved")
            url = known.target
        return url, self._page(url)

    def _remember(self, response: HtmlResponse, kind: str, target: str = "") -> None:
        """What the response's URL turned out to be."""
        self.store.remember_page(self.site.key, self._url_key(response.url), kind, target)

    def remember_redirect(self, source: str, target: str) -> None:
        """Called by crawler.middlewares.RedirectMemoryMiddleware for every 3xx answer."""
        if self._in_site(target) and self._url_key(source) != self._url_key(target):
            self.store.remember_page(self.site.key, self._url_key(source), REDIRECT, target)

    def _url_key(self, url: str) -> str:
        """How the state names a URL: canonical, by the site's profile once it is known."""
        return canonical_url(url, self.profile or self.site.profile())

    def _not_an_article(
        self, response: HtmlResponse, page: ArticlePage, categories: list[str] = ()
    ) -> None:
        """A page that is no article: counted with the parser's reason, and remembered,
        unless it is a server's error page: the next run reads it again."""
        self._count_rejection(page.rejection)
        self.logger.debug("not an article (%s): %s", page.rejection, response.url)
        if page.rejection == "error_page":
            self.crawler.stats.inc_value("tinkhac/pages/error_page")
            return
        self._note_javascript_shell(response)
        self._remember(response, NOT_ARTICLE, json.dumps(list(categories)))

    def _count_rejection(self, reason: str | None) -> None:
        self.crawler.stats.inc_value("tinkhac/pages/not_article")
        self.crawler.stats.inc_value(f"tinkhac/pages/not_article/{reason}")

    def _note_javascript_shell(self, response: HtmlResponse) -> None:
        """Count a page that a browser would fill in (crawler/shell.py): the report says so."""
        reason = shell_reason(response.text)
        if reason:
            self.crawler.stats.inc_value("tinkhac/pages/javascript_shell")
            self.crawler.stats.inc_value(f"tinkhac/javascript_shell/{reason}")
            self.logger.warning("JavaScript shell (%s), nothing to read: %s", reason, response.url)

    def _news(self, key: str, link: Link) -> bool:
        """Whether a listed article is news to this run: not written by an earlier run."""
        if self.id_of_key.get(key, key) in self.written_now:
            return True
        known = self._known(key, link)
        return known is None or self.store.written_in_run(self.site.key, known.id)

    def _known(self, key: str, link: Link) -> KnownArticle | None:
        """The article as an earlier run wrote it, when the link still shows its title."""
        if self.fresh:
            return None
        _, page = self._resolved_page(link.url)
        article_id = page.target if page is not None and page.kind == ARTICLE else key
        known = self.store.get(self.site.key, article_id)
        return known if known is not None and known.shown_by(link.text) else None

    def _in_site(self, url: str) -> bool:
        return self.site.matches(url)
