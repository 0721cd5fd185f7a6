"""The README's coverage table (province → sites), made from the registry.

``python -m crawler.coverage`` prints it; ``tests/test_coverage.py`` checks that the
README holds exactly this table, as Fundus checks its table of publishers.
"""

from __future__ import annotations

from crawler.registry import Site, fold, load_sites

START = "<!-- coverage:start (python -m crawler.coverage) -->"
END = "<!-- coverage:end -->"


def _cell(sites: list[Site]) -> str:
    parts = []
    for site in sorted(sites, key=lambda s: s.key):
        text = f"`{site.key}`"
        if site.province_before:
            text += f" ({site.province_before})"
        if site.confidence != "seen":
            text += f" *{site.confidence}*"
        parts.append(text)
    return ", ".join(parts) or "-"


def coverage_markdown(sites: dict[str, Site] | None = None) -> str:
    """The table, between its markers: one row per post-2025 province."""
    sites = load_sites() if sites is None else sites
    by_province: dict[str, list[Site]] = {}
    for site in sites.values():
        by_province.setdefault(site.province or "-", []).append(site)
    active = sum(s.active for s in sites.values())
    lines = [
        START,
        f"{len(sites)} sites ({active} active, {len(sites) - active} archived) "
        f"in {len(by_province)} provinces.",
        "",
        "| province | active sites | archived sites |",
        "| --- | --- | --- |",
    ]
    for province in sorted(by_province, key=fold):
        group = by_province[province]
        lines.append(
            f"| {province} | {_cell([s for s in group if s.active])} "
            f"| {_cell([s for s in group if not s.active])} |"
        )
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    print(coverage_markdown())
