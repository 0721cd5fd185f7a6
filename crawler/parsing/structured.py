"""Machine-readable metadata a page may carry: JSON-LD, OpenGraph and ``<meta>`` tags.

Few Party sites publish it, but where they do it is exact, so generic extraction reads it
first. Family templates prefer the visible fields, since portals often fill these tags with
the modification or server time.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler import dates

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting",
        "Report", "WebPageElement",
    }
)  # fmt: skip
#: Between a publication's name and a person's in one byline ("unocero - Alberto Ávila").
PUBLISHER_SEPARATOR = re.compile(r"\s+[-–|]\s+")
#: What a page without an Article object calls itself; its ``author`` is the page's author.
PAGE_TYPES = frozenset({"WebPage", "ItemPage"})
#: ``<meta>`` names that carry the byline, most explicit first. ``article:author`` is often a
#: profile URL, which is not a name and is skipped.
#: What wraps a JSON-LD block on some templates (``<![CDATA[ … ]]>``, ``<!-- … -->``).
JSON_LD_WRAPPER = re.compile(r"^\s*(?:<!\[CDATA\[|<!--)|(?:\]\]>|-->)\s*;?\s*$")
#: A date of a JSON-LD block that is no JSON (a quote left unescaped in its description):
#: read from the text itself, as htmldate does, rather than lost with the block.
SALVAGED_DATE = re.compile(r'"(datePublished|dateModified)"\s*:\s*"([^"]{8,40})"')
#: A machine date with a time of day (the same day without one is less precise).
TIMED = re.compile(r"\d[T ]\d\d:\d\d")
AUTHOR_META = (
    "author", "article:author", "dc.creator", "DC.creator", "dcterms.creator",
    "sailthru.author", "parsely-author", "byl", "cXenseParse:author", "twitter:creator",
)  # fmt: skip


@dataclass
class Metadata:
    is_article: bool = False
    title: str | None = None
    description: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    canonical: str | None = None
    site_name: str | None = None
    #: JSON-LD ``articleBody``: the text of an article whose HTML leaves it to a script.
    body: str | None = None


def read_metadata(selector: Selector, url: str | None = None) -> Metadata:
    """The page's machine-readable fields. ``url``, the page's address, names the site
    where the page has no canonical link, so that a byline that is the site's domain
    ("LAOLA1.at") is known as the publisher's."""
    meta = Metadata()
    _read_meta_tags(selector, meta)
    objects, salvaged = _json_ld_objects(selector)
    ids = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    articles = [obj for obj in objects if _types(obj) & ARTICLE_TYPES]
    # A page may describe several: the one with a headline and a date is the article.
    articles.sort(key=lambda o: not (o.get("headline") and o.get("datePublished")))
    tags = {"datePublished": meta.published, "dateModified": meta.modified}
    if articles:
        _read_json_ld(articles[0], meta, ids)
    else:
        # Older Yoast graphs name the author on the WebPage and describe no Article.
        pages = [obj for obj in objects if _types(obj) & PAGE_TYPES]
        meta.authors = next((n for n in (_authors(o, ids) for o in pages) if n), meta.authors)
    others = [o for o in objects if o not in articles]
    machine = {}
    for key, tag in tags.items():
        # The article's own date first, then <meta> tags, then the dates of a block that is
        # no JSON; the page's other objects (its WebPage) only to give that day its time.
        sources = [_text(o.get(key)) for o in articles] + [tag] + salvaged.get(key, [])
        machine[key] = _machine_date(sources, [_text(o.get(key)) for o in others])
    meta.published, meta.modified = machine["datePublished"], machine["dateModified"]
    # Portals put their own name in the author tag: that is the publisher, not a byline.
    # Its spellings differ ("TUOI TRE ONLINE" in og:site_name, "Tuổi Trẻ Online" in the
    # JSON-LD), and a paper's name may carry "Báo" in one and not the other.
    publishers = {_name_key(meta.site_name)} | {
        _name_key(_text(p.get("name")))
        for p in [o.get("publisher") for o in articles]
        if isinstance(p, dict)
    }
    publishers |= _host_names(meta.canonical or url)
    publishers.discard("")
    authors = (_without_publisher(a, publishers) for a in meta.authors)
    meta.authors = [a for a in authors if a]
    return meta


def _without_publisher(author: str, publishers: set[str]) -> str | None:
    """A byline without the publication's name: None for the name alone, the person for
    "unocero - Alberto Ávila"."""
    parts = PUBLISHER_SEPARATOR.split(author)
    people = [p for p in parts if not _is_publisher(p, publishers)]
    if len(people) == len(parts):
        return author  # as written: "Hữu Bằng - Thanh Hiểu" names two people
    return " - ".join(people) or None


def _name_key(name: str | None) -> str:
    """A name without case, diacritics, spaces and punctuation: "Tuổi Trẻ Online" ->
    "tuoitreonline"."""
    folded = unicodedata.normalize("NFD", (name or "").casefold().replace("đ", "d"))
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def _host_names(url: str | None) -> set[str]:
    """The site's name as its host spells it: "https://vov.vn/…" -> {"vovvn", "vov"}, for a
    byline that is the site's domain ("VOV.VN", "Chinhphu.vn")."""
    host = urlsplit(url or "").netloc.lower().removeprefix("www.")
    if not host:
        return set()
    return {_name_key(host), _name_key(host.split(".")[0])}


