"""Which links of a page lead where: listings, articles, the next listing page.

The spider asks these questions of every page; the answers come from the site's profile
(its family's URL patterns) and, for templates of no known family, from the shape of the
URLs and from where the links sit (menu, pager).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from crawler.dates import find_dates
from crawler.families import Pager, Profile
from crawler.parsing.labels import CHROME_CLASS, CHROME_TAGS
from crawler.text import clean
from crawler.urls import join_link

#: Where a template of no known family keeps its category links.
logger = logging.getLogger(__name__)

#: Links read on one page at most. A listing shows tens and a site map a few thousand; a
#: page of 100,000 links (a generated trap, a dump) would cost minutes of parsing.
MAX_LINKS_PER_PAGE = 5000
#: Every link of a page. Not "//a[@href]": libxml2 merges that step's results once per
#: parent, which takes seconds on a page of 30,000 links after a menu's.
ANCHORS = "descendant::a[@href]"
#: A listing item's text at most: a longer "item" is a whole column, whose dates are not
#: its links' own.
MAX_ITEM_CHARS = 2000
MENU_XPATH = (
    "//nav//a | //header//a | //*[re:test(concat(@class, ' ', @id), "
    "'(^|[^a-z])(menu|nav|navbar|mainmenu|main-menu|topmenu|menutop|chuyenmuc|category)', 'i')]//a"
)
GENERIC_ARTICLE_PATH = re.compile(
    r"(?i)([-/._=]\d{3,}(\.(html?|aspx?|php))?/?$|/[^/]*\w-\w+-\w+-\w+[^/]*\.(html?|aspx?|php)$)"
)
CHROME_CLASS_RE = re.compile(CHROME_CLASS, re.I)
#: Link texts at least this long read as news titles.
TITLE_LIKE_WORDS = 6
#: An article id in the query string ("Index.aspx?ID=3405&CatID=101").
GENERIC_ARTICLE_QUERY = re.compile(r"(?i)(^|&)(id|newsid|itemid|articleid|postid|dinhdanh)=\d{2,}")
#: Paths of listings, tags and categories: never articles, whatever their slug.
GENERIC_LISTING_PATH = re.compile(
    r"(?i)/(chuyen-muc|danh-muc|chuyenmuc|danhmuc|category|categories|tag|tags|tu-khoa|"
    r"chu-de|topic|trang-chu|lich-cong-tac)(/|\.|$)"
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    in_content: bool = True  # not in the header, menus, sidebars or footer
    published: datetime | None = None  # the date a listing shows beside it


def links_of(selector: Selector, base_url: str, xpath: str = ANCHORS) -> list[Link]:
    """The page's links, absolute, without fragments, in page order, each URL once.

    A URL's text is the first non-empty text any of its links shows. Session ids are
    dropped (they name the visit, not the page), and a relative link that would make a
    path repeat itself is read from the site's root (see :func:`crawler.urls.join_link`).
    """
    seen: dict[str, Link] = {}
    anchors = selector.xpath(xpath)
    if len(anchors) > MAX_LINKS_PER_PAGE:
        logger.warning(
            "%s shows %d links: only its first %d are read", base_url, len(anchors),
            MAX_LINKS_PER_PAGE,
        )  # fmt: skip
        anchors = anchors[:MAX_LINKS_PER_PAGE]
    # Each anchor is read with lxml's element API: an XPath query costs time in proportion
    # to the whole document, once per anchor (minutes on a page of 50,000 links).
    for anchor in (found.root for found in anchors):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = _absolute(base_url, href)
        if url not in seen or not seen[url].text:
            # An image link often comes first; the titled link to the same URL names it.
            text = clean(anchor.text_content()) or clean(anchor.get("title"))
            seen[url] = Link(url, text, not _in_chrome(anchor))
    return list(seen.values())


def _in_chrome(element: Any) -> bool:
    """Whether an element sits in the page's furniture rather than its content."""
    for node in element.iterancestors():
        if node.tag in CHROME_TAGS or CHROME_CLASS_RE.search(
            f" {node.get('id') or ''} {node.get('class') or ''}"
        ):
            return True
    return False


def article_links(links: list[Link], profile: Profile) -> list[Link]:
    """The links of a listing that lead to articles.

    The family's URL shape says so; so does a news title as the link text (listing items
    are titles of eight to twenty words, menus and tags a few), which keeps a crawl going
    on templates whose article URLs no pattern knows, or whose article URLs look like
    category URLs: what such a link leads to is decided from the page it returns.
    """
    return [
        link
        for link in links
        if is_article_link(link.url, profile)
        or (
            link.in_content
            and len(link.text.split()) >= TITLE_LIKE_WORDS
            and not profile.is_denied(link.url)
            and page_number(link.url, profile.pager) is None
        )
    ]


def is_article_link(url: str, profile: Profile) -> bool:
    if profile.is_denied(url):
        return False
    if profile.article_urls:
        return profile.is_article_url(url)
    parts = urlsplit(url)
    if GENERIC_LISTING_PATH.search(parts.path) or page_number(url, profile.pager) is not None:
        return False
    path_or_query = GENERIC_ARTICLE_PATH.search(parts.path) or GENERIC_ARTICLE_QUERY.search(
        parts.query
    )
    return bool(path_or_query)


def listing_links(selector: Selector, base_url: str, profile: Profile) -> list[Link]:
    """Category listings linked from a start page: the family's URL shape, else the menu."""
    candidates = links_of(selector, base_url)
    if profile.listing_urls:
        found = [
            link
            for link in candidates
            if profile.is_listing_url(link.url)
            and not profile.is_denied(link.url)
            and not is_article_link(link.url, profile)
        ]
        if found:
            return found
    return [
        link
        for link in links_of(selector, base_url, MENU_XPATH)
        if not profile.is_denied(link.url) and not is_article_link(link.url, profile)
    ]


