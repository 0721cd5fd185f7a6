"""The ``tinkhac`` command: crawl a site, list the sites, parse one page, run the demo.

Mistakes in the arguments or in a sites file end the command with one line on stderr that
says what to fix, and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import profiles
from crawler.registry import RegistryError, Site, load_sites

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake the user can fix; the message says how."""


def build_settings(output: str | None = None, profile: str | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if profile == "replica":
        settings.setdict(profiles.REPLICA, priority="cmdline")
    if output:
        settings.set("TINKHAC_OUTPUT_DIR", output, priority="cmdline")
    return settings


def _sites(sites_file: str | None) -> dict[str, Site]:
    try:
        return load_sites(sites_file)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc


class CrawlSummary:
    """Counts what each crawler of a process wrote, for the closing lines."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def watch(self, crawler: Any, site: str) -> None:
        def closed(spider: Any, reason: str) -> None:
            stats = crawler.stats.get_stats()
            self.rows.append(
                {
                    "site": site,
                    "reason": reason,
                    "written": stats.get("tinkhac/items/written", 0),
                    "errors": stats.get("log_count/ERROR", 0),
                    "file": stats.get("tinkhac/output_file"),
                }
            )

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)

    def report(self) -> int:
        failed = False
        for row in sorted(self.rows, key=lambda r: r["site"]):
            print(
                f"{row['site']:22} {row['written']:5} articles  {row['reason']:10} "
                f"{row['file'] or '-'}",
                file=sys.stderr,
            )
            failed = failed or row["reason"] != "finished" or row["errors"] > 0
        return EXIT_FAILED if failed else EXIT_OK


def run_crawls(site_keys: Sequence[str], sites_file: str | None, settings: Settings) -> int:
    from spiders.news import NewsSpider

    process = CrawlerProcess(settings, install_root_handler=True)
    summary = CrawlSummary()
    for key in site_keys:
        crawler = process.create_crawler(NewsSpider)
        summary.watch(crawler, key)
        process.crawl(crawler, site=key, sites=sites_file)
    process.start()
    return summary.report()


def cmd_crawl(args: argparse.Namespace) -> int:
    sites = _sites(args.sites)
    for key in args.site:
        if key not in sites:
            raise UsageError(f"unknown site {key!r}; `tinkhac sites` lists the known keys")
    settings = build_settings(args.output, args.profile)
    if args.fresh:
        settings.set("TINKHAC_FRESH", True, priority="cmdline")
    return run_crawls(args.site, args.sites, settings)


def cmd_sites(args: argparse.Namespace) -> int:
    sites = _sites(args.sites)
    print(f"{'key':22} {'cms':10} {'state':8} {'province':14} name / start URLs")
    for site in sorted(sites.values(), key=lambda s: s.key):
        state = "active" if site.active else "archived"
        print(
            f"{site.key:22} {site.cms or 'detect':10} {state:8} {site.province or '-':14} "
            f"{site.name}  {' '.join(site.start_urls)}"
        )
    return EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from spiders.news import NewsSpider

    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{args.url!r} is not an http(s) URL")
    sites = _sites(args.sites)
    site = next((s for s in sites.values() if s.matches(args.url)), None)
    sites_file = args.sites
    if site is None:
        sites_file = _adhoc_sites_file(args.url)
        key = "adhoc"
    else:
        key = site.key
    settings = build_settings(profile=args.profile)
    settings.set("ITEM_PIPELINES", {"pipelines.normalize.NormalizePipeline": 100})
    settings.set("LOG_LEVEL", "WARNING")
    records: list[dict[str, Any]] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)

    def scraped(item: Any, **_: Any) -> None:
        from itemadapter import ItemAdapter

        records.append(ItemAdapter(item).asdict())

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    process.crawl(crawler, site=key, sites=sites_file, url=args.url)
    process.start()
    if not records:
        print(f"no article could be read from {args.url} (see the log above)", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(records[0], ensure_ascii=False, indent=2))
    return EXIT_OK


def _adhoc_sites_file(url: str) -> str:
    """A sites file with one entry for a URL of no known site, read generically."""
    parts = urlsplit(url)
    entry = f'[sites.adhoc]\nname = "{parts.hostname}"\nstart_urls = ["{parts.scheme}://{parts.netloc}/"]\n'
    folder = Path(tempfile.mkdtemp(prefix="tinkhac-"))
    path = folder / "adhoc.toml"
    path.write_text(entry, encoding="utf-8")
    return str(path)


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.replica_server import ReplicaServer

    with ReplicaServer() as server, tempfile.TemporaryDirectory() as tmp:
        sites_file = Path(tmp) / "replicas.toml"
        sites_file.write_text(server.sites_toml(), encoding="utf-8")
        for replica in server:
            print(f"serving replica {replica.key} at {replica.base_url}", file=sys.stderr)
        settings = build_settings(args.output, "replica")
        # The demo shows a whole crawl every time, whatever an earlier demo wrote.
        settings.set("TINKHAC_FRESH", True, priority="cmdline")
        return run_crawls([r.key for r in server], str(sites_file), settings)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tinkhac", description="Crawl Vietnamese provincial Party news sites."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--sites", metavar="FILE", help="a TOML file of extra sites")
        return command

    crawl = add("crawl", "crawl a site and write its articles as JSON Lines")
    crawl.add_argument("site", nargs="+", help="the site's key (see `tinkhac sites`)")
    crawl.add_argument("--output", metavar="DIR", default="output", help="default: output/")
    crawl.add_argument(
        "--fresh", action="store_true", help="ignore earlier runs: write every article found"
    )
    crawl.add_argument("--profile", choices=["replica"], help=argparse.SUPPRESS)
    crawl.set_defaults(handler=cmd_crawl)

    add("sites", "list the known sites").set_defaults(handler=cmd_sites)

    parse = add("parse", "fetch one article page and print its record as JSON")
    parse.add_argument("url")
    parse.add_argument("--profile", choices=["replica"], help=argparse.SUPPRESS)
    parse.set_defaults(handler=cmd_parse)

    demo = commands.add_parser(
        "demo", help="serve the bundled replicas on 127.0.0.1 and crawl them all"
    )
    demo.add_argument("--output", metavar="DIR", default="output", help="default: output/")
    demo.set_defaults(handler=cmd_demo)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"tinkhac: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
