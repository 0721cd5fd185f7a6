"""Run crawls the way cron and people need them: one at a time, logged, reported, resumable.

One process crawls one or many sites (one Scrapy crawler per site, each polite on its
own); a lock file keeps a second run from starting while one is going; every run has an
id that names its output files, its log file and its report; a named job keeps Scrapy's
JOBDIR so an interrupted crawl continues where it stopped. With a Redis URL the process is
one worker of a cluster instead (crawler/worker.py): it crawls the sites it gets a lease
on, one after another, and reports those.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler import logs
from crawler.cluster import ClusterError
from crawler.report import table, write_run_report
from pipelines.jsonlines import new_run_id

EXIT_OK = 0
EXIT_DEGRADED = 1  # some sites failed, or the breakage alarm flagged them
EXIT_COULD_NOT_RUN = 2  # bad arguments or configuration, or another run holds the lock


class LockHeldError(Exception):
    """Another run holds the lock; the message says which."""


class UnusableFolderError(Exception):
    """The output folder cannot be made or written; the message says why."""


def check_folder(output_dir: Path) -> None:
    """Make sure the run can write its output, state and logs, before anything starts."""
    try:
        (output_dir / ".state").mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UnusableFolderError(
            f"cannot write to the output folder {output_dir}: {reason}; "
            "give a folder you can write with --output"
        ) from None


@contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    """Hold ``<output>/.state/tinkhac.lock`` for the run.

    ``flock`` is released by the kernel when its holder dies, so a lock left by a killed
    run never blocks the next one.
    """
    path = output_dir / ".state" / "tinkhac.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise LockHeldError(f"another tinkhac run is going ({holder}); lock file {path}") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@dataclass
class CrawlPlan:
    sites: Sequence[str]
    sites_file: str | None
    settings: Settings
    job: str | None = None
    spider_args: dict[str, Any] | None = None
    verbosity: int = logs.NORMAL  # -1 --quiet, 0, 1 --verbose (see crawler/logs.py)
    summary: bool = True  # print the table (always, or when something is wrong if quiet)
    on_crawler: Callable[[Crawler], None] | None = None  # sees each crawler before it runs
    run_id: str = ""  # set when the run starts
    redis_url: str | None = None  # a worker of the cluster on this Redis (crawler/worker.py)

    @property
    def output_dir(self) -> Path:
        return Path(self.settings.get("TINKHAC_OUTPUT_DIR"))


def run(plan: CrawlPlan) -> int:
    """Crawl the plan's sites in one process; the exit code says how it went."""
    try:
        check_folder(plan.output_dir)
        with run_lock(plan.output_dir):
            return _crawl(plan)
    except (LockHeldError, UnusableFolderError, ClusterError) as exc:
        print(f"tinkhac: {exc}", flush=True, file=sys.stderr)
        return EXIT_COULD_NOT_RUN


def _crawl(plan: CrawlPlan) -> int:
    run_id = plan.run_id = new_run_id()
    plan.settings.set("TINKHAC_RUN_ID", run_id, priority="cmdline")
    keep = plan.settings.getint("TINKHAC_LOGS_KEEP")
    log_path = logs.run_log(plan.output_dir, run_id, keep)
    logs.configure(plan.verbosity, log_path)
    if plan.verbosity <= logs.QUIET:
        plan.settings.set("TINKHAC_PROGRESS", False, priority="cmdline")
    # Our handlers, not Scrapy's root handler (which would print every INFO line).
    plan.settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(plan.settings)
    reports: list[dict[str, Any]] = []
    if plan.redis_url:
        crawled = _work_in_cluster(plan, process, reports)
    else:
        for key in plan.sites:
            _start(process, plan, key, reports)
        process.start()
        crawled = list(plan.sites)
    report_path = plan.output_dir / "runs" / f"{run_id}.json"
    write_run_report(report_path, run_id, reports)
    degraded = any(r["flags"] for r in reports) or len(reports) < len(crawled)
    if plan.summary and (degraded or plan.verbosity > logs.QUIET):
        # Quiet runs (cron) print nothing when all is well, and the table when it is not.
        print(table(reports), file=sys.stderr)
        print(f"run {run_id}: report {report_path}, log {log_path}", file=sys.stderr)
    return EXIT_DEGRADED if degraded else EXIT_OK


def _start(
    process: CrawlerProcess,
    plan: CrawlPlan,
    key: str,
    reports: list[dict[str, Any]],
    site_settings: dict[str, Any] | None = None,
) -> tuple[Crawler, Any]:
    """Start the crawl of one site; its report joins ``reports`` when it ends."""
    from spiders.news import NewsSpider

    crawler = process.create_crawler(NewsSpider)  # its settings are its own copy
    if plan.on_crawler is not None:
        plan.on_crawler(crawler)
    if plan.job:
        crawler.settings.set("JOBDIR", str(_job_dir(plan, key)), priority="cmdline")
    crawler.settings.setdict(site_settings or {}, priority="cmdline")
    crawler.signals.connect(
        _collect(crawler, reports, plan, key), signal=signals.engine_stopped, weak=False
    )
    ended = process.crawl(crawler, site=key, sites=plan.sites_file, **(plan.spider_args or {}))
    return crawler, ended


def _work_in_cluster(
    plan: CrawlPlan, process: CrawlerProcess, reports: list[dict[str, Any]]
) -> list[str]:
    """Crawl as one worker of the cluster on ``plan.redis_url``; the sites it crawled."""
    from crawler import cluster, frontier
    from crawler.registry import load_sites
    from crawler.urls import host_of
    from crawler.worker import Worker

    server = cluster.connect(plan.redis_url)
    run = cluster.Run.join(server, plan.sites)
    holder = cluster.worker_name()
    logging.getLogger(__name__).info("worker %s in cluster run %s", holder, run.id)
    crawled: list[str] = []

    def start_site(key: str, going_on: bool) -> tuple[Crawler, Any]:
        crawled.append(key)
        site_settings = frontier.frontier_settings(key, plan.settings, plan.redis_url)
        site_settings["TINKHAC_CLUSTER_TAKEN_OVER"] = going_on
        site_settings["TINKHAC_CLUSTER_RUN_ID"] = run.id  # what the run wrote, for every worker
        return _start(process, plan, key, reports, site_settings)

    registry = load_sites(plan.sites_file)
    hosts = {key: host_of(registry[key].start_urls[0]) for key in plan.sites}
    Worker(process, run, holder, start_site, hosts).work()
    return crawled


def _job_dir(plan: CrawlPlan, key: str) -> Path:
    return plan.output_dir / ".jobs" / plan.job / key


def _collect(crawler: Crawler, reports: list[dict[str, Any]], plan: CrawlPlan, key: str):
    def stopped() -> None:
        report = crawler.stats.get_value("tinkhac/site_report")
        if report is None:
            return
        reports.append(report)
        if plan.job and report["finish_reason"] == "finished":
            # A finished job starts afresh next time instead of "resuming" to nothing.
            shutil.rmtree(_job_dir(plan, key), ignore_errors=True)

    return stopped