def page_number(url: str, pager: Pager) -> tuple[str, int] | None:
    """(the listing URL without its page number, the number), when the URL carries one.

    An offset key (``start=20``) gives the offset: the next page is the next larger one.
    """
    parts = urlsplit(url)
    for form in pager.path_forms:
        match = form.search(parts.path)
        if match:
            base = parts._replace(path=parts.path[: match.start()] + "/").geturl()
            return base, int(match.group(1))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(pairs):
        if value.isdigit() and any(
            k and k.match(key) for k in (pager.query_keys, pager.offset_keys)
        ):
            rest = pairs[:i] + pairs[i + 1 :]
            query = "&".join(f"{k}={v}" for k, v in rest)
            return parts._replace(query=query).geturl(), int(value)
    return None


def next_page_links(selector: Selector, url: str, page: int, pager: Pager) -> list[str]:
    """Links to the page after this one, by every form the pager data names.

    rel=next, a "Trang sau" link, the number after the current one in a numbered pager
    (the page counted by the walk, or the element the pager marks current), and the
    numbered URL of this listing that comes next.
    """
    here = page_number(url, pager)
    found = [_absolute(url, href) for x in pager.next_xpaths for href in selector.xpath(x).getall()]
    numbered: list[tuple[int, str]] = []
    for anchor in selector.xpath(ANCHORS)[:MAX_LINKS_PER_PAGE]:
        element = anchor.root
        text = clean(element.text_content() or element.get("title")).casefold()
        target = _absolute(url, element.get("href"))
        if target == url:
            continue
        if text and text in pager.next_labels:
            found.append(target)
            continue
        if text == str(page + 1) and _in_pager(anchor, pager):
            found.append(target)
        number = page_number(target, pager)
        if number is not None and _same_listing(number, here, url):
            numbered.append((number[1], target))
    found.extend(_after_current(selector, url, pager))
    found.extend(_next_numbered(numbered, here))
    return [u for u in dict.fromkeys(found) if u != url]


def pager_links(selector: Selector, url: str, pager: Pager) -> set[str]:
    """The links of the page's pager: other numbered pages of this listing, and links
    numbered or labelled "next" in a pager block (followable or not: ``javascript:``)."""
    here = page_number(url, pager)
    found = set()
    for anchor in selector.xpath(ANCHORS)[:MAX_LINKS_PER_PAGE]:
        target = _absolute(url, anchor.root.get("href"))
        if target == url:
            continue
        number = page_number(target, pager)
        text = clean(anchor.root.text_content()).casefold()
        if (number is not None and _same_listing(number, here, url)) or (
            (text.isdigit() or text in pager.next_labels) and _in_pager(anchor, pager)
        ):
            found.add(target)
    return found


def _absolute(base: str, href: str | None) -> str:
    return join_link(base, href or "")


def _in_pager(anchor: Selector, pager: Pager) -> bool:
    if not pager.container:
        return False
    return bool(anchor.xpath(f"ancestor::*[{_pager_test(pager)}]"))


def _pager_test(pager: Pager) -> str:
    return f"re:test(concat(@class, ' ', @id), '{pager.container}', 'i')"


def _after_current(selector: Selector, url: str, pager: Pager) -> list[str]:
    """In a numbered pager, the link right after the element marked current."""
    if not (pager.container and pager.current_xpath):
        return []
    found = []
    blocks = selector.xpath(f"//*[{_pager_test(pager)}]")
    for block in blocks:
        for current in block.xpath(pager.current_xpath):
            following = current.xpath("following::a[@href][1]")
            text = clean(following.xpath("string()").get())
            if following and text.isdigit() and _inside(following[0], block):
                found.append(_absolute(url, following.xpath("@href").get()))
    return found


def _inside(element: Selector, block: Selector) -> bool:
    return any(a is block.root for a in element.root.iterancestors())


def _same_listing(numbered: tuple[str, int], here: tuple[str, int] | None, url: str) -> bool:
    if here is not None:
        return numbered[0] == here[0]
    return numbered[0].rstrip("/?") == url.rstrip("/?")


def _next_numbered(numbered: list[tuple[int, str]], here: tuple[str, int] | None) -> list[str]:
    """The numbered page of this listing that comes next.

    An unnumbered listing URL is the first page, numbered 0 or 1 by the CMS (so both 1 and
    2 may be next: the copy of page 1 stops at once, as a page bringing nothing new).
    """
    if here is None:
        return [u for n, u in numbered if n in (1, 2)] or [u for n, u in sorted(numbered)[:1]]
    later = sorted((n, u) for n, u in numbered if n > here[1])
    return [later[0][1]] if later else []


def link_dates(selector: Selector, base_url: str, urls: set[str]) -> dict[str, datetime]:
    """The latest date that a listing shows next to each article link ("(26/11/2026)")."""
    found: dict[str, datetime] = {}
    # Many links share an item (a page of links in one <div>): each item is read once.
    item_dates: dict[Any, list[datetime]] = {}
    for anchor in selector.xpath(ANCHORS)[:MAX_LINKS_PER_PAGE]:
        url = _absolute(base_url, anchor.root.get("href"))
        if url not in urls:
            continue
        item = next(anchor.root.iterancestors("li", "tr", "article", "div"), None)
        if item is None:
            continue
        if item not in item_dates:
            text = item.text_content()
            mentions = find_dates(text) if len(text) <= MAX_ITEM_CHARS else []
            item_dates[item] = [m.value for m in mentions if m.kind != "clock"]
        for value in item_dates[item]:
            if url not in found or value > found[url]:
                found[url] = value
    return found
