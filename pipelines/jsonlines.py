"""Write the records as JSON Lines, one file per site per run, renamed when complete.

Scrapy's feed exports write after the pipelines, so a pipeline could not know that a
record is on disk; this writer is a pipeline for that reason: whatever runs after it
(the state store) can rely on the line being written. Each record is one ``write`` of one
complete line, flushed and synced, so a killed run leaves only whole lines in
``<run-id>.jsonl.part``; a run that closes renames it to ``<run-id>.jsonl``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import FIELD_NAMES


def new_run_id() -> str:
    """A sortable, unique name for a run: its start time to the microsecond, in UTC."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


class JsonLinesWriterPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.output_dir = Path(crawler.settings.get("TINKHAC_OUTPUT_DIR"))
        self.run_id = crawler.settings.get("TINKHAC_RUN_ID") or new_run_id()
        self.files: dict[str, tuple[Path, IO[str]]] = {}
        # CLOSESPIDER_ITEMCOUNT stops the crawl; items already in flight stop here.
        self.max_articles = crawler.settings.getint("CLOSESPIDER_ITEMCOUNT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesWriterPipeline:
        return cls(crawler)

    def _file(self, site: str) -> IO[str]:
        if site not in self.files:
            folder = self.output_dir / site
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{self.run_id}.jsonl.part"
            self.files[site] = (path, path.open("a", encoding="utf-8", newline="\n"))
        return self.files[site][1]

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if (
            self.max_articles
            and self.stats.get_value("tinkhac/items/written", 0) >= self.max_articles
        ):
            self.stats.inc_value("tinkhac/dropped/max_articles")
            raise DropItem(f"--max-articles {self.max_articles} reached")
        adapter = ItemAdapter(item)
        record = {name: adapter.get(name) for name in FIELD_NAMES}
        stream = self._file(record["site"])
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        stream.flush()
        os.fdatasync(stream.fileno())  # durable before the state store may mark it seen
        self.stats.inc_value("tinkhac/items/written")
        return item

    def close_spider(self, spider: Any = None) -> None:
        for path, stream in self.files.values():
            stream.flush()
            os.fsync(stream.fileno())
            stream.close()
            final = path.with_name(path.name.removesuffix(".part"))
            path.replace(final)
            self.stats.set_value("tinkhac/output_file", str(final))
        self.files.clear()
