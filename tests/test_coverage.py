"""The README's coverage table is the registry's, so the documentation cannot drift."""

from __future__ import annotations

from pathlib import Path

from crawler.coverage import END, START, coverage_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_coverage_table_matches_the_registry():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README lacks the coverage table markers"
    shown = text[text.index(START) : text.index(END) + len(END)]
    assert shown == coverage_markdown(), (
        "the README's coverage table differs from crawler/sites.toml; "
        "paste the output of `python -m crawler.coverage` between the markers"
    )
