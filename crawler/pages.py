"""Page objects: what a fetched page holds, the seam between walking and parsing.

As with web-poet, the spider never reads a page itself: it builds an :class:`ArticlePage`
or a :class:`ListingPage` from (response, profile, crawl context) and asks it. Which one
a page *is* is decided from its content, not its URL: a page whose record reads as an
article is an article wherever it was linked from, a page that lists articles is a
listing. URL patterns only rank and deny links.

Identity is decided here too, after the page is read: the canonical link, else the CMS id
in the URL, else the content id the page shows of itself (``content_id`` in
families.toml), else a fingerprint of its content. A candidate that another page of this
run already claimed with other content is passed over, so different articles never share
a key (a canonical link to the home page, an ``og:url`` left at the category).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse

from crawler.dates import find_dates
from crawler.families import Profile
from crawler.links import (
    Link,
    article_links,
    link_dates,
    links_of,
    listing_links,
    next_page_links,
    pager_links,
)
from crawler.parsing.article import ArticleParser
from crawler.parsing.labels import AUTHOR_LABEL, CAPTION_LABEL, GENERIC_DATE_CLASS
from crawler.parsing.static_page import is_static_page
from crawler.registry import Site
from crawler.state import KnownArticle
from crawler.text import clean, fold
from crawler.urls import article_key, canonical_url, url_id

#: Markers of a listing that a browser fills in with JavaScript (AngularJS on SharePoint).
JS_TEMPLATE_MARKERS = ("ng-repeat=", "{{", "v-for=", "data-bind=")
#: A page fetched as a listing that also reads as an article is still a listing when it
#: links this many articles outside its related block (a home page with a lead story).
LISTING_MIN_OTHER_LINKS = 4
#: A content id longer than this is no id (a hidden field holding a whole form state).
MAX_CONTENT_ID = 200
#: How much of the body a content fingerprint reads: enough to tell articles apart, little
#: enough that a typo fixed at the end keeps the key.
FINGERPRINT_BODY_CHARS = 300
#: Elements that show a field, whatever the template: the self-check compares them with
#: what the records hold (``suspect_field:<name>``).
AUTHOR_CLASS = (
    "//*[re:test(concat(' ', @class, ' ', @id, ' '), "
    "'(author|byline|tacgia|tac-gia|tac_gia|butdanh)', 'i')][normalize-space()]"
)
CAPTIONS = "//figcaption[normalize-space()] | //p | //em"


@dataclass
class CrawlContext:
    """What a page object needs to know of the crawl: the site, where the link was met."""

    site: Site
    category: str | None = None  # the listing's category the link came from
    #: Identities claimed in this run, each with the fingerprint of the page that claimed it.
    identities: dict[str, str] = field(default_factory=dict)
    #: The article an earlier run wrote under an id, if any (the state store's ``get``).
    known: Callable[[str], KnownArticle | None] = lambda _: None


def link_key(url: str, profile: Profile) -> str:
    """The key a link is known by before its page is fetched."""
    return article_key(canonical_url(url, profile), profile)


class ArticlePage:
    """A fetched page read as an article: its record (or None), identity, related links."""

    def __init__(self, response: HtmlResponse, profile: Profile, context: CrawlContext) -> None:
        self.response = response
        self.profile = profile
        self.context = context
        self.parser = ArticleParser(
            response.url,
            response.selector,
            profile,
            context.site.key,
            context.site.allowed_domains,
            listing_category=context.category,
        )

    @cached_property
    def _parsed(self) -> dict[str, Any] | None:
        return None if self.rejection else self.parser.record()

    @cached_property
    def rejection(self) -> str | None:
        """Why the page is no article (the parser's reason), None when it is one.

        A page whose only title is the site's own name (a video or gallery page whose
        ``<title>`` reads "Video | <site>") is a page of the site, not an article.
        """
        reason = self.parser.rejection
        if reason is None and fold(self.parser.title or "") == fold(self.context.site.name):
            return "site_name_title"
        return reason

    @property
    def is_article(self) -> bool:
        return self._parsed is not None

    def is_article_not_listing(self, listing: ListingPage) -> bool:
        """For a page fetched as a listing: an article, and not a listing that reads as one.

        An article links other articles in its related block; a listing links them
        besides that block, shows a pager, or has one of its items' titles as the heading
        the parser took for the article's.
        """
        if self._parsed is None or listing.shows_pager:
            return False
        related = set(self._parsed["related_urls"]) | {self.response.url}
        others = [x for x in listing.articles.values() if x.in_content and x.url not in related]
        title = fold(self._parsed.get("title") or "")
        if any(fold(link.text) == title for link in others):
            return False
        return len(others) < LISTING_MIN_OTHER_LINKS

    def is_static_page(self, listing: ListingPage) -> bool:
        """No article and no listing, though it links articles: a page of the site itself
        (about, contact) whose article links are all in a box beside its prose ("Tin
        mới"), not in its main content (see crawler/parsing/static_page.py)."""
        if self._parsed is not None or listing.shows_pager or not listing.articles:
            return False
        urls = {link.url for link in listing.articles.values()}
        return is_static_page(self.parser, urls, self.context.site.name)

    @cached_property
    def record(self) -> dict[str, Any] | None:
        """The article's fields with its identity as ``id``, or None for no article."""
        if self._parsed is None:
            return None
        return {**self._parsed, "id": self.identity}

    @cached_property
    def fingerprint(self) -> str:
        """Title, date and start of body, folded: the same for one article under any URL."""
        record = self._parsed or {}
        body = " ".join(fold(str(record.get("body") or "")).split())[:FINGERPRINT_BODY_CHARS]
        text = "\n".join((fold(record.get("title") or ""), record.get("published_at") or "", body))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    @cached_property
    def identity(self) -> str:
        """The first candidate key no other content claimed in this run, else the fingerprint."""
        claimed = self.context.identities
        for candidate in self._identity_candidates():
            if candidate not in claimed:
                claimed[candidate] = "" if self._claimed_before(candidate) else self.fingerprint
            if claimed[candidate] == self.fingerprint:
                return candidate
        key = f"f{self.fingerprint[:16]}"
        claimed.setdefault(key, self.fingerprint)
        return key

    def _claimed_before(self, candidate: str) -> bool:
        """Whether an earlier run wrote another article under this key: another title at
        another address (an edit keeps one of the two)."""
        known = self.context.known(candidate)
        if known is None or self._parsed is None:
            return False
        same_title = fold(known.title or "") == fold(self._parsed.get("title") or "")
        return not same_title and known.url != self._parsed.get("url")

    def _identity_candidates(self) -> list[str]:
        """Ids first (of the canonical link, of the URL, shown by the page), then the
        address of a canonical link or of a URL the page gives for itself."""
        ids = [url_id(self.parser.canonical, self.profile), url_id(self.response.url, self.profile)]
        addresses = []
        canonical = self.parser.meta.canonical
        if canonical and self._names_content(urljoin(self.response.url, canonical.strip())):
            addresses.append(article_key(self.parser.canonical, self.profile))
        for expression in self.profile.content_id:
            for value in map(clean, self.response.xpath(expression).getall()):
                if "/" not in value and not value.startswith("?"):
                    ids.append(value if len(value) <= MAX_CONTENT_ID else None)
                    continue
                url = urljoin(self.response.url, value)
                if self._names_content(url):
                    ids.append(url_id(url, self.profile))
                    addresses.append(article_key(canonical_url(url, self.profile), self.profile))
        return [key for key in ids + addresses if key]

    def _names_content(self, url: str) -> bool:
        """A URL of this site below its root: a link to the home page names no article."""
        return self.context.site.matches(url) and urlsplit(url).path.strip("/") != ""

    @cached_property
    def related_links(self) -> list[Link]:
        """The links of the related block, each with the text the page shows for it."""
        if self._parsed is None:
            return []
        shown = {link.url: link for link in links_of(self.response.selector, self.response.url)}
        return [shown.get(url, Link(url, "")) for url in self._parsed["related_urls"]]

    @cached_property
    def shown_fields(self) -> frozenset[str]:
        """The fields the page visibly shows, whether or not the parser read them."""
        page = self.response.selector
        shown = set()
        dated = page.xpath(GENERIC_DATE_CLASS.everywhere.replace(".//", "//"))
        if any(
            m.kind != "clock" for e in dated for m in find_dates(clean(e.xpath("string()").get()))
        ):
            shown.add("published_at")
        texts = (clean(t) for t in page.xpath("//body//text()").getall())
        if page.xpath(AUTHOR_CLASS) or any(AUTHOR_LABEL.match(t) for t in texts):
            shown.add("author")
        if any(
            e.root.tag == "figcaption" or CAPTION_LABEL.match(clean(e.xpath("string()").get()))
            for e in page.xpath(CAPTIONS)
        ):
            shown.add("captions")
        return frozenset(shown)


class ListingPage:
    """A fetched page read as a listing: its article links, next pages, categories."""

    def __init__(self, response: HtmlResponse, profile: Profile, context: CrawlContext) -> None:
        self.response = response
        self.profile = profile
        self.context = context

    def _in_site(self, url: str) -> bool:
        return self.context.site.matches(url) and not self.profile.is_denied(url)

    @cached_property
    def articles(self) -> dict[str, Link]:
        """Each article's first link by link key, with the first text and the date shown."""
        links = [
            link
            for link in article_links(
                links_of(self.response.selector, self.response.url), self.profile
            )
            if self._in_site(link.url)
        ]
        dates = link_dates(self.response.selector, self.response.url, {x.url for x in links})
        first: dict[str, Link] = {}
        for link in links:
            key = link_key(link.url, self.profile)
            known = first.get(key)
            if known is None:
                first[key] = Link(link.url, link.text, link.in_content, dates.get(link.url))
            elif not known.text and link.text:
                first[key] = Link(known.url, link.text, known.in_content, known.published)
        return first

    @cached_property
    def categories(self) -> list[Link]:
        """The category listings the page links to, not counting its own pager."""
        pager = self._pager_links
        return [
            link
            for link in listing_links(self.response.selector, self.response.url, self.profile)
            if self._in_site(link.url) and link.url not in pager and not link.text.isdigit()
        ]

    def next_pages(self, page: int) -> list[str]:
        """The links to the page after this one (``page`` is its number in the walk)."""
        found = next_page_links(self.response.selector, self.response.url, page, self.profile.pager)
        return [url for url in found if self._in_site(url)]

    @cached_property
    def _pager_links(self) -> set[str]:
        return pager_links(self.response.selector, self.response.url, self.profile.pager)

    @property
    def shows_pager(self) -> bool:
        return bool(self._pager_links)

    @cached_property
    def rendered_by_javascript(self) -> bool:
        """No article link, but the templates a browser would fill in."""
        return not self.articles and any(m in self.response.text for m in JS_TEMPLATE_MARKERS)
