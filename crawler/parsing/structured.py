"""Machine-readable metadata a page may carry: JSON-LD, OpenGraph and ``<meta>`` tags.

Few Party sites publish it, but where they do it is exact, so generic extraction reads it
first. Family templates prefer the visible fields, since portals often fill these tags with
the modification or server time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle"}
)


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


def read_metadata(selector: Selector) -> Metadata:
    meta = Metadata()
    _read_meta_tags(selector, meta)
    for obj in _json_ld_objects(selector):
        if _types(obj) & ARTICLE_TYPES:
            _read_json_ld(obj, meta)
            break
    return meta


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


def _json_ld_objects(selector: Selector) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for raw in selector.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return objects


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _read_json_ld(obj: dict[str, Any], meta: Metadata) -> None:
    meta.is_article = True
    meta.title = _text(obj.get("headline")) or meta.title
    meta.description = _text(obj.get("description")) or meta.description
    meta.published = _text(obj.get("datePublished")) or meta.published
    meta.modified = _text(obj.get("dateModified")) or meta.modified
    meta.section = _text(obj.get("articleSection")) or meta.section
    authors = obj.get("author")
    for author in authors if isinstance(authors, list) else [authors]:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            meta.authors.append(name.strip())
    keywords = obj.get("keywords")
    if isinstance(keywords, str):
        meta.tags = meta.tags or [k.strip() for k in keywords.split(",") if k.strip()]
    elif isinstance(keywords, list):
        meta.tags = meta.tags or [k.strip() for k in keywords if isinstance(k, str) and k.strip()]


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return value.strip() if isinstance(value, str) and value.strip() else None
