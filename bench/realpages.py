"""Real pages of the open web: tinkhac and trafilatura, field by field, against public truth.

    python bench/realpages.py [--json] [--details] [--limit N] [--corpus DIR]
                              [--half dev|held-out]

Not part of the test suite: it measures, it does not judge. The corpus (``pages/*.html.gz``
and ``truth.jsonl``, built by ``bench/realpages_build.py``, sources in
``bench/realpages/SOURCES.md``) is looked for in ``--corpus``, ``$TINKHAC_REALPAGES``,
``bench/realpages/data``, then ``shared/realpages`` beside the repository.

tinkhac reads each page as ``tinkhac parse URL`` would: the site the URL belongs to (an ad
hoc entry, so the generic profile, for a URL of no known site), the CMS family its HTML
shows, the page decoded as the crawler decodes a response, ``ArticleParser(...).record()``,
then the normalising pipeline. trafilatura runs ``bare_extraction`` on the same bytes with
its defaults (metadata on). Each figure counts only the pages whose truth holds the field:

- title: exact after white space and NFC normalisation (:func:`crawler.text.clean`).
- date, same day: the same calendar day (in the truth's zone when both have one); same
  minute: only over truth with a time of day (trafilatura gives days: n/a); "records
  only": the same day over the pages the extractor gave a record for (a page refused as
  no article, a forum thread or a Q&A, misses every field of the first figure).
- author: exact-ish: names split on , ; & "and" (and other languages' "and"), a leading
  "by"/"von"/"par" dropped, NFC, case-folded, compared as sets.
- body token-F1: bag-of-words F1 (white-space split, NFC, case-folded) of the main text
  against the truth's body; ours is the lead and the body (trafilatura's text holds both).
- snippets: trafilatura's own measure on its evaluation pages: text the main content must
  hold (``with``) and must not (``without``), found or not in the main text; F1 of those.
  "records only" is the same mean over the pages the extractor gave a record for.
- records given: pages where the extractor returned a record at all (a page not taken for
  an article misses every field).

The last line sums it up::

    REALPAGES pages=… tinkhac title=… date=… author=… body_f1=… records=…
    | trafilatura title=… date=… author=… body_f1=… records=…

(``date`` is same-day; shares over the pages with that truth; records as given/pages).

``--half`` scores one half of the corpus, split by a hash of the page id: tune on ``dev``,
and check on ``held-out`` that a change is not fitted to the pages it was tuned on.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from bench.quality import same_day, same_minute, token_f1  # noqa: E402
from crawler.cli import site_for_url  # noqa: E402
from crawler.decoding import readable_html  # noqa: E402
from crawler.families import detect  # noqa: E402
from crawler.parsing.article import ArticleParser  # noqa: E402
from crawler.registry import Site, load_sites  # noqa: E402
from crawler.text import clean  # noqa: E402
from pipelines.normalize import NormalizePipeline  # noqa: E402

REQUIRED = ("id", "source", "url", "lang", "title", "author", "published_at", "body", "snippets")
REQUIRED += ("from_markup",)  # the fields read from the page's own markup, not the dataset
TINKHAC, TRAFILATURA = "tinkhac", "trafilatura"
Record = dict[str, Any]


# -- the corpus -------------------------------------------------------------------------


@dataclass
class Page:
    truth: Record
    html: bytes
    site: Site | None = None  # resolved once, outside the timed parse

    @property
    def id(self) -> str:
        return self.truth["id"]

    @property
    def url(self) -> str:
        return self.truth["url"]


def corpus_dir(given: str | Path | None = None) -> Path | None:
    """The first folder that holds a corpus, in the order the module docstring gives."""
    candidates = [given, os.environ.get("TINKHAC_REALPAGES")]
    candidates += [ROOT / "bench" / "realpages" / "data", ROOT.parent / "shared" / "realpages"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "truth.jsonl").is_file():
            return Path(candidate)
    return None


def load_truth(folder: Path) -> list[Record]:
    lines = (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


HALVES = ("dev", "held-out")


def half_of(page_id: str) -> str:
    """The half a page belongs to: fixed by its id, so every run splits alike."""
    return HALVES[int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 2]


def load_pages(folder: Path, limit: int | None = None) -> list[Page]:
    """The corpus pages, in truth order (the first ``limit`` only when given)."""
    truths = load_truth(folder)[:limit] if limit else load_truth(folder)
    return [
        Page(t, gzip.decompress((folder / "pages" / f"{t['id']}.html.gz").read_bytes()))
        for t in truths
    ]


def site_of(url: str) -> Site:
    """The site ``tinkhac parse URL`` (no --sites) reads ``url`` as."""
    key, sites_file = site_for_url(url, None)
    try:
        return load_sites(sites_file)[key]
    finally:
        if key == "adhoc" and sites_file:
            shutil.rmtree(Path(sites_file).parent, ignore_errors=True)


# -- the two extractors ------------------------------------------------------------------

_normalize = NormalizePipeline()


def tinkhac_record(page: Page) -> Record | None:
    """Our record of the page, as the spider of ``tinkhac parse URL`` makes it."""
    site = page.site or site_of(page.url)
    response, _ = readable_html(HtmlResponse(page.url, body=page.html))
    if response is None:
        return None
    profile = site.profile(detect(response.text))
    record = ArticleParser(
        response.url, response.selector, profile, site.key, site.allowed_domains
    ).record()
    return None if record is None else _normalize.process_item(record)


def trafilatura_record(page: Page) -> Record | None:
    """trafilatura's extraction with its defaults, on our field names."""
    import trafilatura

    result = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if result is None:
        return None
    found = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    return {
        "title": found.get("title"),
        "author": found.get("author"),
        "published_at": found.get("date"),
        "lead": None,
        "body": found.get("text"),
    }


