"""Drop copies of articles: a second copy met in this run, or one written by an earlier run.

The spider already avoids downloading an article twice under URLs that share its id; a
copy that slipped past (another id scheme, a mirrored page) is caught by a fingerprint of
its normalised title and body. Across runs the state store says what was written: the
same text is dropped, a changed text goes on as an update with the same id.

Within this process the sets below catch a copy at once, before the first is written.
The store also knows what this run has written, by any worker of a cluster: a worker
that takes a site over mid-run drops what the dead worker wrote. That mark is made only
once a line is on disk (``pipelines/seen.py``), so a worker killed before its write loses
nothing to it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.state import StateStore
from crawler.text import fold


def content_fingerprint(title: str | None, body: str | None) -> str:
    """The same for two copies of an article whatever their markup, NFC/NFD or spacing."""
    text = fold(title) + "\n" + " ".join(fold(body).split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class DeduplicatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.state = StateStore.for_crawler(crawler)
        self.fresh = crawler.settings.getbool("TINKHAC_FRESH")
        self.ids: set[tuple[str, str]] = set()
        self.fingerprints: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        site, article_id = adapter.get("site") or "", adapter["id"]
        fingerprint = content_fingerprint(adapter.get("title"), adapter.get("body"))
        if (site, article_id) in self.ids or self.state.written_in_run(site, article_id):
            self._drop("same_id", adapter)
        if (site, fingerprint) in self.fingerprints or self.state.content_written_in_run(
            site, fingerprint
        ):
            self._drop("same_content", adapter)
        self.ids.add((site, article_id))
        self.fingerprints.add((site, fingerprint))
        known = None if self.fresh else self.state.get(site, article_id)
        if known is not None:
            if known.fingerprint == fingerprint:
                self._drop("written_before", adapter)
            self.stats.inc_value("tinkhac/items/updated")
        return item

    def _drop(self, kind: str, adapter: ItemAdapter) -> None:
        self.stats.inc_value(f"tinkhac/duplicates/{kind}")
        raise DropItem(f"duplicate ({kind}): {adapter.get('url')}")
