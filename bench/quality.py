"""Extraction quality: our extractor and trafilatura, field by field, against the replicas.

    python bench/quality.py [--json] [--details] [--rounds 3]

Not part of the test suite: it measures, it does not judge. Every expected article page of
every folder in ``crawler/replicas/`` is read into memory once, then extracted by
``ArticleParser(...).record()`` (ours) and by ``trafilatura.bare_extraction`` (the baseline),
and each result is compared with the page's ``expected/<id>.json``. A table per template
(the replica folder) and one overall are printed, then the parse speed of both, then::

    QUALITY pages=… templates=… title=… date_minute=… author=… captions_f1=… body_f1=…
    | trafilatura title=… date_day=… author=… body_f1=…

What the figures mean (shares are printed with the counts behind them):

- title, lead, author: exact match after :func:`crawler.text.clean` (NFC, white space
  collapsed) on both sides; null on both sides is a match.
- date, same minute / same day: over the pages whose truth has a ``published_at`` only: the
  same instant to the minute, or the same calendar day in the truth's time zone. trafilatura
  gives a day (``YYYY-MM-DD``) and no time, so it is scored at day level only; our own day
  level figure stands next to it for fairness.
- wrong dates: a date given although the truth has none (a date invented is worse than no
  date), out of the pages whose truth has none.
- captions F1: caption strings compared as multisets, micro-averaged over the pages (counts
  summed first; shown as hits/given/expected). trafilatura has no caption field: n/a.
- body token-F1: F1 of the bags of tokens (white-space split of NFC, case-folded text) per
  page; its mean, and the share of pages at 0.95 or more.
- missed: pages where the extractor gave null (or no captions) although the truth has a
  value. A page not taken for an article (None) misses every field.
- speed: pages per second over the pages already in memory (parse only, no disk), timed over
  ``--rounds`` rounds after one warm-up round, whose results are the ones scored.

The baseline is mapped title→title, author→author, date→published_at, text→body and
description→lead (the page's meta description). Its text also holds the lead and captions,
which our schema keeps apart: its body precision pays for that. ``--details`` lists the ids
of our failing pages per template and field.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.decoding import readable_html
from crawler.families import detect, profile
from crawler.parsing.article import ArticleParser
from crawler.replica_server import Replica, load_replicas
from crawler.text import clean

BASE = "http://127.0.0.1:8000"
GOOD_BODY_F1 = 0.95
EXACT_FIELDS = ("title", "lead", "author")
MISSABLE_FIELDS = ("title", "lead", "author", "published_at", "captions", "body")
OURS, THEIRS = "ours", "trafilatura"
#: Figures trafilatura cannot have: it gives no caption and no time of day.
NOT_APPLICABLE = {THEIRS: frozenset({"date_minute", "captions_f1", "missed_captions"})}

Record = dict[str, Any]


# -- the corpus -------------------------------------------------------------------------


@dataclass
class Page:
    """One expected article page, read into memory, with the record it must give."""

    template: str
    cms: str
    site_key: str
    url: str
    html: str
    truth: Record


def load_corpus() -> list[Page]:
    """Every expected article page of every replica folder, in folder then id order.

    Pages are decoded as the crawler decodes a response (:func:`readable_html`), so that a
    replica in another charset is read as a crawl would read it.
    """
    pages = []
    for replica in load_replicas():
        replica.base_url = BASE
        for truth in replica.expected():
            raw = page_bytes(replica, truth["url"])
            if raw is None:
                print(f"warning: {replica.name}: {truth['url']} does not resolve", file=sys.stderr)
                continue
            response, _ = readable_html(HtmlResponse(truth["url"], body=raw))
            html = response.text if response is not None else raw.decode("utf-8", "replace")
            cms = replica.config.get("cms", "?")
            pages.append(Page(replica.name, cms, replica.key, truth["url"], html, truth))
    return pages


def page_bytes(replica: Replica, url: str) -> bytes | None:
    """The file the replica server answers ``url`` with, or None when it would not."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status, path = replica.resolve(target)
    return path.read_bytes() if status == 200 else None


# -- the two extractors ------------------------------------------------------------------


def ours(page: Page) -> Record | None:
    """Our record, as the spider parses a page."""
    doc = Selector(text=page.html)
    return ArticleParser(page.url, doc, profile(detect(page.html)), page.site_key).record()


