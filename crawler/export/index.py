"""The first pass: find the run files and index every record version on disk.

A million articles do not fit comfortably in memory with their bodies, nor even as a
dict of Python tuples, so the first pass keeps only where each version is (file, byte
offset, length) and the keys to merge and sort by, in a SQLite database in the staging
folder. SQLite sorts and groups on disk, which keeps memory flat however large the
output folder; the second pass then reads each kept line back by its offset.
"""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from crawler.export.records import MalformedRecordError, compile_check, parse_record, version_keys

#: ``<run-id>.jsonl`` or a killed run's ``<run-id>.jsonl.part``; both run id forms so far.
RUN_FILE = re.compile(r"^\d{8}T\d{6}(?:\.\d+)?Z\.jsonl(?:\.part)?$")
_OPEN_FILES = 64
_SCHEMA = """
CREATE TABLE versions (
    site TEXT NOT NULL, id TEXT NOT NULL, fetched INTEGER NOT NULL,
    file INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
    published INTEGER, published_day TEXT
)
"""
_KEPT = """
SELECT site, id, file, offset, length, published, published_day, first_seen, last_seen
FROM (
    SELECT *,
        row_number() OVER newest AS rank,
        min(fetched) OVER article AS first_seen,
        max(fetched) OVER article AS last_seen
    FROM versions
    WINDOW article AS (PARTITION BY site, id),
           newest AS (PARTITION BY site, id ORDER BY fetched DESC, file DESC, offset DESC)
)
WHERE rank = 1 AND {dates}
ORDER BY site, published IS NULL, published, id
"""


@dataclass(frozen=True)
class RunFile:
    """A run file, and its path relative to the output folder (as the manifest names it)."""

    path: Path
    relative: str


@dataclass
class SourceCount:
    """What one run file gave: records indexed and malformed lines skipped."""

    path: str
    records: int = 0
    malformed: int = 0


@dataclass(frozen=True)
class Kept:
    """One article to export: where its newest version is, and its merge and sort keys."""

    site: str
    id: str
    file: int
    offset: int
    length: int
    published: int | None
    published_day: str | None
    first_seen: int
    last_seen: int


def run_files(
    in_dir: Path, sites: set[str] | None, skip: Path, log: TextIO, several: bool = False
) -> list[RunFile]:
    """The run files of the chosen sites (all when None), in site then run order.

    Other ``.jsonl`` files are named on stderr rather than read: an export written inside
    the output folder must not be taken for a run next time.
    """
    found = []
    for folder in sorted(p for p in in_dir.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or folder.resolve() == skip.resolve():
            continue
        if sites is not None and folder.name not in sites:
            continue
        for path in sorted(folder.iterdir()):
            relative = path.relative_to(in_dir).as_posix()
            if several:  # name the worker's folder too: run files of two may share a name
                relative = f"{in_dir.as_posix()}/{relative}"
            if RUN_FILE.match(path.name):
                found.append(RunFile(path, relative))
            elif path.name.endswith((".jsonl", ".jsonl.part")):
                print(f"{relative}: skipped, not named like a run file", file=log)
    return found


class VersionIndex:
    """Every version of every record read, by key, in an on-disk SQLite database."""

    def __init__(self, database: Path, schema: dict[str, Any]) -> None:
        self.check = compile_check(schema)
        self.db = sqlite3.connect(database)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -8000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(_SCHEMA)
        self.files: list[Path] = []

    def close(self) -> None:
        self.db.close()

    def add(self, run: RunFile, sites: set[str] | None, log: TextIO) -> SourceCount:
        """Index one run file's records of the chosen sites; report malformed lines."""
        count = SourceCount(run.relative)
        number = len(self.files)
        self.files.append(run.path)
        rows = self._rows(run, number, sites, count, log)
        with self.db:  # executemany draws the rows one by one from the generator
            self.db.executemany("INSERT INTO versions VALUES (?,?,?,?,?,?,?,?)", rows)
        return count

    def _rows(
        self, run: RunFile, number: int, sites: set[str] | None, count: SourceCount, log: TextIO
    ) -> Iterator[tuple[Any, ...]]:
        for line, offset, raw in _lines(run.path):
            if not raw.strip():
                continue
            try:
                record = parse_record(raw, self.check)
                fetched, published, day = version_keys(record)
            except MalformedRecordError as exc:
                count.malformed += 1
                print(f"{run.relative}:{line}: malformed line skipped: {exc}", file=log)
                continue
            if sites is None or record["site"] in sites:
                count.records += 1
                yield (record["site"], record["id"], fetched, number, offset, len(raw),
                       published, day)  # fmt: skip

    def counts(self) -> tuple[int, int]:
        """(versions indexed, distinct articles among them)."""
        versions = self.db.execute("SELECT count(*) FROM versions").fetchone()[0]
        articles = self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM versions GROUP BY site, id)"
        ).fetchone()[0]
        return versions, articles

    def kept(self, since: date | None, until: date | None) -> Iterator[Kept]:
        """The newest version of each article within the dates, in export order."""
        dates, params = ["1"], []
        if since is not None:
            dates.append("published_day >= ?")
            params.append(since.isoformat())
        if until is not None:
            dates.append("published_day <= ?")
            params.append(until.isoformat())
        query = _KEPT.format(dates=" AND ".join(dates))
        for row in self.db.execute(query, params):
            yield Kept(*row)


def _lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes) of each line of a file."""
    with path.open("rb") as stream:
        offset = 0
        for number, raw in enumerate(stream, 1):
            yield number, offset, raw
            offset += len(raw)


class LineReader:
    """Reads lines back by offset, keeping a few files open (there may be thousands)."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.files = list(files)
        self.open: OrderedDict[int, Any] = OrderedDict()

    def read(self, file: int, offset: int, length: int) -> bytes:
        stream = self._stream(file)
        stream.seek(offset)
        return stream.read(length)

    def _stream(self, file: int) -> Any:
        if file in self.open:
            self.open.move_to_end(file)
            return self.open[file]
        if len(self.open) >= _OPEN_FILES:
            self.open.popitem(last=False)[1].close()
        self.open[file] = _open_run_file(self.files[file])
        return self.open[file]

    def close(self) -> None:
        for stream in self.open.values():
            stream.close()
        self.open.clear()


def _open_run_file(path: Path) -> Any:
    """Open a run file unbuffered; a ``.part`` a finishing run renamed meanwhile too."""
    try:
        return path.open("rb", buffering=0)
    except FileNotFoundError:
        if path.name.endswith(".part"):
            return path.with_name(path.name.removesuffix(".part")).open("rb", buffering=0)
        raise
