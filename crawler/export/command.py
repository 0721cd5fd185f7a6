"""``tinkhac export``: merge every run's output into one dataset for analysis.

Run files are append-only and one article may be written by many runs (an update is a
new version), so an export indexes every version first (``index``), then writes the
newest version of each article in site and date order (``writers``), counting as it
goes (``report``). The dataset is built in a staging folder inside DIR and moved into
place only when complete, the manifest last: an export that fails while reading or
writing leaves the previous one in DIR as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from crawler.export.index import LineReader, VersionIndex, run_files
from crawler.export.records import EXPORT_SCHEMA_VERSION, article_schema, export_schema, iso_utc
from crawler.export.report import CHART_NAME, Stats, summary_markdown, write_chart
from crawler.export.writers import FORMATS, Writer, all_data_names, data_name, open_writer
from crawler.items import FIELD_NAMES
from crawler.registry import RegistryError, Site, load_sites

# The meanings of the other commands' exit codes (crawler.runner), for the same reasons.
EXIT_OK = 0
EXIT_MALFORMED = 1  # the dataset was written, but malformed lines were skipped (see stderr)
EXIT_NOTHING = 1  # nothing was written: no run output in the input folder
EXIT_USAGE = 2  # could not run: a mistake in the arguments, a missing extra, a bad folder
PARQUET_HINT = "pip install 'tinkhac[parquet]'"


class ExportError(Exception):
    """A mistake the user can fix; the message says how."""


class NothingToExportError(ExportError):
    """The input folder holds no run file (of the chosen sites): nothing was written."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: its folder, records, malformed lines skipped, and file names."""

    out: Path
    records: int
    malformed: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    in_dirs: tuple[Path, ...]  # several: the folders of several workers (crawl-all --redis)
    out: Path
    registry: dict[str, Site]
    chosen: set[str] | None  # the site keys to export; None for all
    since: date | None
    until: date | None
    fmt: str
    gzipped: bool
    filters: dict[str, Any]  # as the manifest records them


def export(
    out: str | Path,
    output_dir: str | Path | Sequence[str | Path] = "output",
    *,
    sites: Sequence[str] | None = None,
    provinces: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    fmt: str = "jsonl",
    gzipped: bool = False,
    sites_file: str | Path | None = None,
    log: TextIO | None = None,
) -> ExportResult:
    """Export the crawls in output_dir to the folder out; the filters narrow it together.

    Malformed lines are named on log (stderr by default) and skipped. Raises ExportError
    for a mistake in the arguments, before anything is read or written.
    """
    several = not isinstance(output_dir, str | Path)
    in_dirs = tuple(Path(d) for d in (output_dir if several else [output_dir]))  # type: ignore[union-attr]
    out = Path(out)
    for in_dir in in_dirs:
        _check_options(in_dir, fmt, gzipped, since, until)
    registry = _registry(sites_file)
    chosen = _chosen_sites(registry, in_dirs, sites or [], provinces or [])
    filters = {
        "sites": sorted(sites) if sites else None,
        "provinces": sorted(provinces) if provinces else None,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "selected_sites": sorted(chosen) if chosen is not None else None,
    }
    plan = _Plan(in_dirs, out, registry, chosen, since, until, fmt, gzipped, filters)
    if not any(run_files(in_dir, None, out, io.StringIO()) for in_dir in in_dirs):
        folders = ", ".join(str(d) for d in in_dirs)
        raise NothingToExportError(
            f"nothing to export: {folders} holds no run output (<site>/<run-id>.jsonl); "
            "name the crawls' folder with --from"
        )
    _make_folder(out)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    try:
        manifest = _build(plan, staging, log or sys.stderr)
        _publish(staging, out, list(manifest["files"]))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    names = (*manifest["files"], "manifest.json")
    return ExportResult(out, manifest["records"], manifest["malformed_lines"], names)


def _check_options(
    in_dir: Path, fmt: str, gzipped: bool, since: date | None, until: date | None
) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet" and gzipped:
        raise ExportError("--gzip is for jsonl and csv; Parquet files are compressed already")
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise ExportError(f"--format parquet needs pyarrow: {PARQUET_HINT}")
    if since and until and since > until:
        raise ExportError(f"--since {since} is after --until {until}")
    if not in_dir.is_dir():
        raise ExportError(f"no output folder {in_dir}; name the crawls' folder with --from")


def _registry(sites_file: str | Path | None) -> dict[str, Site]:
    try:
        return load_sites(sites_file)
    except RegistryError as exc:
        raise ExportError(str(exc)) from exc


def _chosen_sites(
    registry: dict[str, Site],
    in_dirs: Sequence[Path],
    sites: Sequence[str],
    provinces: Sequence[str],
) -> set[str] | None:
    """The site keys the filters leave (None: no filter); a name matching nothing is a typo."""
    for key in sites:
        if key not in registry and not any((d / key).is_dir() for d in in_dirs):
            raise ExportError(f"unknown site {key!r}; `tinkhac sites` lists the known keys")
    chosen = set(sites) if sites else None
    if provinces:
        in_provinces = _sites_of_provinces(registry, provinces)
        chosen = in_provinces if chosen is None else chosen & in_provinces
    return chosen


def _sites_of_provinces(registry: dict[str, Site], provinces: Sequence[str]) -> set[str]:
    known = {_fold(s.province): s.province for s in registry.values() if s.province}
    for name in provinces:
        if _fold(name) not in known:
            listed = ", ".join(sorted(known.values()))
            raise ExportError(f"no site of province {name!r}; the provinces are: {listed}")
    wanted = {_fold(name) for name in provinces}
    return {key for key, s in registry.items() if s.province and _fold(s.province) in wanted}


