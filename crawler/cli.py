"""The ``tinkhac`` command: crawl sites, list them, parse one page, run the demo.

Exit codes: 0 all well; 1 some sites failed or were flagged by the breakage alarm; 2 the
command could not run (a mistake in the arguments or the sites file, or another run
holds the lock), with one line on stderr that says what to do and no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import export as export_command
from crawler import profiles
from crawler.registry import RegistryError, Site, load_sites
from crawler.runner import EXIT_COULD_NOT_RUN, EXIT_DEGRADED, EXIT_OK, CrawlPlan, run


class UsageError(Exception):
    """A mistake the user can fix; the message says how."""


def build_settings(args: argparse.Namespace) -> Settings:
    """Scrapy settings from ``crawler/settings.py`` and the command-line options."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    options = vars(args)
    if options.get("profile") == "replica":
        settings.setdict(profiles.REPLICA, priority="cmdline")
    overrides = {
        "TINKHAC_OUTPUT_DIR": options.get("output"),
        "TINKHAC_FRESH": options.get("fresh") or None,
        "TINKHAC_SINCE": options.get("since"),
        "TINKHAC_MAX_LISTING_PAGES": options.get("max_pages"),
        "CLOSESPIDER_ITEMCOUNT": options.get("max_articles"),
    }
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    for assignment in options.get("set") or []:
        name, _, value = assignment.partition("=")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def _sites(sites_file: str | None) -> dict[str, Site]:
    try:
        return load_sites(sites_file)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc


def cmd_crawl(args: argparse.Namespace) -> int:
    sites = _sites(args.sites)
    for key in args.site:
        if key not in sites:
            raise UsageError(f"unknown site {key!r}; `tinkhac sites` lists the known keys")
    if args.url and len(args.site) != 1:
        raise UsageError("--url crawls one page of one site: name exactly one site")
    spider_args = {"url": args.url} if args.url else None
    plan = CrawlPlan(args.site, args.sites, build_settings(args), args.job, spider_args)
    return run(plan)


def cmd_crawl_all(args: argparse.Namespace) -> int:
    active = sorted(key for key, site in _sites(args.sites).items() if site.active)
    if not active:
        raise UsageError("no active site to crawl; check `tinkhac sites`")
    return run(CrawlPlan(active, args.sites, build_settings(args), args.job))


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
    key, sites_file = site_for_url(args.url, args.sites)
    settings = build_settings(args)
    settings.set("ITEM_PIPELINES", {"pipelines.normalize.NormalizePipeline": 100})
    settings.set("EXTENSIONS", {})
    settings.set("LOG_LEVEL", "WARNING")
    records: list[dict[str, Any]] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)

    def scraped(item: Any, **_: Any) -> None:
        from itemadapter import ItemAdapter

        records.append(ItemAdapter(item).asdict())

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    process.crawl(crawler, site=key, sites=sites_file, url=args.url, follow="no")
    process.start()
    if not records:
        print(f"no article could be read from {args.url} (see the log above)", file=sys.stderr)
        return EXIT_DEGRADED
    print(json.dumps(records[0], ensure_ascii=False, indent=2))
    return EXIT_OK


def site_for_url(url: str, sites_file: str | None) -> tuple[str, str | None]:
    """(site key, sites file) that ``tinkhac parse URL --sites FILE`` reads ``url`` with.

    A URL of a known site (built in, or in the user's file) is read with that site's rules;
    any other with an ad hoc entry written to a temporary sites file: the generic profile
    and whatever CMS family its pages show. ``bench/realpages.py`` reads pages this way too.
    """
    site = next((s for s in _sites(sites_file).values() if s.matches(url)), None)
    return (site.key, sites_file) if site else ("adhoc", _adhoc_sites_file(url))


def _adhoc_sites_file(url: str) -> str:
    """A sites file with one entry for a URL of no known site, read generically."""
    parts = urlsplit(url)
    start = f"{parts.scheme}://{parts.netloc}/"
    path = Path(tempfile.mkdtemp(prefix="tinkhac-")) / "adhoc.toml"
    path.write_text(
        f'[sites.adhoc]\nname = "{parts.hostname}"\nstart_urls = ["{start}"]\n', encoding="utf-8"
    )
    return str(path)


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.replica_server import ReplicaServer

    args.profile, args.fresh = "replica", True  # a demo shows a whole crawl every time
    with ReplicaServer() as server, tempfile.TemporaryDirectory() as tmp:
        sites_file = Path(tmp) / "replicas.toml"
        sites_file.write_text(server.sites_toml(), encoding="utf-8")
        for replica in server:
            print(f"serving replica {replica.key} at {replica.base_url}", file=sys.stderr)
        keys = [r.key for r in server]
        return run(CrawlPlan(keys, str(sites_file), build_settings(args)))


def _since(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def _setting(text: str) -> str:
    if "=" not in text or not text.split("=", 1)[0].strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return text


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """argparse, with exit code 2 and one line for every mistake (its default is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_COULD_NOT_RUN, f"tinkhac: {message}\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="tinkhac", description="Crawl Vietnamese provincial Party news sites.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--sites", metavar="FILE", help="a TOML file of extra sites")
        return command

    def crawl_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--output", metavar="DIR", default="output", help="default: output/")
        command.add_argument("--since", type=_since, metavar="DATE", help="only articles from")
        command.add_argument(
            "--fresh", action="store_true", help="ignore earlier runs: write every article found"
        )
        command.add_argument("--job", metavar="NAME", help="resumable job (Scrapy JOBDIR)")
        command.add_argument(
            "-s", "--set", action="append", type=_setting, metavar="NAME=VALUE",
            help="a Scrapy setting, as with `scrapy crawl -s`",
        )  # fmt: skip
        command.add_argument("--profile", choices=["replica"], help=argparse.SUPPRESS)

    crawl = add("crawl", "crawl sites on demand and write their articles as JSON Lines")
    crawl.add_argument("site", nargs="+", help="the site's key (see `tinkhac sites`)")
    crawl_options(crawl)
    crawl.add_argument("--max-pages", type=_positive, metavar="N", help="listing pages each")
    crawl.add_argument("--max-articles", type=_positive, metavar="N", help="stop after N")
    crawl.add_argument("--url", help="crawl this one listing or article page only")
    crawl.set_defaults(handler=cmd_crawl)

    crawl_all = add("crawl-all", "crawl every active site, incrementally (for cron)")
    crawl_options(crawl_all)
    crawl_all.set_defaults(handler=cmd_crawl_all)

    add("sites", "list the known sites").set_defaults(handler=cmd_sites)

    parse = add("parse", "fetch one article page and print its record as JSON")
    parse.add_argument("url")
    parse.add_argument("--profile", choices=["replica"], help=argparse.SUPPRESS)
    parse.set_defaults(handler=cmd_parse)

    export = commands.add_parser(
        "export",
        help="merge every run's output into one dataset for analysis",
        description="merge every run's output into one dataset for analysis",
    )
    export_command.add_arguments(export)
    export.set_defaults(handler=export_command.run)

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
        return EXIT_COULD_NOT_RUN


if __name__ == "__main__":
    sys.exit(main())
