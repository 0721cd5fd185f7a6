"""The ``tinkhac`` command: crawl sites, list them, parse one page, run the demo.

Exit codes: 0 all well; 1 some sites failed or were flagged by the breakage alarm; 2 the
command could not run (a mistake in the arguments or the sites file, or another run
holds the lock), with one line on stderr that says what to do and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
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

from crawler import check as check_command
from crawler import export as export_command
from crawler import logs, profiles
from crawler.registry import RegistryError, Site, fold, load_sites
from crawler.runner import EXIT_COULD_NOT_RUN, EXIT_DEGRADED, EXIT_OK, CrawlPlan, run


class UsageError(Exception):
    """A mistake the user can fix; the message says how."""


def build_settings(args: argparse.Namespace) -> Settings:
    """Scrapy settings from ``crawler/settings.py`` and the command-line options."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    options = vars(args)
    if options.get("profile"):
        settings.setdict(profiles.PROFILES[options["profile"]], priority="cmdline")
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
    # The log goes through crawler/logs.py, not Scrapy's root handler.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    return settings


def _plan(args: argparse.Namespace, sites: Sequence[str], sites_file: str | None, **kw: Any):
    """A crawl of these sites with the command line's settings and verbosity."""
    settings = kw.pop("settings", None) or build_settings(args)
    return CrawlPlan(sites, sites_file, settings, verbosity=args.verbosity, **kw)


def _http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL")
    return url


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
    if args.url:
        _http_url(args.url)
        if not sites[args.site[0]].matches(args.url):
            raise UsageError(f"{args.url} is not on the site {args.site[0]}")
    spider_args = {"url": args.url} if args.url else None
    return run(_plan(args, args.site, args.sites, job=args.job, spider_args=spider_args))


def cmd_crawl_all(args: argparse.Namespace) -> int:
    active = sorted(key for key, site in _sites(args.sites).items() if site.active)
    if not active:
        raise UsageError("no active site to crawl; check `tinkhac sites`")
    settings = build_settings(args)
    redis_url = (
        args.redis or settings.get("TINKHAC_REDIS_URL") or os.environ.get("TINKHAC_REDIS_URL")
    )
    if redis_url and args.job:
        raise UsageError("--job and --redis do not go together: Redis keeps the frontier")
    if redis_url:
        settings.set("TINKHAC_REDIS_URL", redis_url, priority="cmdline")  # the state store too
    return run(
        _plan(args, active, args.sites, job=args.job, settings=settings, redis_url=redis_url)
    )