def _fold(name: str) -> str:
    """A province name as compared: case and Unicode normalisation do not matter."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the export folder {out}: {exc.strerror}") from exc


def _build(plan: _Plan, staging: Path, log: TextIO) -> dict[str, Any]:
    """Write every file of the export into staging; return the manifest (written too)."""
    schema = export_schema()
    stats = Stats({key: site.province for key, site in plan.registry.items()})
    data = staging / data_name(plan.fmt, plan.gzipped)
    index = VersionIndex(staging / "index.sqlite", article_schema())
    try:
        runs = [
            run
            for in_dir in plan.in_dirs
            for run in run_files(in_dir, plan.chosen, plan.out, log, several=len(plan.in_dirs) > 1)
        ]
        sources = [index.add(run, plan.chosen, log) for run in runs]
        versions, articles = index.counts()
        writer = open_writer(data, plan.fmt, plan.gzipped, schema)
        _write_data(index, writer, stats, plan)
    finally:
        index.close()
    _write_json(staging / "schema.json", schema)
    manifest: dict[str, Any] = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "input_dir": str(plan.in_dirs[0])
        if len(plan.in_dirs) == 1
        else [str(d) for d in plan.in_dirs],
        "filters": plan.filters,
        "format": plan.fmt,
        "gzip": plan.gzipped,
        "records": stats.total,
        "versions_read": versions,
        "articles_read": articles,
        "excluded_by_date": articles - stats.total,
        "malformed_lines": sum(s.malformed for s in sources),
        "counts": stats.counts(),
        "date_range": stats.date_range(),
        "sources": [asdict(s) for s in sources],
    }
    chart_note = write_chart(stats, staging / CHART_NAME)
    (staging / "summary.md").write_text(
        summary_markdown(stats, manifest, chart_note), encoding="utf-8"
    )
    names = [data.name, "schema.json", "summary.md", *([CHART_NAME] if chart_note is None else [])]
    manifest["files"] = {name: _file_facts(staging / name) for name in names}
    _write_json(staging / "manifest.json", manifest)
    return manifest


def _write_data(index: VersionIndex, writer: Writer, stats: Stats, plan: _Plan) -> None:
    """The second pass: read each kept version back by offset and write it, in order."""
    reader = LineReader(index.files)
    try:
        for kept in index.kept(plan.since, plan.until):
            stored = json.loads(reader.read(kept.file, kept.offset, kept.length))
            record = {name: stored[name] for name in FIELD_NAMES}
            record["first_seen"] = iso_utc(kept.first_seen)
            record["last_seen"] = iso_utc(kept.last_seen)
            writer.write(record)
            stats.add(record, kept.published, kept.published_day)
    finally:
        writer.close()
        reader.close()


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _publish(staging: Path, out: Path, names: list[str]) -> None:
    """Move the files into out, the manifest last; drop files of an older export's kind."""
    for stale in (all_data_names() | {CHART_NAME}) - set(names):
        (out / stale).unlink(missing_ok=True)
    for name in [*names, "manifest.json"]:
        os.replace(staging / name, out / name)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tinkhac export``, added to the subcommand's parser."""
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write to")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--from", dest="from_dir", metavar="IN_DIR", nargs="+",
        help="the crawls' folder, what `crawl --output` wrote (default: output/); the "
        "folders of several workers are merged",
    )  # fmt: skip
    source.add_argument(
        "--output-dir",
        dest="old_output_dir",
        metavar="IN_DIR",
        nargs="+",
        help="deprecated: use --from",
    )
    # The command line may give every subcommand --sites already; argparse refuses a twin.
    with contextlib.suppress(argparse.ArgumentError):
        parser.add_argument("--sites", metavar="FILE", help="a TOML file of extra sites")
    parser.add_argument("--site", nargs="+", action="extend", metavar="KEY", help="only these")
    parser.add_argument(
        "--province", nargs="+", action="extend", metavar="NAME",
        help="only the sites of these provinces (as `tinkhac sites` names them)",
    )  # fmt: skip
    parser.add_argument("--since", type=_day, metavar="DATE", help="published from that day")
    parser.add_argument("--until", type=_day, metavar="DATE", help="published up to that day")
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")
    parser.add_argument("--gzip", action="store_true", help="gzip the jsonl or csv file")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def run(args: argparse.Namespace) -> int:
    """Run ``tinkhac export``: 0 all well, 1 malformed lines skipped or nothing to export,
    2 could not run."""
    if args.old_output_dir:
        print("tinkhac: --output-dir is deprecated; use --from", file=sys.stderr)
    in_dirs = args.from_dir or args.old_output_dir or ["output"]
    try:
        result = export(
            args.out, in_dirs, sites=args.site, provinces=args.province,
            since=args.since, until=args.until, fmt=args.format, gzipped=args.gzip,
            sites_file=args.sites,
        )  # fmt: skip
    except NothingToExportError as exc:
        print(f"tinkhac: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    except ExportError as exc:
        print(f"tinkhac: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"tinkhac: export failed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"exported {result.records} articles to {result.out}"
        + (f"; {result.malformed} malformed lines skipped (see above)" if result.malformed else "")
    )
    return EXIT_MALFORMED if result.malformed else EXIT_OK
