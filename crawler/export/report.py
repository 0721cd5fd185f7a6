"""What an export says about itself: counts, the manifest, summary.md and the chart.

The counts are gathered while the second pass writes, one record at a time, so they
describe exactly the records in the data file. The summary is what an analyst reads
first: per site how many articles, over which dates, and how complete their fields are;
the chart, a heatmap of articles per month per site, shows at a glance which sites
publish how much, and where a site went quiet (a grey gap in its row is more often a
broken crawl than a quiet newsroom).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"
CHART_NAME = "articles_per_month.png"
#: Cells of the heatmap that still get their count written in them.
ANNOTATE_CELLS = 400
#: Colour of a month without articles: light grey, so that gaps stand out from low counts.
NO_ARTICLES = "#e6e6e6"


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
    by_site_month: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, record: dict[str, Any], published: int | None, day: str | None) -> None:
        site = record["site"]
        self.sites.setdefault(site, SiteStats()).add(record, published)
        month = day[:7] if day else UNKNOWN
        self.by_month[month] += 1
        self.by_province_month[(self.province(site), month)] += 1
        self.by_site_month[(site, month)] += 1

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
        "## Articles per month per site",
        "",
        chart_note or f"![Articles per month per site]({CHART_NAME})",
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
    """Draw the heatmap to path; None when drawn, else the sentence summary.md says instead.

    One row per site (labelled by its key, and its province when it has one), one column
    per month from the first dated article to the last; a month without articles is
    grey, so a gap is not mistaken for a low count.
    """
    try:
        from matplotlib import colormaps
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return (
            "Chart skipped: matplotlib is not installed. "
            "`pip install 'tinkhac[charts]'` and export again to get it."
        )
    grid = _grid(stats)
    if grid is None:
        return "Chart skipped: no exported article has a publication date."
    sites, months, counts = grid
    width = min(24.0, max(7.0, 3.0 + 0.16 * len(months)))
    figure = Figure(figsize=(width, 1.6 + 0.32 * len(sites)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor(NO_ARTICLES)
    cells = [[count or float("nan") for count in row] for row in counts]  # nan: grey
    image = axes.imshow(
        cells, aspect="auto", interpolation="nearest", cmap=colormaps["YlGnBu"], vmin=0
    )
    axes.set_yticks(range(len(sites)), [_label(stats, site) for site in sites], fontsize="small")
    ticks = _month_ticks(months)
    axes.set_xticks([i for i, _ in ticks], [text for _, text in ticks], fontsize="small")
    monthly = len(ticks) == len(months)  # labels like 2026-03, which need turning
    axes.tick_params(axis="x", labelrotation=90 if monthly and len(months) > 6 else 0)
    axes.set_xticks([i - 0.5 for i in range(1, len(months))], minor=True)
    axes.set_yticks([i - 0.5 for i in range(1, len(sites))], minor=True)
    axes.grid(which="minor", color="white", linewidth=0.6)
    axes.tick_params(which="minor", length=0)
    if len(sites) * len(months) <= ANNOTATE_CELLS:
        peak = max(max(row) for row in counts)
        for y, row in enumerate(counts):
            for x, count in enumerate(row):
                if count:
                    colour = "white" if count > peak * 0.6 else "black"
                    axes.text(x, y, str(count), ha="center", va="center", fontsize=7, color=colour)
    axes.set_title(
        "Articles per month per site (by published_at); grey: no article that month",
        fontsize="medium",
    )
    bar = figure.colorbar(image, ax=axes, label="articles", shrink=0.8, pad=0.01)
    bar.locator = MaxNLocator(integer=True)  # whole articles, not 0.5 steps
    bar.update_ticks()
    figure.savefig(path, format="png", dpi=100)
    return None


def _grid(stats: Stats) -> tuple[list[str], list[date], list[list[int]]] | None:
    """(sites by province then key, every month first to last, counts per site and month)."""
    dated = {(site, month): n for (site, month), n in stats.by_site_month.items()}
    dated = {k: n for k, n in dated.items() if k[1] != UNKNOWN}
    if not dated:
        return None
    firsts = [date.fromisoformat(f"{month}-01") for _, month in dated]
    months = _months(min(firsts), max(firsts))
    sites = sorted({site for site, _ in dated}, key=lambda s: (stats.provinces.get(s) or "~", s))
    counts = [[dated.get((site, m.isoformat()[:7]), 0) for m in months] for site in sites]
    return sites, months, counts


def _label(stats: Stats, site: str) -> str:
    province = stats.provinces.get(site)
    return f"{site} ({province})" if province else site


def _month_ticks(months: list[date]) -> list[tuple[int, str]]:
    """Every month when there are few, else each January (and the first month)."""
    if len(months) <= 24:
        return [(i, m.strftime("%Y-%m")) for i, m in enumerate(months)]
    return [(i, str(m.year)) for i, m in enumerate(months) if m.month == 1 or i == 0]


def _months(month: date, last: date) -> list[date]:
    """Every month from the first to the last, so a silent month shows as a gap."""
    months = []
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months