def _is_publisher(author: str, publishers: set[str]) -> bool:
    """Whether a byline is the publication's own name, or that name with "Báo" ("Báo Nhân
    Dân" for "Báo Nhân Dân điện tử")."""
    key = _name_key(author)
    return any(key == p or (len(key) >= 6 and key in p) for p in publishers)


def _read_meta_tags(selector: Selector, meta: Metadata) -> None:
    """One pass over ``<meta>`` and ``<link rel=canonical>``: pages carry dozens of them."""
    values: dict[str, str] = {}
    tags: list[str] = []
    for element in selector.root.iter("meta", "link"):
        if element.tag == "link":
            if (element.get("rel") or "").lower() == "canonical" and meta.canonical is None:
                meta.canonical = element.get("href")
            continue
        name = element.get("property") or element.get("name") or element.get("itemprop")
        content = (element.get("content") or "").strip()
        if not name or not content:
            continue
        if name == "article:tag":
            tags.append(content)
        values.setdefault(name, content)

    def tag(*names: str) -> str | None:
        return next((values[n] for n in names if n in values), None)

    meta.is_article = (tag("og:type") or "").lower() == "article"
    meta.title = tag("og:title")
    meta.description = tag("og:description", "description")
    meta.published = tag("article:published_time", "datePublished", "pubdate")
    meta.modified = tag("article:modified_time", "dateModified")
    meta.section = tag("article:section")
    meta.tags = tags
    meta.site_name = tag("og:site_name", "application-name")
    meta.authors = [a for a in (_text(tag(n)) for n in AUTHOR_META) if a and _is_name(a)][:1]


def _machine_date(sources: list[str | None], refinements: list[str | None]) -> str | None:
    """The first source that is a date (ISO 8601, as :func:`dates.parse_iso_date` reads it),
    unless it is a bare day that a later source or a refinement gives with its time.

    A page often says the same thing twice: "November 19, 2019" in its JSON-LD and
    "2019-11-19T11:21:08+00:00" in ``article:published_time``; a bare day taken as midnight
    in Vietnam would even fall on the day before in the page's own zone.
    """
    readable = [(c, dates.parse_iso_date(c)) for c in sources if c]
    readable = [(c, v) for c, v in readable if v is not None]
    if not readable:
        return None
    first, day = readable[0]
    if TIMED.search(first):
        return first
    for candidate in [c for c, _ in readable] + [c for c in refinements if c]:
        value = dates.parse_iso_date(candidate) if TIMED.search(candidate) else None
        if value is not None and value.date() == day.date():
            return candidate
    return first


def _json_ld_objects(selector: Selector) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The JSON-LD objects of the page, and the dates salvaged from blocks that are no JSON.

    Read as browsers' structured-data tools do: control characters inside strings, a
    CDATA or comment wrapper, and text after the first value are tolerated.
    """
    objects: list[dict[str, Any]] = []
    salvaged: dict[str, list[str]] = {}
    decoder = json.JSONDecoder(strict=False)
    for raw in selector.xpath("//script[@type='application/ld+json']/text()").getall():
        raw = JSON_LD_WRAPPER.sub("", raw).strip()
        try:
            data, _ = decoder.raw_decode(raw)
        except ValueError:
            for key, value in SALVAGED_DATE.findall(raw):
                salvaged.setdefault(key, []).append(value)
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return objects, salvaged


def _authors(obj: dict[str, Any], ids: dict[str, dict[str, Any]]) -> list[str]:
    """The names of an object's ``author`` (or ``creator``): strings, Person objects, or
    ``{"@id": …}`` references to a Person elsewhere in the page's @graph."""
    names: list[str] = []
    authors = obj.get("author") or obj.get("creator")
    for author in authors if isinstance(authors, list) else [authors]:
        if isinstance(author, dict) and "name" not in author:
            author = ids.get(author.get("@id"), author)  # {"@id": …} names a @graph node
        name = _text(author.get("name") if isinstance(author, dict) else author)
        if name and _is_name(name) and name not in names:
            names.append(name)
    return names


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _read_json_ld(obj: dict[str, Any], meta: Metadata, ids: dict[str, dict[str, Any]]) -> None:
    meta.is_article = True
    meta.title = _text(obj.get("headline")) or meta.title
    meta.description = _text(obj.get("description")) or meta.description
    meta.section = _text(obj.get("articleSection")) or meta.section
    meta.body = _text(obj.get("articleBody"))
    meta.authors = _authors(obj, ids) or meta.authors
    keywords = obj.get("keywords")
    if isinstance(keywords, str):
        meta.tags = meta.tags or [k.strip() for k in keywords.split(",") if k.strip()]
    elif isinstance(keywords, list):
        meta.tags = meta.tags or [k.strip() for k in keywords if isinstance(k, str) and k.strip()]


def _is_name(value: str) -> bool:
    """A byline, not a profile URL or a handle."""
    value = value.strip()
    return bool(value) and not value.startswith(("http://", "https://", "/", "@", "www."))


def _text(value: Any) -> str | None:
    """A JSON-LD or ``<meta>`` string, its HTML entities read: templates that escape twice
    write "Redacci&oacute;n" into the markup."""
    if isinstance(value, list) and value:
        value = value[0]
    value = html.unescape(value).strip() if isinstance(value, str) else ""
    return value or None
