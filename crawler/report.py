"""The run report: what each site's crawl fetched and wrote, and the breakage alarm.

A Scrapy extension counts field coverage of the articles written, and when the spider
closes it compares the run with the site's own history in the state store: a site that
yielded articles before and yields none now, or whose share of articles with a date (or
author, captions, lead) falls far below its past, is flagged. Cron sees the flags as the
exit code; people see them in ``output/runs/<run-id>.json`` and the table on stderr.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.selfcheck import selfcheck
from crawler.state import StateStore

COVERAGE_FIELDS = ("published_at", "author", "captions", "lead")
#: Coverage is compared only when both the run and the history have this many articles.
MIN_SAMPLE = 3
#: A field whose share falls below this fraction of its historic share is flagged.
DROP_RATIO = 0.5
#: Pages named in the report per site where the parser raised.
MAX_ERROR_URLS = 5


@dataclass
class SiteReport:
    site: str
    finish_reason: str
    requests: int = 0
    listing_pages: int = 0
    articles_fetched: int = 0
    found: int = 0  # articles met: written, known and skipped, or known and unchanged
    new: int = 0
    updated: int = 0
    skipped_known: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)  # named reason -> count
    coverage: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    resumed: bool = False  # a --job that went on from an interrupted run
    taken_over: bool = False  # a cluster worker went on from another's frontier
    requeued_in_flight: int = 0  # the requests in flight it found left, and requeued
    family: str | None = None  # the CMS family the site was read as
    versions: dict[str, int] = field(default_factory=dict)  # template version -> articles
    http_status: dict[str, int] = field(default_factory=dict)  # status -> responses
    parser_errors: dict[str, int] = field(default_factory=dict)  # exception -> count
    parser_error_urls: list[str] = field(default_factory=list)  # the first few pages
    pages_read: int = 0  # start, listing and article pages the spider could read
    older_than_since: int = 0  # articles met but older than --since

    @property
    def written(self) -> int:
        return self.new + self.updated


class RunReportExtension:
    """Counts coverage per field and writes the site's report and history at close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.present = dict.fromkeys(COVERAGE_FIELDS, 0)
        self.items = 0
        self.error_urls: list[str] = []
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReportExtension:
        return cls(crawler)

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        adapter = ItemAdapter(item)
        self.items += 1
        for name in COVERAGE_FIELDS:
            if adapter.get(name):
                self.present[name] += 1

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        """A parser exception: Scrapy counts it (``spider_exceptions/*``); keep where."""
        if len(self.error_urls) < MAX_ERROR_URLS:
            self.error_urls.append(getattr(response, "url", "?"))

    def spider_closed(self, spider: Any, reason: str) -> None:
        site = getattr(spider, "site", None)
        if site is None:
            return
        report = site_report(site.key, reason, self.crawler.stats.get_stats())
        report.coverage = {
            name: round(count / self.items, 3) for name, count in self.present.items()
        } if self.items else {}  # fmt: skip
        report.parser_error_urls = list(self.error_urls)
        state = StateStore.for_crawler(self.crawler)
        stats = self.crawler.stats.get_stats()
        report.flags = flags(report, state.history(site.key))
        shell = javascript_shell_flags(report, stats)
        if shell:  # the reason nothing was found: say that, not "no articles"
            report.flags = [f for f in report.flags if f != "no_articles"] + shell
        elif report.pages_read:  # an unreachable site has nothing to self-check
            report.flags += selfcheck(stats)
        run_id = self.crawler.settings.get("TINKHAC_RUN_ID") or ""
        state.record_run(site.key, run_id, report.found, self.items, report.coverage)
        self.crawler.stats.set_value("tinkhac/site_report", asdict(report))


def site_report(site: str, reason: str, stats: dict[str, Any]) -> SiteReport:
    """The site's figures, read from the crawl's stats."""

    def by_prefix(prefix: str) -> dict[str, int]:
        return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}

    written = stats.get("tinkhac/items/written", 0)
    updated = stats.get("tinkhac/items/updated", 0)
    skipped = stats.get("tinkhac/articles/skipped_known", 0)
    unchanged = stats.get("tinkhac/duplicates/written_before", 0)
    return SiteReport(
        site=site,
        finish_reason=reason,
        requests=stats.get("downloader/request_count", 0),
        listing_pages=stats.get("tinkhac/pages/listing", 0) + stats.get("tinkhac/pages/start", 0),
        articles_fetched=stats.get("tinkhac/pages/article", 0),
        found=written + skipped + unchanged,
        new=written - updated,
        updated=updated,
        skipped_known=skipped,
        dropped=by_prefix("tinkhac/dropped/")
        | {f"not_article:{k}": v for k, v in by_prefix("tinkhac/pages/not_article/").items()},
        faults=faults(stats),
        resumed=bool(stats.get("tinkhac/job/resumed")),
        taken_over=bool(stats.get("tinkhac/cluster/taken_over")),
        requeued_in_flight=stats.get("tinkhac/cluster/requeued_in_flight", 0),
        **detected(stats),
        **failures(stats),
    )


def detected(stats: dict[str, Any]) -> dict[str, Any]:
    """How the site was read: its CMS family and the template versions its articles had."""
    return {
        "family": stats.get("tinkhac/family"),
        "versions": _by_prefix(stats, "tinkhac/versions/"),
    }


def failures(stats: dict[str, Any]) -> dict[str, Any]:
    """What went wrong beyond the named faults: statuses, parser exceptions, pages read."""
    errors = _by_prefix(stats, "spider_exceptions/")
    errors.pop("count", None)
    return {
        "http_status": _by_prefix(stats, "downloader/response_status_count/"),
        "parser_errors": errors,
        "pages_read": sum(stats.get(f"tinkhac/pages/{k}", 0) for k in READ_PAGES),
        "older_than_since": stats.get("tinkhac/articles/older_than_since", 0),
    }


