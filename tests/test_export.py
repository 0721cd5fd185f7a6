"""``tinkhac export``: run files merged into one dataset an analyst can load at once.

The output folder built here has what real ones have: an article written again by a
later run (updated, or unchanged), the same id on two sites, a killed run's ``.part``
with a garbage line, a line missing fields and a truncated last line.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from conftest import run_tinkhac

from crawler.export import ExportError, add_arguments, export, run

SITES_TOML = """
[sites.alpha]
name = "Đảng bộ tỉnh Alpha"
province = "Tỉnh Một"
start_urls = ["https://alpha.example.vn/"]

[sites.beta]
name = "Ban Tuyên giáo Beta"
province = "Tỉnh Một"
start_urls = ["https://beta.example.vn/"]

[sites.gamma]
name = "Đảng bộ tỉnh Gamma"
province = "Tỉnh Hai"
start_urls = ["https://gamma.example.vn/"]
"""
JAN, FEB, MAR = (
    "2026-01-01T00:00:00+00:00",
    "2026-02-01T00:00:00+00:00",
    "2026-03-01T00:00:00+00:00",
)
UPDATED_TITLE = "Hội nghị Ban Chấp hành lần thứ nhất (cập nhật)"
#: (site, id) of every well-formed article, in the order an export must give them.
EXPECTED_ORDER = [
    ("alpha", "a1"), ("alpha", "a2"), ("alpha", "a4"), ("alpha", "a3"),
    ("beta", "b1"), ("beta", "b2"),
    ("gamma", "g1"), ("gamma", "a1"),
]  # fmt: skip
MALFORMED = [
    "alpha/20260301T000000Z.jsonl.part:2",
    "alpha/20260301T000000Z.jsonl.part:3",
    "alpha/20260301T000000Z.jsonl.part:4",
]


def record(site: str, id_: str, published: str | None, fetched: str, **fields) -> dict:
    base = {
        "id": id_, "url": f"https://{site}.example.vn/tin-tuc/{id_}.html", "site": site,
        "title": f"Bài {id_} của {site}", "lead": "Sáng nay, tại Hội trường Tỉnh ủy…",
        "body": "Đoạn một.\n\nĐoạn hai, có dấu phẩy, và \"ngoặc kép\".", "captions": [],
        "images": [{"url": f"https://{site}.example.vn/i/{id_}.jpg", "caption": None}],
        "author": None, "source": None, "published_at": published, "updated_at": None,
        "category": "Thời sự", "tags": ["Đại hội", "Tỉnh ủy"],
        "related_urls": [f"https://{site}.example.vn/tin-tuc/x.html"], "fetched_at": fetched,
    }  # fmt: skip
    return {**base, **fields}


def lines(*records: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@pytest.fixture
def crawls(tmp_path: Path) -> Path:
    """An output folder of three sites and five runs, as crawls leave it."""
    out = tmp_path / "output"
    for site in ("alpha", "beta", "gamma"):
        (out / site).mkdir(parents=True)
    a1 = record("alpha", "a1", "2026-01-05T08:00:00+07:00", JAN, title="Hội nghị lần thứ nhất")
    a2 = record("alpha", "a2", "2026-02-10T09:00:00+07:00", JAN, author="Minh Anh")
    a3 = record("alpha", "a3", None, JAN)
    (out / "alpha" / "20260101T000000Z.jsonl").write_text(lines(a1, a2, a3), encoding="utf-8")
    (out / "alpha" / "20260201T000000.000000Z.jsonl").write_text(
        lines({**a1, "title": UPDATED_TITLE, "fetched_at": FEB}, {**a2, "fetched_at": FEB}),
        encoding="utf-8",
    )
    a4 = record("alpha", "a4", "2026-03-01T07:30:00+07:00", MAR)
    killed = lines(a4) + "this is not json\n" + '{"id": "a9", "site": "alpha"}\n'
    killed += '{"id": "a5", "url": "https://alpha.exa'  # a crashed run's last line
    (out / "alpha" / "20260301T000000Z.jsonl.part").write_text(killed, encoding="utf-8")
    b1 = record("beta", "b1", "2025-12-31T23:30:00+07:00", JAN)
    b2 = record(
        "beta", "b2", "2026-01-15T10:00:00+07:00", JAN, captions=["Ảnh: toàn cảnh"],
        author="Thu Hà",
    )  # fmt: skip
    (out / "beta" / "20260101T000000Z.jsonl").write_text(lines(b1, b2), encoding="utf-8")
    g_a1 = record("gamma", "a1", "2026-01-25T08:00:00+07:00", FEB)
    g1 = record("gamma", "g1", "2026-01-20T08:00:00+07:00", FEB)
    (out / "gamma" / "20260201T000000Z.jsonl").write_text(lines(g1, g_a1), encoding="utf-8")
    (out / "runs").mkdir()
    (out / "runs" / "20260101T000000Z.json").write_text("{}", encoding="utf-8")
    return out


@pytest.fixture
def sites_file(tmp_path: Path) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(SITES_TOML, encoding="utf-8")
    return path


def do_export(crawls: Path, sites_file: Path, out: Path, **options) -> tuple[dict, str]:
    """Export; return the manifest and what was said on the log."""
    log = io.StringIO()
    export(out, crawls, sites_file=sites_file, log=log, **options)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8")), log.getvalue()


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def keys(records: list[dict]) -> list[tuple[str, str]]:
    return [(r["site"], r["id"]) for r in records]


def test_one_record_per_article_newest_version_with_first_and_last_seen(
    crawls, sites_file, tmp_path
):
    manifest, _ = do_export(crawls, sites_file, tmp_path / "ds")
    records = read_jsonl(tmp_path / "ds" / "articles.jsonl")
    assert keys(records) == EXPECTED_ORDER  # by site, then date with nulls last, then id
    by_key = {(r["site"], r["id"]): r for r in records}
    a1 = by_key[("alpha", "a1")]
    assert a1["title"] == UPDATED_TITLE and a1["fetched_at"] == FEB
    assert (a1["first_seen"], a1["last_seen"]) == (JAN, FEB)
    assert (by_key[("alpha", "a3")]["first_seen"], by_key[("alpha", "a3")]["last_seen"]) == (
        JAN,
        JAN,
    )
    assert by_key[("gamma", "a1")]["title"] == "Bài a1 của gamma"  # same id, other site
    assert manifest["records"] == 8 and manifest["versions_read"] == 10


def test_malformed_lines_are_reported_with_file_and_line_and_skipped(crawls, sites_file, tmp_path):
    manifest, log = do_export(crawls, sites_file, tmp_path / "ds")
    for where in MALFORMED:
        assert where in log
    assert "lacks" in log  # says why the JSON object is not a record
    assert manifest["malformed_lines"] == 3
    part = next(s for s in manifest["sources"] if s["path"].endswith(".part"))
    assert part == {"path": "alpha/20260301T000000Z.jsonl.part", "records": 1, "malformed": 3}
    assert ("alpha", "a4") in keys(read_jsonl(tmp_path / "ds" / "articles.jsonl"))


def test_manifest_counts_are_true_and_hashes_match_the_files(crawls, sites_file, tmp_path):
    out = tmp_path / "ds"
    manifest, _ = do_export(crawls, sites_file, out)
    records = read_jsonl(out / "articles.jsonl")
    counts = manifest["counts"]
    assert counts["by_site"] == {"alpha": 4, "beta": 2, "gamma": 2}
    assert counts["by_month"] == {
        "2025-12": 1, "2026-01": 4, "2026-02": 1, "2026-03": 1, "unknown": 1
    }  # fmt: skip
    assert counts["by_province"] == {"Tỉnh Hai": 2, "Tỉnh Một": 6}
    assert sum(counts["by_site"].values()) == len(records) == manifest["records"]
    assert manifest["date_range"] == {
        "published_from": "2025-12-31T23:30:00+07:00",
        "published_until": "2026-03-01T07:30:00+07:00",
    }
    assert [s["path"] for s in manifest["sources"]] == [
        "alpha/20260101T000000Z.jsonl",
        "alpha/20260201T000000.000000Z.jsonl",
        "alpha/20260301T000000Z.jsonl.part",
        "beta/20260101T000000Z.jsonl",
        "gamma/20260201T000000Z.jsonl",
    ]
    assert manifest["schema_version"] == 1 and manifest["generated_at"]
    assert {"articles.jsonl", "schema.json", "summary.md"} <= set(manifest["files"])
    for name, facts in manifest["files"].items():
        data = (out / name).read_bytes()
        assert facts == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, name
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "staging left over"


def test_schema_json_describes_every_exported_record(crawls, sites_file, tmp_path):
    do_export(crawls, sites_file, tmp_path / "ds")
    schema = json.loads((tmp_path / "ds" / "schema.json").read_text(encoding="utf-8"))
    assert {"first_seen", "last_seen", "title"} <= set(schema["required"])
    jsonschema.Draft202012Validator.check_schema(schema)
    for exported in read_jsonl(tmp_path / "ds" / "articles.jsonl"):
        jsonschema.validate(exported, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**exported, "last_seen": None}, schema)


def test_gzip_jsonl_is_the_same_records_and_the_same_bytes_each_time(crawls, sites_file, tmp_path):
    first, _ = do_export(crawls, sites_file, tmp_path / "one", gzipped=True)
    second, _ = do_export(crawls, sites_file, tmp_path / "two", gzipped=True)
    gz = tmp_path / "one" / "articles.jsonl.gz"
    assert gz.read_bytes()[:2] == b"\x1f\x8b"
    assert read_jsonl(gz) == read_jsonl(tmp_path / "two" / "articles.jsonl.gz")
    assert keys(read_jsonl(gz)) == EXPECTED_ORDER
    digest = first["files"]["articles.jsonl.gz"]["sha256"]
    assert digest == second["files"]["articles.jsonl.gz"]["sha256"]


def test_csv_has_a_bom_and_round_trips_with_the_csv_module(crawls, sites_file, tmp_path):
    do_export(crawls, sites_file, tmp_path / "ds", fmt="csv")
    path = tmp_path / "ds" / "articles.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    expected = {(r["site"], r["id"]): r for r in read_jsonl_export(crawls, sites_file, tmp_path)}
    assert [(r["site"], r["id"]) for r in rows] == EXPECTED_ORDER
    for row in rows:
        original = expected[(row["site"], row["id"])]
        assert row["body"] == original["body"] and row["title"] == original["title"]
        assert json.loads(row["images"]) == original["images"]
        assert json.loads(row["tags"]) == original["tags"] == ["Đại hội", "Tỉnh ủy"]
        assert row["published_at"] == (original["published_at"] or "")
        assert row["first_seen"] == original["first_seen"]


def read_jsonl_export(crawls: Path, sites_file: Path, tmp_path: Path) -> list[dict]:
    do_export(crawls, sites_file, tmp_path / "reference")
    return read_jsonl(tmp_path / "reference" / "articles.jsonl")


def test_csv_loads_cleanly_in_pandas(crawls, sites_file, tmp_path):
    pandas = pytest.importorskip("pandas")
    do_export(crawls, sites_file, tmp_path / "ds", fmt="csv", gzipped=True)
    frame = pandas.read_csv(tmp_path / "ds" / "articles.csv.gz", dtype=str, keep_default_na=False)
    assert frame.columns[0] == "id"  # the BOM is not part of the first name
    assert len(frame) == 8
    assert list(zip(frame["site"], frame["id"], strict=True)) == EXPECTED_ORDER
    assert frame.loc[0, "title"] == UPDATED_TITLE
    assert "\n\n" in frame.loc[0, "body"]


def test_parquet_round_trips_with_typed_lists(crawls, sites_file, tmp_path):
    parquet = pytest.importorskip("pyarrow.parquet")
    do_export(crawls, sites_file, tmp_path / "ds", fmt="parquet")
    rows = parquet.read_table(tmp_path / "ds" / "articles.parquet").to_pylist()
    assert rows == read_jsonl_export(crawls, sites_file, tmp_path)


def test_filters_by_site_province_and_date(crawls, sites_file, tmp_path):
    def exported(name: str, **options) -> list[tuple[str, str]]:
        manifest, _ = do_export(crawls, sites_file, tmp_path / name, **options)
        records = read_jsonl(tmp_path / name / "articles.jsonl")
        assert manifest["records"] == len(records)
        return keys(records)

    assert exported("site", sites=["beta"]) == [("beta", "b1"), ("beta", "b2")]
    assert exported("province", provinces=["tỉnh một"]) == EXPECTED_ORDER[:6]
    assert exported("both", sites=["alpha"], provinces=["Tỉnh Hai"]) == []
    since = exported("since", since=date(2026, 1, 1))
    assert ("beta", "b1") not in since and ("alpha", "a3") not in since  # null date excluded
    assert len(since) == 6
    january = exported("january", since=date(2026, 1, 1), until=date(2026, 1, 31))
    assert january == [("alpha", "a1"), ("beta", "b2"), ("gamma", "g1"), ("gamma", "a1")]
    # The day as the site prints it (+07:00), not the UTC day.
    assert exported("eve", since=date(2025, 12, 31), until=date(2025, 12, 31)) == [("beta", "b1")]


def test_summary_has_the_site_table_and_a_real_png_chart(crawls, sites_file, tmp_path):
    pytest.importorskip("matplotlib")
    manifest, _ = do_export(crawls, sites_file, tmp_path / "ds")
    summary = (tmp_path / "ds" / "summary.md").read_text(encoding="utf-8")
    assert "| beta | Tỉnh Một | 2 | 2025-12-31 | 2026-01-15 | 50 % | 100 % | 50 % |" in summary
    assert "| alpha | Tỉnh Một | 4 | 2026-01-05 | 2026-03-01 | 25 % | 75 % | 0 % |" in summary
    assert "](articles_per_month.png)" in summary
    png = (tmp_path / "ds" / "articles_per_month.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert "articles_per_month.png" in manifest["files"]


def test_without_matplotlib_the_chart_is_skipped_and_the_export_succeeds(
    crawls, sites_file, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    manifest, _ = do_export(crawls, sites_file, tmp_path / "ds")
    summary = (tmp_path / "ds" / "summary.md").read_text(encoding="utf-8")
    assert "Chart skipped" in summary and "pip install 'tinkhac[charts]'" in summary
    assert not (tmp_path / "ds" / "articles_per_month.png").exists()
    assert manifest["records"] == 8 and "articles_per_month.png" not in manifest["files"]


def test_a_new_export_replaces_the_previous_one_in_the_folder(crawls, sites_file, tmp_path):
    out = crawls / "export"  # inside the output folder: must not be read as a site's runs
    do_export(crawls, sites_file, out, fmt="csv")
    (crawls / "beta" / "notes.jsonl").write_text("not a run\n", encoding="utf-8")
    manifest, log = do_export(crawls, sites_file, out)
    assert not (out / "articles.csv").exists()
    assert manifest["records"] == 8 and manifest["malformed_lines"] == 3
    assert "beta/notes.jsonl: skipped, not named like a run file" in log
    assert "export/" not in log


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_run_exit_codes(crawls, sites_file, tmp_path, capsys):
    common = ("--output-dir", str(crawls), "--sites", str(sites_file))
    assert run(cli("--out", str(tmp_path / "all"), *common)) == 1  # written, lines skipped
    assert run(cli("--out", str(tmp_path / "b"), *common, "--site", "beta")) == 0
    assert (tmp_path / "b" / "manifest.json").exists()
    assert run(cli("--out", str(tmp_path / "x"), *common, "--province", "Atlantis")) == 2
    assert "no site of province 'Atlantis'" in capsys.readouterr().err
    assert run(cli("--out", str(tmp_path / "x"), *common, "--site", "nowhere")) == 2
    assert run(cli("--out", str(tmp_path / "x"), "--output-dir", str(tmp_path / "none"))) == 2
    dates = ("--since", "2026-02-01", "--until", "2026-01-01")
    assert run(cli("--out", str(tmp_path / "x"), *common, *dates)) == 2
    assert "is after" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # a mistake writes nothing


def test_parquet_without_pyarrow_says_how_to_get_it(crawls, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # find_spec answers None, as when absent
    args = cli("--out", str(tmp_path / "ds"), "--from", str(crawls), "--format", "parquet")
    assert run(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'tinkhac[parquet]'" in err
    with pytest.raises(ExportError, match="compressed already"):
        export(tmp_path / "ds", crawls, fmt="parquet", gzipped=True)


def test_export_is_a_tinkhac_command(crawls, sites_file, tmp_path):
    out = tmp_path / "ds"
    process = run_tinkhac(
        "export", "--out", str(out), "--output-dir", str(crawls), "--sites", str(sites_file),
        "--province", "Tỉnh Một", "--format", "csv",
    )  # fmt: skip
    assert process.returncode == 1, process.stderr  # written, with malformed lines skipped
    for where in MALFORMED:
        assert where in process.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 6 and manifest["filters"]["provinces"] == ["Tỉnh Một"]
    assert (out / "articles.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_chart_grid_has_a_row_per_site_and_shows_gaps():
    from crawler.export.report import Stats, _grid, _label

    stats = Stats({"a": "Tỉnh Một", "b": None})
    for site, month, number in [("a", "2026-01", 3), ("a", "2026-03", 1), ("b", "2026-02", 2)]:
        for _ in range(number):
            record = {"site": site, "author": None, "captions": [], "published_at": month}
            stats.add(record, 1, f"{month}-01")
    sites, months, counts = _grid(stats)
    assert sites == ["a", "b"] and len(months) == 3
    assert counts == [[3, 0, 1], [0, 2, 0]]  # the silent month is a zero cell, drawn grey
    assert _label(stats, "a") == "a (Tỉnh Một)" and _label(stats, "b") == "b"


def test_the_folders_of_several_workers_merge_into_one_record_per_article(
    crawls, sites_file, tmp_path
):
    """Workers of one Redis frontier each write their own folder; a run file may share a
    name with another worker's, and a killed worker's article may be written again."""
    other = tmp_path / "worker-2"
    (other / "alpha").mkdir(parents=True)
    again = record("alpha", "a4", "2026-03-01T07:30:00+07:00", MAR)  # taken over, rewritten
    new = record("alpha", "a7", "2026-03-02T07:30:00+07:00", MAR)
    (other / "alpha" / "20260301T000000Z.jsonl").write_text(lines(again, new), encoding="utf-8")
    alone = read_jsonl_export(crawls, sites_file, tmp_path / "alone")
    out = tmp_path / "merged"
    manifest, _ = do_export([crawls, other], sites_file, out)
    merged = read_jsonl(out / "articles.jsonl")
    assert sorted(keys(merged)) == sorted({*keys(alone), ("alpha", "a7")})
    assert len(keys(merged)) == len(set(keys(merged)))
    sources = [s["path"] for s in manifest["sources"]]
    assert f"{other.as_posix()}/alpha/20260301T000000Z.jsonl" in sources
    assert manifest["input_dir"] == [str(crawls), str(other)]
