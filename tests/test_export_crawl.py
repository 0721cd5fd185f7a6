"""End to end: a real crawl of the replicas, then `tinkhac export` of its output."""

from __future__ import annotations

import csv
import json

from conftest import run_tinkhac

from crawler.replica_server import load_replicas


def test_export_of_a_real_crawl(tmp_path):
    crawl = run_tinkhac("demo", "--output", str(tmp_path / "output"))
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    expected = sum(len(r.expected()) for r in load_replicas())
    out = tmp_path / "dataset"
    export = run_tinkhac(
        "export", "--out", str(out), "--output-dir", str(tmp_path / "output"), "--format", "csv"
    )
    assert export.returncode == 0, export.stderr[-2000:]
    with next(out.glob("*.csv")).open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == expected
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sum(manifest["counts"]["by_site"].values()) == expected
