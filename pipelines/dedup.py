"""Drop the second copy of an article met in one run, by id and by content.

The spider already avoids downloading an article twice under URLs that share its id; a
copy that slipped past (another id scheme, a mirrored page) is caught by a fingerprint of
its normalised title and body.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.text import fold


def content_fingerprint(title: str | None, body: str | None) -> str:
    """The same for two copies of an article whatever their markup, NFC/NFD or spacing."""
    text = fold(title) + "\n" + " ".join(fold(body).split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class DeduplicatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.ids: set[tuple[str, str]] = set()
        self.fingerprints: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        site = adapter.get("site") or ""
        key = (site, adapter["id"])
        fingerprint = (site, content_fingerprint(adapter.get("title"), adapter.get("body")))
        if key in self.ids:
            self.stats.inc_value("tinkhac/duplicates/same_id")
            raise DropItem(f"duplicate id {adapter['id']}: {adapter.get('url')}")
        if fingerprint in self.fingerprints:
            self.stats.inc_value("tinkhac/duplicates/same_content")
            raise DropItem(f"duplicate content: {adapter.get('url')}")
        self.ids.add(key)
        self.fingerprints.add(fingerprint)
        return item