def trafilatura_record(page: Page) -> Record | None:
    """trafilatura's extraction, mapped onto our field names (no captions).

    Imported here so that the metric functions, and their test, do not need trafilatura.
    """
    import trafilatura

    result = trafilatura.bare_extraction(
        page.html,
        url=page.url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        favor_precision=False,
    )
    if result is None:
        return None
    found = result.as_dict() if hasattr(result, "as_dict") else dict(result)  # 2.x or 1.x
    return {
        "title": found.get("title"),
        "author": found.get("author"),
        "published_at": found.get("date"),
        "body": found.get("text"),
        "lead": found.get("description"),
    }


def run_timed(
    extract: Callable[[Page], Record | None], pages: list[Page], rounds: int
) -> tuple[list[Record | None], float]:
    """(results of a first, warm-up round; pages per second over ``rounds`` more rounds).

    The warm-up fills caches (dateparser's locale data, lxml, trafilatura's settings) that a
    long crawl pays for once.
    """
    results = [extract(page) for page in pages]
    started = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            extract(page)
    elapsed = time.perf_counter() - started
    return results, (len(pages) * rounds / elapsed if rounds and elapsed else float("nan"))


# -- metrics on single values -------------------------------------------------------------


def tokens(text: str | None) -> list[str]:
    """Words for token F1: white-space split of NFC, case-folded text."""
    return unicodedata.normalize("NFC", text or "").casefold().split()


def token_f1(predicted: str | None, truth: str | None) -> float:
    """F1 of the two bags of tokens; two empty texts agree fully, one empty not at all."""
    given, expected = Counter(tokens(predicted)), Counter(tokens(truth))
    if not given and not expected:
        return 1.0
    common = (given & expected).total()
    if not common:
        return 0.0
    precision, recall = common / given.total(), common / expected.total()
    return 2 * precision * recall / (precision + recall)


def caption_counts(predicted: Iterable[str], truth: Iterable[str]) -> tuple[int, int, int]:
    """(hits, given, expected) of caption strings compared as multisets.

    Counts, not a score, so that pages can be micro-averaged: a page with ten captions
    weighs ten times one with a single caption.
    """
    given, expected = Counter(map(clean, predicted)), Counter(map(clean, truth))
    return (given & expected).total(), given.total(), expected.total()


def micro_f1(hits: int, given: int, expected: int) -> float | None:
    """F1 from summed counts; None when there was nothing to find and nothing was found."""
    if not given and not expected:
        return None
    return 2 * hits / (given + expected)


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time; None when absent or unreadable (so never a match)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def same_minute(predicted: str | None, truth: str | None) -> bool:
    """Both name the same instant, to the minute.

    Two zone-aware values are compared as instants (12:20+07:00 is 05:20Z); when either has
    no zone there is no instant, and the wall-clock times are compared.
    """
    given, expected = parse_instant(predicted), parse_instant(truth)
    if given is None or expected is None:
        return False
    if given.tzinfo is None or expected.tzinfo is None:
        given, expected = given.replace(tzinfo=None), expected.replace(tzinfo=None)
    return given.replace(second=0, microsecond=0) == expected.replace(second=0, microsecond=0)


def same_day(predicted: str | None, truth: str | None) -> bool:
    """Both fall on the same calendar day in the truth's time zone (or as written).

    trafilatura's ``2024-05-15`` is a bare day and is read as written.
    """
    given, expected = parse_instant(predicted), parse_instant(truth)
    if given is None or expected is None:
        return False
    if given.tzinfo is not None and expected.tzinfo is not None:
        given = given.astimezone(expected.tzinfo)
    return given.date() == expected.date()


def exact(predicted: str | None, truth: str | None) -> bool:
    """Equal after :func:`clean`; a missing value equals only a missing value."""
    return (clean(predicted) or None) == (clean(truth) or None)


def is_missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def share(hits: float, total: int) -> float | None:
    return hits / total if total else None


# -- tallies ------------------------------------------------------------------------------


