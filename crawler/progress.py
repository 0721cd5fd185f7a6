"""A progress line on the terminal while a run goes: pages, articles, errors, rate.

It speaks only when stderr is a terminal, so cron mail and log files stay clean. All the
crawlers of one process (``crawl-all``) share one line.
"""

from __future__ import annotations

import sys
import time
from typing import Any, ClassVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

INTERVAL = 2.0


class ProgressLine:
    crawlers: ClassVar[list[Crawler]] = []
    loop: ClassVar[task.LoopingCall | None] = None

    def __init__(self, crawler: Crawler) -> None:
        self.started = time.monotonic()
        ProgressLine.crawlers.append(crawler)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLine:
        if not crawler.settings.getbool("TINKHAC_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        return cls(crawler)

    def engine_started(self) -> None:
        if ProgressLine.loop is None:
            ProgressLine.loop = task.LoopingCall(self.show)
            ProgressLine.loop.start(INTERVAL, now=False)

    def engine_stopped(self) -> None:
        running = [c for c in ProgressLine.crawlers if c.crawling]
        if not running and ProgressLine.loop is not None and ProgressLine.loop.running:
            ProgressLine.loop.stop()
            ProgressLine.loop = None
            self.show()
            sys.stderr.write("\n")

    def show(self) -> None:
        totals: dict[str, Any] = {"pages": 0, "articles": 0, "errors": 0}
        for crawler in ProgressLine.crawlers:
            stats = crawler.stats.get_stats()
            totals["pages"] += stats.get("response_received_count", 0)
            totals["articles"] += stats.get("tinkhac/items/written", 0)
            totals["errors"] += stats.get("log_count/ERROR", 0) + sum(
                v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")
            )
        rate = totals["pages"] / max(time.monotonic() - self.started, 1e-9)
        sites = sum(1 for c in ProgressLine.crawlers if c.crawling)
        sys.stderr.write(
            f"\r{sites} site(s) running  pages {totals['pages']}  articles {totals['articles']}"
            f"  errors {totals['errors']}  {rate:.1f} pages/s "
        )
        sys.stderr.flush()