def have_trafilatura() -> bool:
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


def run_timed(
    extract: Callable[[Page], Record | None], pages: list[Page]
) -> tuple[list[Record | None], float]:
    """(one result per page; pages per second, parse only: the bytes are in memory)."""
    results = []
    started = time.perf_counter()
    for page in pages:
        try:
            results.append(extract(page))
        except Exception as exc:  # a crash is a page without a record, not the end of a run
            logging.getLogger(__name__).error("%s on %s: %r", extract.__name__, page.id, exc)
            results.append(None)
    elapsed = time.perf_counter() - started
    return results, (len(pages) / elapsed if elapsed else float("nan"))


# -- metrics ------------------------------------------------------------------------------

AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&|/]|\band\b|\bund\b|\bet\b|\by\b|\bvà\b|\be\b)\s*", re.I)
AUTHOR_PREFIX = re.compile(r"^(?:by|von|par|por|di|của|theo)\s+", re.I)


def author_names(value: str | None) -> frozenset[str]:
    """The set of names an author string gives, normalised for an exact-ish comparison."""
    text = unicodedata.normalize("NFC", clean(value) or "").casefold()
    names = set()
    for part in AUTHOR_SPLIT.split(text):
        name = AUTHOR_PREFIX.sub("", part.strip(" .:-–—()\"'")).strip(" .")
        if name:
            names.add(name)
    return frozenset(names)


def same_author(predicted: str | None, truth: str | None) -> bool:
    return bool(author_names(truth)) and author_names(predicted) == author_names(truth)


def has_time(value: str) -> bool:
    return "T" in value or " " in value.strip()