@dataclass
class Tally:
    """The running counts of one extractor over a set of pages; :meth:`figures` scores them.

    ``matches`` counts pages per figure: title, lead, author, date_minute, date_day,
    body_good. ``failures`` keeps the ids of the pages behind each miss, for --details.
    """

    pages: int = 0
    not_articles: int = 0
    dated: int = 0
    undated: int = 0
    wrong_dates: int = 0
    caption_hits: int = 0
    captions_given: int = 0
    captions_expected: int = 0
    body_f1_sum: float = 0.0
    matches: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def add(self, record: Record | None, truth: Record) -> None:
        """Count one page: ``record`` is the extractor's result, ``truth`` the expected one."""
        got = record or {}
        self.pages += 1
        self.not_articles += record is None
        for name in EXACT_FIELDS:
            self._note(name, exact(got.get(name), truth.get(name)), truth)
        self._add_date(got.get("published_at"), truth)
        hits, given, expected = caption_counts(got.get("captions") or [], truth["captions"])
        self.caption_hits += hits
        self.captions_given += given
        self.captions_expected += expected
        if not hits == given == expected:
            self._fail("captions", truth)
        f1 = token_f1(got.get("body"), truth.get("body"))
        self.body_f1_sum += f1
        self._note("body_good", f1 >= GOOD_BODY_F1, truth)
        for name in MISSABLE_FIELDS:
            if is_missing(got.get(name)) and not is_missing(truth.get(name)):
                self.missed[name] += 1

    def _add_date(self, given: str | None, truth: Record) -> None:
        expected = truth.get("published_at")
        if expected is None:
            self.undated += 1
            if given is not None:
                self.wrong_dates += 1
                self._fail("wrong_date", truth)
            return
        self.dated += 1
        self._note("date_minute", same_minute(given, expected), truth)
        self._note("date_day", same_day(given, expected), truth)

    def _note(self, name: str, matched: bool, truth: Record) -> None:
        self.matches[name] += matched
        if not matched:
            self._fail(name, truth)

    def _fail(self, name: str, truth: Record) -> None:
        self.failures.setdefault(name, []).append(str(truth.get("id")))

    def figures(self) -> dict[str, tuple[float | None, str]]:
        """Figure name → (value, or None where nothing was counted; the counts behind it)."""
        m, pages = self.matches, self.pages
        figures = {name: (share(m[name], pages), f"{m[name]}/{pages}") for name in EXACT_FIELDS}
        for name in ("date_minute", "date_day"):
            figures[name] = (share(m[name], self.dated), f"{m[name]}/{self.dated}")
        figures["wrong_dates"] = (
            share(self.wrong_dates, self.undated),
            f"{self.wrong_dates}/{self.undated}",
        )
        figures["captions_f1"] = (
            micro_f1(self.caption_hits, self.captions_given, self.captions_expected),
            f"{self.caption_hits}/{self.captions_given}/{self.captions_expected}",
        )
        figures["body_f1"] = (share(self.body_f1_sum, pages), f"n={pages}")
        figures["body_f1_good"] = (share(m["body_good"], pages), f"{m['body_good']}/{pages}")
        return figures


Group = dict[str, Tally]  # extractor name -> its tally


def score(
    pages: list[Page], results: dict[str, list[Record | None]]
) -> tuple[dict[str, Group], Group]:
    """(tallies per template, in folder order; overall tallies), per extractor.

    Every page is added to its template's tally and to the overall one, so that overall
    figures are over pages, not averages of templates.
    """
    templates: dict[str, Group] = {}
    overall = {who: Tally() for who in results}
    for index, page in enumerate(pages):
        group = templates.setdefault(page.template, {who: Tally() for who in results})
        for who, records in results.items():
            for tally in (group[who], overall[who]):
                tally.add(records[index], page.truth)
    return templates, overall


# -- report -------------------------------------------------------------------------------

#: (label, figure name) rows of a table.
ROWS = [
    ("title exact", "title"),
    ("lead exact", "lead"),
    ("author exact", "author"),
    ("date, same minute", "date_minute"),
    ("date, same day", "date_day"),
    ("wrong dates (truth null)", "wrong_dates"),
    ("captions F1 (micro)", "captions_f1"),
    ("body token-F1 mean", "body_f1"),
    (f"body token-F1 >= {GOOD_BODY_F1}", "body_f1_good"),
]
LABEL_WIDTH, COLUMN_WIDTH = 28, 22


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cell(who: str, tally: Tally, name: str) -> str:
    if name in NOT_APPLICABLE.get(who, ()):
        return "n/a"
    if name == "not_articles":
        return str(tally.not_articles)
    if name.startswith("missed_"):
        return str(tally.missed[name.removeprefix("missed_")])
    value, counts = tally.figures()[name]
    return f"{fmt(value)} ({counts})"


def line(label: str, cells: list[str]) -> str:
    return f"  {label:<{LABEL_WIDTH}}{''.join(c.ljust(COLUMN_WIDTH) for c in cells)}".rstrip()


