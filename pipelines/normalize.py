"""Normalise every text field: Unicode NFC, zero-width characters out, white space folded.

Parsers already clean what they read; this pipeline makes it a guarantee for every item,
whatever spider or site override produced it, before anything compares or hashes text.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.text import clean

TEXT_FIELDS = ("title", "lead", "author", "source", "category")
LIST_FIELDS = ("captions", "tags")


def clean_body(body: str | None) -> str:
    """Each paragraph cleaned; paragraphs (blank-line separated) kept apart, empty ones out."""
    paragraphs = (clean(p) for p in (body or "").split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


class NormalizePipeline:
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        for name in TEXT_FIELDS:
            if name in adapter:
                adapter[name] = clean(adapter.get(name)) or None
        for name in LIST_FIELDS:
            if name in adapter:
                adapter[name] = [c for c in (clean(v) for v in adapter.get(name) or []) if c]
        if "body" in adapter:
            adapter["body"] = clean_body(adapter.get("body"))
        if "images" in adapter:
            adapter["images"] = [
                {"url": clean(i.get("url")), "caption": clean(i.get("caption")) or None}
                for i in adapter.get("images") or []
                if clean(i.get("url"))
            ]
        return item
