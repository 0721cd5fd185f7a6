"""``tinkhac check SITE|URL``: try a site before adding it, with the real crawl.

It runs a short crawl of the site (a few listing pages, a few articles) into a temporary
folder with the spider, pipelines and run report of a real run, then prints what it saw:
the CMS family and template versions, the listings found and pages read, each article's
fields, the field coverage and the faults, and ends with a verdict. Exit code 0: usable;
1: problems found (listed); 2: could not run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from crawler import runner
from crawler.runner import EXIT_DEGRADED, EXIT_OK

#: Fields whose share among the articles read is printed; the first two must be complete.
COVERAGE = ("title", "body", "published_at", "lead", "author", "category", "images", "tags")
REQUIRED = ("title", "body")
#: Below this share of dated articles the dates are called a problem.
MIN_DATED = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="SITE|URL", help="a site key, or a start page URL")
    parser.add_argument("--pages", type=int, default=2, metavar="N", help="pages per listing")
    parser.add_argument("--articles", type=int, default=5, metavar="N", help="articles to read")
    parser.add_argument("--profile", choices=["replica"], help=argparse.SUPPRESS)


class Watcher:
    """What the check's crawler met: listings with their pages, and the articles."""

    def __init__(self) -> None:
        self.start: list[tuple[str, int]] = []
        self.listings: dict[str, dict[str, Any]] = {}
        self.records: list[dict[str, Any]] = []

    def attach(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.received, signal=signals.response_received, weak=False)
        crawler.signals.connect(self.scraped, signal=signals.item_scraped, weak=False)

    def received(self, response: Any, request: Any, **_: Any) -> None:
        role = request.meta.get("role")
        if role == "start":
            self.start.append((request.url, response.status))
        elif role == "listing":
            first = request.meta.get("listing") or request.url
            entry = self.listings.setdefault(
                first, {"category": request.meta.get("category"), "pages": 0}
            )
            entry["pages"] += 1

    def scraped(self, item: Any, **_: Any) -> None:
        self.records.append(ItemAdapter(item).asdict())


def run(args: argparse.Namespace) -> int:
    """Run ``tinkhac check``: 0 usable, 1 problems found, 2 could not run."""
    from crawler.cli import UsageError, _plan, _sites, adhoc_sites_file, build_settings

    if args.pages < 1 or args.articles < 1:
        raise UsageError("--pages and --articles take a positive number")
    sites = _sites(args.sites)
    key, sites_file = args.target, args.sites
    if "://" in args.target:
        from crawler.cli import _http_url

        _http_url(args.target)
        site = next((s for s in sites.values() if s.matches(args.target)), None)
        if site is None:
            key, sites_file = "adhoc", adhoc_sites_file(args.target, start=args.target)
        else:
            key = site.key
    elif key not in sites:
        raise UsageError(f"unknown site {key!r}; `tinkhac sites` lists the known keys")
    watcher = Watcher()
    with tempfile.TemporaryDirectory(prefix="tinkhac-check-") as tmp:
        args.output, args.fresh = tmp, True
        args.max_pages, args.max_articles = args.pages, args.articles
        settings = build_settings(args)
        plan = _plan(
            args, [key], sites_file, settings=settings, summary=False, on_crawler=watcher.attach
        )
        code = runner.run(plan)
        if code not in (EXIT_OK, EXIT_DEGRADED):
            return code
        report_path = Path(tmp) / "runs" / f"{plan.run_id}.json"
        document = json.loads(report_path.read_text(encoding="utf-8"))
    report = document["sites"][0] if document["sites"] else {"site": key, "flags": ["failed"]}
    name = sites[key].name if key in sites else args.target
    problems = verdict(report, watcher.records)
    print(render(report, watcher, name, problems))
    return EXIT_DEGRADED if problems else EXIT_OK


def verdict(report: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """The problems that make the site unusable as it is configured; none: usable."""
    problems = [f"flagged {flag}" for flag in report.get("flags", [])]
    if not records:
        problems.append("no article was read")
        return problems
    shares = coverage(records)
    for name in REQUIRED:
        if shares[name] < 1:
            problems.append(f"{name} missing in {1 - shares[name]:.0%} of the articles")
    if shares["published_at"] < MIN_DATED:
        problems.append(f"only {shares['published_at']:.0%} of the articles have a date")
    return problems


def coverage(records: list[dict[str, Any]]) -> dict[str, float]:
    return {name: sum(1 for r in records if r.get(name)) / len(records) for name in COVERAGE}


def render(report: dict[str, Any], watcher: Watcher, name: str, problems: list[str]) -> str:
    """The check's printout: what was detected, found and read, then the verdict."""
    lines = [f"site      {report['site']} ({name})"]
    for url, status in watcher.start:
        lines.append(f"start     {url}  HTTP {status}")
    lines.append(f"family    {report.get('family') or 'not detected (no page read)'}")
    versions = report.get("versions") or {}
    listed = ", ".join(f"{v}: {n}" for v, n in versions.items())
    lines.append(f"versions  {listed or '-'}")
    lines.append(f"listings  {len(watcher.listings)} found")
    for url, entry in sorted(watcher.listings.items()):
        category = entry["category"] or "-"
        lines.append(f"  {entry['pages']} page(s)  {category[:30]:30}  {url}")
    lines.append(f"articles  {len(watcher.records)} read")
    for record in watcher.records:
        lines += _article(record)
    if watcher.records:
        shares = coverage(watcher.records)
        lines.append("coverage  " + "  ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    faults = report.get("faults") or {}
    lines.append("faults    " + (", ".join(f"{k}: {v}" for k, v in faults.items()) or "none"))
    if report.get("parser_errors"):
        errors = ", ".join(f"{k}: {v}" for k, v in report["parser_errors"].items())
        lines.append(f"errors    {errors}  ({' '.join(report.get('parser_error_urls', []))})")
    if problems:
        lines.append("verdict   problems found:")
        lines += [f"  - {p}" for p in problems]
    else:
        lines.append("verdict   usable")
    return "\n".join(lines)


def _article(record: dict[str, Any]) -> list[str]:
    body = record.get("body") or ""
    return [
        f"  - {(record.get('title') or '(no title)')[:90]}",
        f"    url {record['url']}",
        f"    published {record.get('published_at') or '-'}  author {record.get('author') or '-'}"
        f"  category {record.get('category') or '-'}",
        f"    lead {len(record.get('lead') or '')} chars  body {len(body)} chars  "
        f"images {len(record.get('images') or [])}  captions {len(record.get('captions') or [])}"
        f"  tags {len(record.get('tags') or [])}  related {len(record.get('related_urls') or [])}",
    ]