def cmd_sites(args: argparse.Namespace) -> int:
    """The known sites, filtered; a table, or JSON Lines (one object per site) with --json."""
    sites = sorted(_sites(args.sites).values(), key=lambda s: s.key)
    if args.province:
        wanted = fold(args.province)
        sites = [s for s in sites if wanted in (fold(s.province), fold(s.province_before))]
        if not sites:
            raise UsageError(f"no site of province {args.province!r}; `tinkhac sites` lists them")
    if args.active:
        sites = [s for s in sites if s.active]
    if args.archived:
        sites = [s for s in sites if not s.active]
    if args.json:
        for site in sites:
            print(json.dumps(site.as_dict(), ensure_ascii=False))
        return EXIT_OK
    print(f"{'key':22} {'cms':14} {'state':8} {'province':16} {'before':18} name / start URLs")
    for site in sites:
        state = "active" if site.active else "archived"
        print(
            f"{site.key:22} {site.cms or 'detect':14} {state:8} {site.province or '-':16} "
            f"{site.province_before or '-':18} {site.name}  {' '.join(site.start_urls)}"
        )
    return EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from spiders.news import NewsSpider

    _http_url(args.url)
    key, sites_file = site_for_url(args.url, args.sites)
    settings = build_settings(args)
    settings.set("ITEM_PIPELINES", {"pipelines.normalize.NormalizePipeline": 100})
    settings.set("EXTENSIONS", {})
    logs.configure(args.verbosity)
    records: list[dict[str, Any]] = []
    seen: dict[str, Any] = {"statuses": [], "stats": {}}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)

    def scraped(item: Any, **_: Any) -> None:
        from itemadapter import ItemAdapter

        records.append(ItemAdapter(item).asdict())

    def received(response: Any, request: Any, **_: Any) -> None:
        if not request.url.endswith("/robots.txt"):
            seen["statuses"].append(response.status)

    def closed(**_: Any) -> None:
        seen["stats"] = dict(crawler.stats.get_stats())

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(received, signal=signals.response_received, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
    process.crawl(crawler, site=key, sites=sites_file, url=args.url, follow="no")
    process.start()
    if not records:
        print(f"tinkhac: {args.url}: {_why_no_article(seen)}", file=sys.stderr)
        return EXIT_DEGRADED
    print(json.dumps(records[0], ensure_ascii=False, indent=2))
    return EXIT_OK


def _why_no_article(seen: dict[str, Any]) -> str:
    """What happened to a page that gave no record, from its status and the spider's stats."""
    from crawler.report import faults

    stats, statuses = seen["stats"], seen["statuses"]
    reasons = sorted(
        k.removeprefix("tinkhac/pages/not_article").lstrip("/:_") or "no article title and body"
        for k in stats
        if k.startswith("tinkhac/pages/not_article")
    )
    if reasons:
        return f"not an article: {', '.join(reasons)}"
    if statuses and statuses[-1] >= 400:
        return f"the server answered HTTP {statuses[-1]}"
    if stats.get("tinkhac/pages/not_html"):
        return "not an HTML page (a PDF, an image or another file)"
    problems = {k: v for k, v in faults(stats).items() if k != "gave_up_after_retries"}
    if problems:
        return f"could not be fetched: {', '.join(sorted(problems))}"
    if stats.get("tinkhac/refused/not_loopback") or stats.get("tinkhac/refused/offsite"):
        return "refused: outside the site"
    return "no article could be read (run with --verbose to see why)"


def site_for_url(url: str, sites_file: str | None) -> tuple[str, str | None]:
    """(site key, sites file) that ``tinkhac parse URL --sites FILE`` reads ``url`` with.

    A URL of a known site (built in, or in the user's file) is read with that site's rules;
    any other with an ad hoc entry written to a temporary sites file: the generic profile
    and whatever CMS family its pages show. ``bench/realpages.py`` reads pages this way too.
    """
    site = next((s for s in _sites(sites_file).values() if s.matches(url)), None)
    return (site.key, sites_file) if site else ("adhoc", adhoc_sites_file(url))


def adhoc_sites_file(url: str, start: str | None = None) -> str:
    """A sites file with one entry for a URL of no known site, read generically."""
    parts = urlsplit(url)
    start = start or f"{parts.scheme}://{parts.netloc}/"
    path = Path(tempfile.mkdtemp(prefix="tinkhac-")) / "adhoc.toml"
    entry = {"name": parts.hostname, "start_urls": [start]}
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()]
    path.write_text("[sites.adhoc]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


#: Where ``tinkhac demo`` writes by default: a folder of its own, with its own state, so
#: that replica articles never mix with real crawls (export skips it: it holds no run files
#: of its own, only the demo's site folders one level down).
DEMO_OUTPUT = Path("output") / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.replica_server import ReplicaServer

    args.profile, args.fresh = "replica", True  # a demo shows a whole crawl every time
    out = Path(args.output)
    settings = build_settings(args)
    # Its own state, whatever the settings say, so no real crawl takes a replica as known.
    settings.set("TINKHAC_STATE_PATH", str(out / ".state" / "state.sqlite"), priority="cmdline")
    with ReplicaServer() as server, tempfile.TemporaryDirectory() as tmp:
        sites_file = Path(tmp) / "replicas.toml"
        sites_file.write_text(server.sites_toml(), encoding="utf-8")
        keys = [r.key for r in server]
        print(
            f"demo: serving {len(keys)} replica sites on 127.0.0.x and crawling them into "
            f"{out}/ (its own state; `tinkhac export --from {out} --out DIR` exports it)",
            file=sys.stderr,
        )
        return run(_plan(args, keys, str(sites_file), settings=settings))


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
    verbosity = _Parser(add_help=False)
    loudness = verbosity.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v", "--verbose", dest="verbosity", action="store_const", const=logs.VERBOSE,
        help="the whole log on stderr too",
    )  # fmt: skip
    loudness.add_argument(
        "-q", "--quiet", dest="verbosity", action="store_const", const=logs.QUIET,
        help="errors only; the table only when something is wrong (for cron)",
    )  # fmt: skip
    verbosity.set_defaults(verbosity=logs.NORMAL)

    def add(name: str, help_text: str, sites: bool = True) -> argparse.ArgumentParser:
        command = commands.add_parser(
            name, help=help_text, description=help_text, parents=[verbosity]
        )
        if sites:
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
        command.add_argument("--profile", choices=sorted(profiles.PROFILES), help=argparse.SUPPRESS)

    crawl = add("crawl", "crawl sites on demand and write their articles as JSON Lines")
    crawl.add_argument("site", nargs="+", help="the site's key (see `tinkhac sites`)")
    crawl_options(crawl)
    crawl.add_argument("--max-pages", type=_positive, metavar="N", help="listing pages each")
    crawl.add_argument("--max-articles", type=_positive, metavar="N", help="stop after N")
    crawl.add_argument("--url", help="crawl this one listing or article page only")
    crawl.set_defaults(handler=cmd_crawl)

    crawl_all = add("crawl-all", "crawl every active site, incrementally (for cron)")
    crawl_options(crawl_all)
    crawl_all.add_argument(
        "--redis", metavar="URL",
        help="a worker of the cluster on this Redis, redis://HOST:PORT/DB "
        "(also $TINKHAC_REDIS_URL); see README, Several machines",
    )  # fmt: skip
    crawl_all.set_defaults(handler=cmd_crawl_all)

    sites = add("sites", "list the known sites")
    sites.add_argument("--json", action="store_true", help="JSON Lines: one object per site")
    sites.add_argument("--province", metavar="NAME", help="post- or pre-merger province")
    state = sites.add_mutually_exclusive_group()
    state.add_argument("--active", action="store_true", help="only the sites crawl-all crawls")
    state.add_argument("--archived", action="store_true", help="only archived sites")
    sites.set_defaults(handler=cmd_sites)

    parse = add("parse", "fetch one article page and print its record as JSON")
    parse.add_argument("url")
    parse.add_argument("--profile", choices=sorted(profiles.PROFILES), help=argparse.SUPPRESS)
    parse.set_defaults(handler=cmd_parse)

    check = add("check", "try a site or URL: family, listings, a few articles, a verdict")
    check_command.add_arguments(check)
    check.set_defaults(handler=check_command.run)

    export = add("export", "merge every run's output into one dataset for analysis", sites=False)
    export_command.add_arguments(export)
    export.set_defaults(handler=export_command.run)

    demo = add("demo", "serve the bundled replicas on 127.0.0.1 and crawl them all", sites=False)
    demo.add_argument(
        "--output", metavar="DIR", default=str(DEMO_OUTPUT), help=f"default: {DEMO_OUTPUT}/"
    )
    demo.set_defaults(handler=cmd_demo)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, the user gets one line, never a traceback."""
    args = parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        print(f"tinkhac: {exc}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    except BrokenPipeError:
        # The reader went away (`tinkhac sites | head`): fine. Point stdout at /dev/null so
        # that Python's flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("tinkhac: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"tinkhac: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    except Exception as exc:
        if args.verbosity >= logs.VERBOSE:
            raise
        print(
            f"tinkhac: unexpected error: {type(exc).__name__}: {exc} "
            "(run again with --verbose for the traceback)",
            file=sys.stderr,
        )
        return EXIT_DEGRADED


if __name__ == "__main__":
    sys.exit(main())
