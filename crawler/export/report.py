"""What an export says about itself: counts, the manifest, summary.md and the chart.

The counts are gathered while the second pass writes, one record at a time, so they
describe exactly the records in the data file. The summary is what an analyst reads
first: per site how many articles, over which dates, and how complete their fields are;
the chart shows at a glance which provinces publish how much, and where a site went
quiet (a gap in its line is more often a broken crawl than a quiet newsroom).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"
CHART_NAME = "articles_per_month.png"
#: Provinces drawn one line each; the rest are summed into one line so the chart stays legible.
CHART_PROVINCES = 10


@dataclass
class SiteStats:
    """Counts of one site's exported articles."""

    articles: int = 0
    with_author: int = 0
    with_date: int = 0
    with_captions: int = 0
    first: tuple[int, str] | None = None
    last: tuple[int, str] | None = None

    def add(self, record: dict[str, Any], published: int | None) -> None:
        self.articles += 1
        self.with_author += bool(record["author"])
        self.with_captions += bool(record["captions"])
        if published is not None:
            self.with_date += 1
            dated = (published, record["published_at"])
            self.first = min(self.first or dated, dated)
            self.last = max(self.last or dated, dated)


@dataclass
class Stats:
    """Counts of the exported records, by site, month and province."""

    provinces: dict[str, str | None]
    sites: dict[str, SiteStats] = field(default_factory=dict)
    by_month: Counter[str] = field(default_factory=Counter)
    by_province_month: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, record: dict[str, Any], published: int | None, day: str | None) -> None:
        site = record["site"]
        self.sites.setdefault(site, SiteStats()).add(record, published)
        month = day[:7] if day else UNKNOWN
        self.by_month[month] += 1
        self.by_province_month[(self.province(site), month)] += 1

    def province(self, site: str) -> str:
        return self.provinces.get(site) or UNKNOWN

    @property
    def total(self) -> int:
        return sum(s.articles for s in self.sites.values())

    def date_range(self) -> dict[str, str | None]:
        firsts = [s.first for s in self.sites.values() if s.first]
        lasts = [s.last for s in self.sites.values() if s.last]
        return {
            "published_from": min(firsts)[1] if firsts else None,
            "published_until": max(lasts)[1] if lasts else None,
        }

    def counts(self) -> dict[str, dict[str, int]]:
        by_province: Counter[str] = Counter()
        for (province, _), number in self.by_province_month.items():
            by_province[province] += number
        return {
            "by_site": {site: s.articles for site, s in sorted(self.sites.items())},
            "by_month": dict(sorted(self.by_month.items())),
            "by_province": dict(sorted(by_province.items())),
        }


def summary_markdown(stats: Stats, facts: dict[str, Any], chart_note: str | None) -> str:
    """summary.md: the chart (or why it is missing), then the per-site table."""
    lines = [
        "# tinkhac export",
        "",
        f"{stats.total} articles from {len(facts['sources'])} run files, generated "
        f"{facts['generated_at']}; filters: {_filters(facts['filters'])}.",
        f"Malformed lines skipped: {facts['malformed_lines']}. "
        f"Articles without a publication date: {stats.by_month.get(UNKNOWN, 0)}.",
        "",
        "## Articles per month per province",
        "",
        chart_note or f"![Articles per month per province]({CHART_NAME})",
        "",
        "## Sites",
        "",
        "| site | province | articles | published from | published until "
        "| with author | with date | with captions |",
        "| --- | --- | ---: | --- | --- | ---: | ---: | ---: |",
    ]
    for site, s in sorted(stats.sites.items()):
        lines.append(
            f"| {site} | {stats.province(site)} | {s.articles} | {_day(s.first)} | "
            f"{_day(s.last)} | {_share(s.with_author, s.articles)} | "
            f"{_share(s.with_date, s.articles)} | {_share(s.with_captions, s.articles)} |"
        )
    return "\n".join(lines) + "\n"


def _filters(filters: dict[str, Any]) -> str:
    chosen = [f"{name} {value}" for name, value in filters.items() if value]
    return ", ".join(chosen) or "none"


def _day(dated: tuple[int, str] | None) -> str:
    return dated[1][:10] if dated else "-"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def write_chart(stats: Stats, path: Path) -> str | None:
    """Draw the chart to path; None when drawn, else the sentence summary.md says instead."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return (
            "Chart skipped: matplotlib is not installed. "
            "`pip install 'tinkhac[charts]'` and export again to get it."
        )
    series = _series(stats)
    if not series:
        return "Chart skipped: no exported article has a publication date."
    figure = Figure(figsize=(11, 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    months = _months(series)
    for province, counts in series.items():
        axes.plot(months, [counts.get(m, 0) for m in months], marker=".", label=province)
    axes.set_title("Articles per month per province (by published_at)")
    axes.set_ylabel("articles")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    axes.grid(alpha=0.3)
    figure.savefig(path, format="png", dpi=100)
    return None


def _series(stats: Stats) -> dict[str, dict[date, int]]:
    """Per province (the largest ones, then the rest as one), articles per dated month."""
    totals: Counter[str] = Counter()
    for (province, month), number in stats.by_province_month.items():
        if month != UNKNOWN:
            totals[province] += number
    named = {p for p, _ in totals.most_common(CHART_PROVINCES)}
    others = f"{len(totals) - len(named)} other provinces"
    series: dict[str, dict[date, int]] = {}
    for (province, month), number in sorted(stats.by_province_month.items()):
        if month == UNKNOWN:
            continue
        label = province if province in named else others
        first_day = date.fromisoformat(f"{month}-01")
        counts = series.setdefault(label, {})
        counts[first_day] = counts.get(first_day, 0) + number
    # The legend lists the largest province first and the summed rest last.
    return dict(sorted(series.items(), key=lambda s: (s[0] == others, -sum(s[1].values()))))


def _months(series: dict[str, dict[date, int]]) -> list[date]:
    """Every month from the first to the last dated one, so a silent month shows as zero."""
    dated = [m for counts in series.values() for m in counts]
    month, last = min(dated), max(dated)
    months = []
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
