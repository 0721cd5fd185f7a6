"""Drop records that are not articles, each with a named reason counted in the stats.

An article needs a URL, a title, and a body or at least one image. A dropped record is
logged once with its URL, so that a broken parser shows up in the log and the run report
instead of vanishing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem


def problem(adapter: ItemAdapter) -> str | None:
    """The reason a record cannot be written, or None when it is valid."""
    if not adapter.get("url"):
        return "missing_url"
    if not adapter.get("id"):
        return "missing_id"
    if not adapter.get("title"):
        return "missing_title"
    if not adapter.get("body") and not adapter.get("images"):
        return "empty_body"
    for name in ("published_at", "updated_at"):
        value = adapter.get(name)
        if value is not None:
            try:
                if datetime.fromisoformat(value).tzinfo is None:
                    return f"naive_{name}"
            except ValueError:
                return f"bad_{name}"
    return None


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        reason = problem(ItemAdapter(item))
        if reason is not None:
            self.stats.inc_value(f"tinkhac/dropped/{reason}")
            raise DropItem(f"{reason}: {ItemAdapter(item).get('url')}")
        return item