def folded(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def main_text(record: Record) -> str:
    return "\n\n".join(part for part in (record.get("lead"), record.get("body")) if part)


@dataclass
class Tally:
    """Counts of one extractor over a set of pages."""

    pages: int = 0
    records: int = 0
    body_f1_sum: float = 0.0
    body_f1_given_sum: float = 0.0  # over the pages with a record only
    body_given: int = 0
    # figure -> [hits, pages whose truth has the field]
    counts: dict[str, list[int]] = field(default_factory=dict)
    snippet_counts: Counter[str] = field(default_factory=Counter)  # tp, fn, fp, tn
    failures: dict[str, list[str]] = field(default_factory=dict)

    def _note(self, name: str, hit: bool, page_id: str) -> None:
        pair = self.counts.setdefault(name, [0, 0])
        pair[0] += hit
        pair[1] += 1
        if not hit:
            self.failures.setdefault(name, []).append(page_id)

    def add(self, record: Record | None, truth: Record) -> None:
        got = record or {}
        page_id = truth["id"]
        self.pages += 1
        self.records += record is not None
        if truth.get("title"):
            self._note("title", matches("title", got.get("title"), truth["title"]), page_id)
        if truth.get("published_at"):
            given, expected = got.get("published_at"), truth["published_at"]
            self._note("date_day", same_day(given, expected), page_id)
            if record is not None:
                self._note("date_day_given", same_day(given, expected), page_id)
            if has_time(expected):
                self._note("date_minute", same_minute(given, expected), page_id)
        if truth.get("author"):
            self._note("author", same_author(got.get("author"), truth["author"]), page_id)
        if truth.get("body"):
            f1 = token_f1(main_text(got), truth["body"])
            self.body_f1_sum += f1
            if record is not None:
                self.body_f1_given_sum += f1
                self.body_given += 1
            self._note("body_good", f1 >= 0.9, page_id)
        if truth.get("snippets"):
            text = folded(main_text(got))
            for snippet in truth["snippets"].get("with", []):
                self.snippet_counts["tp" if folded(snippet) in text else "fn"] += 1
            for snippet in truth["snippets"].get("without", []):
                self.snippet_counts["fp" if folded(snippet) in text else "tn"] += 1

    def share(self, name: str) -> tuple[float | None, str]:
        hits, total = self.counts.get(name, [0, 0])
        return (hits / total if total else None), f"{hits}/{total}"

    def figures(self) -> dict[str, tuple[float | None, str]]:
        names = ("title", "date_day", "date_day_given", "date_minute", "author")
        figures = {n: self.share(n) for n in names}
        bodies = self.counts.get("body_good", [0, 0])[1]
        figures["body_f1"] = (self.body_f1_sum / bodies if bodies else None, f"n={bodies}")
        figures["body_f1_given"] = (
            self.body_f1_given_sum / self.body_given if self.body_given else None,
            f"n={self.body_given}",
        )
        figures["body_good"] = self.share("body_good")
        c = self.snippet_counts
        denominator = 2 * c["tp"] + c["fn"] + c["fp"]
        figures["snippets_f1"] = (
            2 * c["tp"] / denominator if denominator else None,
            f"tp={c['tp']} fn={c['fn']} fp={c['fp']}",
        )
        figures["records"] = (
            self.records / self.pages if self.pages else None,
            f"{self.records}/{self.pages}",
        )
        return figures


Group = dict[str, Tally]


def score(
    pages: list[Page], results: dict[str, list[Record | None]]
) -> tuple[dict[str, Group], Group]:
    """(tallies per source; overall tallies), per extractor."""
    sources: dict[str, Group] = {}
    overall = {who: Tally() for who in results}
    for index, page in enumerate(pages):
        group = sources.setdefault(page.truth["source"], {who: Tally() for who in results})
        for who, records in results.items():
            for tally in (group[who], overall[who]):
                tally.add(records[index], page.truth)
    return sources, overall


# -- report -------------------------------------------------------------------------------

ROWS = [
    ("title exact", "title"),
    ("date, same day", "date_day"),
    ("date, records only", "date_day_given"),
    ("date, same minute", "date_minute"),
    ("author exact-ish", "author"),
    ("body token-F1 mean", "body_f1"),
    ("body F1, records only", "body_f1_given"),
    ("body token-F1 >= 0.9", "body_good"),
    ("snippets F1", "snippets_f1"),
    ("records given", "records"),
]
NOT_APPLICABLE = {TRAFILATURA: {"date_minute"}}  # it gives days only


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table(title: str, group: Group) -> str:
    lines = [title, f"  {'field':<24}" + "".join(f"{who:<30}" for who in group).rstrip()]
    for label, name in ROWS:
        cells = []
        for who, tally in group.items():
            value, counts = tally.figures()[name]
            if name in NOT_APPLICABLE.get(who, ()) or value is None:
                cells.append("n/a")
            else:
                cells.append(f"{fmt(value)} ({counts})")
        lines.append(f"  {label:<24}" + "".join(f"{c:<30}" for c in cells).rstrip())
    return "\n".join(lines)


def summary(pages: int, overall: Group) -> str:
    parts = [f"REALPAGES pages={pages}"]
    for who, tally in overall.items():
        f = {name: value for name, (value, _) in tally.figures().items()}
        parts.append(
            f"{who} title={fmt(f['title'])} date={fmt(f['date_day'])} "
            f"author={fmt(f['author'])} body_f1={fmt(f['body_f1'])} "
            f"records={tally.records}/{tally.pages}"
        )
    return " ".join(parts[:2]) + "".join(f" | {p}" for p in parts[2:])


def matches(name: str, given: str | None, expected: str) -> bool:
    """Whether a title, date (to the day) or author given matches the truth's."""
    if name == "title":
        return clean(given) == clean(expected)
    if name == "date":
        return same_day(given, expected)
    return same_author(given, expected)


def details(pages: list[Page], results: dict[str, list[Record | None]]) -> Iterable[str]:
    """Our misses, page by page: what the truth says and what each extractor gave."""
    yield "tinkhac misses (page: field truth | tinkhac | trafilatura):"
    for index, page in enumerate(pages):
        truth = page.truth
        got = {who: records[index] or {} for who, records in results.items()}
        ours = got[TINKHAC]
        for name, key in (("title", "title"), ("date", "published_at"), ("author", "author")):
            expected = truth.get(key)
            if expected and not matches(name, ours.get(key), expected):
                others = " | ".join(repr(got[w].get(key)) for w in got)
                yield f"  {page.id} {name}: {expected!r} | {others}"
        if truth.get("body"):
            f1s = " ".join(f"{w}={token_f1(main_text(got[w]), truth['body']):.2f}" for w in got)
            if token_f1(main_text(ours), truth["body"]) < 0.9:
                yield f"  {page.id} body: {f1s}  {page.url}"
        if results[TINKHAC][index] is None:
            yield f"  {page.id} no record  {page.url}"


def as_json(group: Group) -> dict[str, Any]:
    return {
        who: {name: {"value": v, "counts": c} for name, (v, c) in tally.figures().items()}
        for who, tally in group.items()
    }


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--json", action="store_true", help="print the figures as JSON")
    options.add_argument("--details", action="store_true", help="list tinkhac's misses")
    options.add_argument("--limit", type=int, help="score the first N pages only")
    options.add_argument("--half", choices=HALVES, help="score one half of the corpus only")
    options.add_argument("--corpus", help="the corpus folder (truth.jsonl, pages/)")
    options.add_argument("--no-trafilatura", action="store_true", help="score tinkhac only")
    args = options.parse_args()
    logging.disable(logging.WARNING)  # trafilatura and dateparser chatter about odd pages

    folder = corpus_dir(args.corpus)
    if folder is None:
        sys.exit("no real-pages corpus found: run python bench/realpages_build.py first")
    pages = load_pages(folder, args.limit)
    if args.half:
        pages = [page for page in pages if half_of(page.id) == args.half]
    for page in pages:
        page.site = site_of(page.url)
    extractors: dict[str, Callable[[Page], Record | None]] = {TINKHAC: tinkhac_record}
    if not args.no_trafilatura:
        if not have_trafilatura():
            sys.exit("no trafilatura: pip install -e '.[bench]', or --no-trafilatura")
        extractors[TRAFILATURA] = trafilatura_record
    results, speed = {}, {}
    for who, extract in extractors.items():
        results[who], speed[who] = run_timed(extract, pages)
    sources, overall = score(pages, results)

    if args.json:
        report = {
            "corpus": str(folder),
            "pages": len(pages),
            "sources": {name: as_json(group) for name, group in sources.items()},
            "overall": as_json(overall),
            "pages_per_s": speed,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for name, group in sources.items():
        print(table(f"{name}: {next(iter(group.values())).pages} pages", group), end="\n\n")
    print(table(f"overall: {len(pages)} pages, {len(sources)} sources", overall))
    print("  trafilatura gives a day and no time: n/a at minute level.\n")
    if args.details:
        print("\n".join(details(pages, results)), end="\n\n")
    rates = ", ".join(f"{who} {rate:.1f} pages/s" for who, rate in speed.items())
    print(f"speed (parse only, {len(pages)} pages in memory, one round): {rates}")
    print(summary(len(pages), overall))


if __name__ == "__main__":
    main()
