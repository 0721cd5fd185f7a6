"""Remember each written article in the state store, after its line is on disk.

This pipeline runs after the writer, which has flushed and synced the line: marking an
article seen before that would let a crash lose it for good, since the next run would
skip it.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.state import StateStore
from pipelines.dedup import content_fingerprint


class RecordSeenPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.state = StateStore.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordSeenPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        fingerprint = content_fingerprint(adapter.get("title"), adapter.get("body"))
        self.state.record(
            adapter["site"],
            adapter["id"],
            adapter["url"],
            adapter.get("title"),
            fingerprint,
            list(adapter.get("related_urls") or []),
        )
        return item