#: The spider's counts of pages it could read (``tinkhac/pages/<kind>``).
READ_PAGES = ("start", "listing", "article")


def _by_prefix(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


#: Download exceptions by the name a report gives them.
EXCEPTION_REASONS = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "ResponseDataLossError": "connection_cut",
    "ResponseFailed": "connection_cut",
    "ConnectionLost": "connection_cut",
    "ConnectionDone": "connection_cut",
    "DownloadCancelledError": "too_large",
    "ConnectionRefusedError": "connection_refused",
    "DownloadConnectionRefusedError": "connection_refused",
    "DNSLookupError": "dns_failure",
    "CannotResolveHostError": "dns_failure",
    "DownloadFailedError": "connection_cut",
}
#: The spider's own page problems (``tinkhac/pages/<name>``) that count as faults.
PAGE_FAULTS = (
    "not_html", "broken_bytes", "html_without_content_type", "charset_was_", "error_page",
)  # fmt: skip


def faults(stats: dict[str, Any]) -> dict[str, int]:
    """Every fault the crawl met, under a named reason: what went wrong, how often."""
    found: dict[str, int] = {}

    def add(reason: str, count: int) -> None:
        found[reason] = found.get(reason, 0) + count

    for key, count in stats.items():
        if key.startswith("downloader/exception_type_count/"):
            name = key.rsplit(".", 1)[-1]
            add(EXCEPTION_REASONS.get(name, name), count)
        elif key.startswith("httperror/response_ignored_status_count/"):
            add(f"http_{key.rsplit('/', 1)[-1]}", count)
        elif key.startswith("tinkhac/pages/") and key[14:].startswith(PAGE_FAULTS):
            add(key[14:], count)
        elif key.startswith("tinkhac/parser_errors/"):
            add(f"parser_error:{key[len('tinkhac/parser_errors/') :]}", count)
        elif key in ("offsite/filtered", "tinkhac/refused/offsite"):
            add("refused_offsite", count)
        elif key == "tinkhac/refused/repeating_path":
            add("repeating_path", count)
        elif key == "tinkhac/robots/unreachable":
            add("robots_unreachable", count)
        elif key == "retry/max_reached":
            add("gave_up_after_retries", count)
        elif key == "tinkhac/politeness/paused_for_server":
            add("server_asked_to_wait", count)
    return found


def flags(report: SiteReport, history: list[dict[str, Any]]) -> list[str]:
    """What looks broken in this run, judged against the site's earlier runs."""
    found: list[str] = []
    if report.finish_reason != "finished" and not report.finish_reason.startswith("closespider_"):
        found.append(f"failed:{report.finish_reason}")
    found += yield_flags(report)
    past_items = sum(run["written"] for run in history)
    if report.written >= MIN_SAMPLE and past_items >= MIN_SAMPLE:
        for name in COVERAGE_FIELDS:
            past = sum(run["coverage"].get(name, 0) * run["written"] for run in history)
            share = past / past_items
            if share >= 0.5 and report.coverage.get(name, 0) < share * DROP_RATIO:
                found.append(f"coverage_drop:{name}")
    return found


def yield_flags(report: SiteReport) -> list[str]:
    """A site that yielded no article fails the run, whether or not it ever did before.

    ``unreachable`` when not one of its pages could be read (DNS, a refused connection,
    timeouts, only error statuses: the faults say which), ``no_articles`` when pages were
    read but none was an article; ``parser_errors`` when the parser raised. A resumed job,
    or a cluster worker's crawl that went on from another's, may have had nothing left to
    do, and articles older than ``--since`` were met, not missed.
    """
    found = []
    went_on = report.resumed or report.taken_over
    if report.found == 0 and not went_on and not report.older_than_since:
        found.append("unreachable" if report.pages_read == 0 else "no_articles")
    if report.parser_errors:
        found.append("parser_errors")
    return found


#: Stats of the pages crawler/shell.py took for JavaScript shells, by reason.
SHELL_PREFIX = "tinkhac/javascript_shell/"


def javascript_shell_flags(report: SiteReport, stats: dict[str, Any]) -> list[str]:
    """``javascript_shell:<reason>`` when a site gave nothing and its pages were shells."""
    reasons = {k[len(SHELL_PREFIX) :]: v for k, v in stats.items() if k.startswith(SHELL_PREFIX)}
    if not reasons or report.found or report.written:
        return []
    return [f"javascript_shell:{max(reasons, key=reasons.get)}"]


def write_run_report(path: Any, run_id: str, reports: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "run_id": run_id,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sites": reports,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def table(reports: list[dict[str, Any]]) -> str:
    """The short table printed on stderr at the end of a run."""
    head = f"{'site':22} {'lists':>5} {'fetch':>5} {'new':>4} {'upd':>4} {'known':>5} "
    head += f"{'drop':>4} {'fault':>5} {'date':>5} {'auth':>5}  flags"
    lines = [head]
    for r in sorted(reports, key=lambda r: r["site"]):
        cov = r["coverage"]
        lines.append(
            f"{r['site']:22} {r['listing_pages']:5} {r['articles_fetched']:5} {r['new']:4} "
            f"{r['updated']:4} {r['skipped_known']:5} {sum(r['dropped'].values()):4} "
            f"{sum(r['faults'].values()):5} {_share(cov, 'published_at'):>5} "
            f"{_share(cov, 'author'):>5}  {' '.join(r['flags']) or 'ok'}"
        )
    return "\n".join(lines)


def _share(coverage: dict[str, float], name: str) -> str:
    return f"{coverage[name]:.0%}" if name in coverage else "-"
