"""The article record: the one item type the spider yields and the pipelines write.

Its fields are those of ``schema/article.schema.json``; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class ArticleItem:
    id: str
    url: str
    site: str
    title: str | None
    lead: str | None = None
    body: str = ""
    captions: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    author: str | None = None
    source: str | None = None
    published_at: str | None = None
    updated_at: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    related_urls: list[str] = field(default_factory=list)
    fetched_at: str = ""


FIELD_NAMES = tuple(f.name for f in fields(ArticleItem))
