"""Which links of a page lead where: listings, articles, the next listing page.

The spider asks these questions of every page; the answers come from the site's profile
(its family's URL patterns) and, for templates of no known family, from the shape of the
URLs and from where the links sit (menu, pager).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.dates import find_dates
from crawler.families import Profile
from crawler.parsing.labels import CHROME_CLASS, CHROME_TAGS
from crawler.text import clean

#: Link texts that mean "the next page of this listing".
NEXT_LABELS = frozenset(
    clean(t).casefold()
    for t in ("Trang sau", "Trang tiếp", "Tiếp", "Sau", "Tiếp theo", "Trang kế", "Xem tiếp",
              "Next", "»", "›", ">", ">>", "»»", "Trang sau >>", "Sau »", "Tiếp »")
)  # fmt: skip
#: Where a template of no known family keeps its category links.
MENU_XPATH = (
    "//nav//a | //header//a | //*[re:test(concat(@class, ' ', @id), "
    "'(^|[^a-z])(menu|nav|navbar|mainmenu|main-menu|topmenu|menutop|chuyenmuc|category)', 'i')]//a"
)
PAGER_XPATH = (
    "ancestor::*[re:test(concat(@class, ' ', @id), "
    "'(pag|pager|paging|phantrang|phan-trang|page-nav|pagenav)', 'i')]"
)
#: URL parameters and path parts that number a listing's pages.
PAGE_QUERY = re.compile(r"(?i)^(page|pageindex|p|trang|pg|start|[\w-]*_cur|cur)$")
PAGE_PATH = re.compile(r"(?i)/(?:page|trang)-(\d+)/?$")
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


def links_of(selector: Selector, base_url: str, xpath: str = "//a[@href]") -> list[Link]:
    """The page's links, absolute, without fragments, in page order, each URL once.

    A URL's text is the first non-empty text any of its links shows.
    """
    seen: dict[str, Link] = {}
    for anchor in selector.xpath(xpath):
        href = (anchor.xpath("@href").get() or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if url not in seen or not seen[url].text:
            # An image link often comes first; the titled link to the same URL names it.
            text = clean(anchor.xpath("string()").get()) or clean(anchor.xpath("@title").get())
            seen[url] = Link(url, text, not _in_chrome(anchor.root))
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
    on templates whose article URLs no pattern knows.
    """
    return [
        link
        for link in links
        if is_article_link(link.url, profile)
        or (
            link.in_content
            and len(link.text.split()) >= TITLE_LIKE_WORDS
            and not profile.is_denied(link.url)
            and not GENERIC_LISTING_PATH.search(urlsplit(link.url).path)
            and page_number(link.url) is None
        )
    ]


def is_article_link(url: str, profile: Profile) -> bool:
    if profile.is_denied(url):
        return False
    if profile.article_urls:
        return profile.is_article_url(url)
    parts = urlsplit(url)
    if GENERIC_LISTING_PATH.search(parts.path) or page_number(url) is not None:
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


def page_number(url: str) -> tuple[str, int] | None:
    """(the listing URL without its page number, the number), when the URL carries one."""
    parts = urlsplit(url)
    match = PAGE_PATH.search(parts.path)
    if match:
        base = parts._replace(path=parts.path[: match.start()] + "/").geturl()
        return base, int(match.group(1))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(pairs):
        if PAGE_QUERY.match(key) and value.isdigit():
            rest = pairs[:i] + pairs[i + 1 :]
            query = "&".join(f"{k}={v}" for k, v in rest)
            return parts._replace(query=query).geturl(), int(value)
    return None


def next_page_links(selector: Selector, url: str, page: int) -> list[str]:
    """Links to the page after this one: rel=next, a "Trang sau" link, or the number page+1."""
    here = page_number(url)
    found: list[str] = []
    for href in selector.xpath("//a[@rel='next']/@href | //link[@rel='next']/@href").getall():
        found.append(urljoin(url, href.strip()).split("#", 1)[0])
    for anchor in selector.xpath("//a[@href]"):
        text = clean(anchor.xpath("string()").get() or anchor.xpath("@title").get()).casefold()
        target = urljoin(url, anchor.xpath("@href").get().strip()).split("#", 1)[0]
        if target == url:
            continue
        if text and text in NEXT_LABELS:
            found.append(target)
            continue
        numbered = page_number(target)
        if (text == str(page + 1) and (anchor.xpath(PAGER_XPATH) or numbered is not None)) or (
            numbered is not None and _follows(numbered, here, url)
        ):
            found.append(target)
    return list(dict.fromkeys(found))


def _follows(numbered: tuple[str, int], here: tuple[str, int] | None, url: str) -> bool:
    """Whether a numbered listing URL is the page right after the current one."""
    if here is not None:
        return numbered[0] == here[0] and numbered[1] == here[1] + 1
    # An unnumbered listing URL is the first page, numbered 0 or 1 by the CMS.
    return numbered[0].rstrip("/?") == url.rstrip("/?") and numbered[1] in (1, 2)


def link_dates(selector: Selector, base_url: str, urls: set[str]) -> list[datetime]:
    """The dates that a listing shows next to its article links ("(26/11/2026)")."""
    found: list[datetime] = []
    for anchor in selector.xpath("//a[@href]"):
        url = urljoin(base_url, anchor.xpath("@href").get().strip()).split("#", 1)[0]
        if url not in urls:
            continue
        item = anchor.xpath("ancestor::*[self::li or self::tr or self::article or self::div][1]")
        text = item.xpath("string()").get() if item else ""
        found.extend(m.value for m in find_dates(text or "") if m.kind != "clock")
    return found
