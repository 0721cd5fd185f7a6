"""Remember each written article in the state store, after its line is on disk.

This pipeline runs after the writer, which has flushed and synced the line: marking an
article seen before that would let a crash lose it for good, since the next run would
skip it. A run killed between the two leaves a line the store does not know; when the
next run opens, the complete lines of unfinished (``.part``) files are recorded first,
so the article is not written a second time. A line written now is also marked written in
this run, which the other workers of a cluster see (``pipelines/dedup.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.state import StateStore
from pipelines.dedup import content_fingerprint


class RecordSeenPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = StateStore.for_crawler(crawler)
        self.output_dir = Path(crawler.settings.get("TINKHAC_OUTPUT_DIR"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordSeenPipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is None:
            return
        recovered = 0
        for path in sorted((self.output_dir / site.key).glob("*.jsonl.part")):
            for record in _complete_lines(path):
                if self.state.get(record["site"], record["id"]) is None:
                    self.remember(record)
                    recovered += 1
        if recovered:
            self.crawler.stats.set_value("tinkhac/state/recovered_from_unfinished_runs", recovered)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        fingerprint = self.remember(adapter)
        self.state.mark_written(adapter["site"], adapter["id"], fingerprint)
        return item

    def remember(self, record: Any) -> str:
        """Record a written article in the store; its content fingerprint."""
        fingerprint = content_fingerprint(record.get("title"), record.get("body"))
        self.state.record(
            record["site"],
            record["id"],
            record["url"],
            record.get("title"),
            fingerprint,
            list(record.get("related_urls") or []),
        )
        return fingerprint


def _complete_lines(path: Path) -> list[dict[str, Any]]:
    """The records of a file a killed run left; a torn last line is skipped."""
    records = []
    with path.open(encoding="utf-8", errors="replace") as stream:
        for line in stream:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("id") and record.get("site"):
                records.append(record)
    return records