def table(title: str, group: Group) -> str:
    """A fixed-width table: one row per figure, one column per extractor."""
    rows = [*ROWS, ("not an article (None)", "not_articles")]
    rows += [(f"missed {name}", f"missed_{name}") for name in MISSABLE_FIELDS]
    lines = [title, line("field", list(group))]
    for label, name in rows:
        lines.append(line(label, [cell(who, tally, name) for who, tally in group.items()]))
    return "\n".join(lines)


def summary(pages: int, templates: int, overall: Group) -> str:
    """The one-line summary that later issues read."""
    mine = {name: value for name, (value, _) in overall[OURS].figures().items()}
    theirs = {name: value for name, (value, _) in overall[THEIRS].figures().items()}
    return (
        f"QUALITY pages={pages} templates={templates} title={fmt(mine['title'])} "
        f"date_minute={fmt(mine['date_minute'])} author={fmt(mine['author'])} "
        f"captions_f1={fmt(mine['captions_f1'])} body_f1={fmt(mine['body_f1'])} "
        f"| trafilatura title={fmt(theirs['title'])} date_day={fmt(theirs['date_day'])} "
        f"author={fmt(theirs['author'])} body_f1={fmt(theirs['body_f1'])}"
    )


def details(templates: dict[str, Group]) -> str:
    """Our failing pages per template and figure: where to look first."""
    lines = ["our misses (page ids):"]
    for template, group in templates.items():
        for name, ids in sorted(group[OURS].failures.items()):
            lines.append(f"  {template} {name}: {' '.join(ids)}")
    return "\n".join(lines) if len(lines) > 1 else f"{lines[0]} none"


def as_json(group: Group) -> dict[str, Any]:
    """Per extractor: the figures (null where not applicable) and the counts behind them."""
    out = {}
    for who, tally in group.items():
        skipped = NOT_APPLICABLE.get(who, frozenset())
        figures = {n: (None if n in skipped else v) for n, (v, _) in tally.figures().items()}
        counts = {k: v for k, v in vars(tally).items() if isinstance(v, int | float)}
        counts["matches"] = {k: v for k, v in tally.matches.items() if k not in skipped}
        missed = {k: tally.missed[k] for k in MISSABLE_FIELDS if f"missed_{k}" not in skipped}
        out[who] = {"figures": figures, "counts": counts, "missed": missed}
    return out


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--json", action="store_true", help="print the figures as JSON")
    options.add_argument("--details", action="store_true", help="list our failing page ids")
    options.add_argument("--rounds", type=int, default=3, help="timed rounds per extractor")
    args = options.parse_args()
    logging.disable(logging.WARNING)  # trafilatura and dateparser chatter about odd pages

    pages = load_corpus()
    if not pages:
        sys.exit("no expected article page found under crawler/replicas/")
    our_results, our_rate = run_timed(ours, pages, args.rounds)
    their_results, their_rate = run_timed(trafilatura_record, pages, args.rounds)
    templates, overall = score(pages, {OURS: our_results, THEIRS: their_results})
    cms = {page.template: page.cms for page in pages}
    speed = {"ours_pages_per_s": our_rate, "trafilatura_pages_per_s": their_rate}
    speed["ratio"] = our_rate / their_rate if their_rate else None

    if args.json:
        report = {
            "pages": len(pages),
            "templates": {
                name: {"cms": cms[name], "pages": group[OURS].pages, **as_json(group)}
                for name, group in templates.items()
            },
            "overall": as_json(overall),
            "speed": {**speed, "rounds": args.rounds, "parse_only": True},
            "notes": {"trafilatura_date": "day precision only: scored at day level"},
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for name, group in templates.items():
        print(table(f"{name} (cms {cms[name]}): {group[OURS].pages} pages", group), end="\n\n")
    print(table(f"overall: {len(pages)} pages, {len(templates)} templates", overall))
    print("  trafilatura gives a day and no time: its dates are scored at day level only.\n")
    if args.details:
        print(details(templates), end="\n\n")
    print(
        f"speed (parse only, {len(pages)} pages in memory, {args.rounds} rounds): "
        f"ours {our_rate:.0f} pages/s, trafilatura {their_rate:.0f} pages/s, "
        f"ratio {speed['ratio']:.2f}x"
    )
    print(summary(len(pages), len(templates), overall))


if __name__ == "__main__":
    main()
