"""The state store: what earlier runs met, so a scheduled run fetches and writes only news.

Two stores keep the same facts: an embedded SQLite file (``output/.state/state.sqlite`` by
default), and Redis (``crawler/state_redis.py``) when the crawl runs as one worker of a
cluster (the ``TINKHAC_REDIS_URL`` setting), so that every worker knows what the others
wrote. :meth:`StateStore.for_crawler` picks one; every user goes through it. ``articles`` holds
the articles written, keyed by site and article id; it is written only after an article's
line is durably in the output file (see ``pipelines/seen.py``), so a run killed at any
point loses nothing: what the store does not know is crawled again. ``pages`` holds what
each fetched URL turned out to be: an article (by id: every URL an article was met under
leads to it), a page that is no article (an about page, a video, an empty category), or a
redirect (its target), so a repeated run requests only listings and new articles.
Scrapy's ``JOBDIR`` resumes one job; this remembers runs.

A store also answers what *this* run has already written (by id and by content), which
catches a copy met under another URL: within one process that is the process's memory,
but a worker that takes over a site mid-run must know what the dead worker wrote, so the
Redis store keeps it in Redis under the cluster's run.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals

from crawler.text import fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT,
    fingerprint TEXT NOT NULL,
    related TEXT NOT NULL DEFAULT '[]',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages (
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    last_seen TEXT NOT NULL,
    PRIMARY KEY (site, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_titles (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    shown TEXT NOT NULL,
    PRIMARY KEY (site, id, shown)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    site TEXT NOT NULL,
    run_id TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    found INTEGER NOT NULL,
    written INTEGER NOT NULL,
    coverage TEXT NOT NULL,
    PRIMARY KEY (site, run_id)
);
"""
#: How many earlier runs of a site the breakage alarm compares a run with.
HISTORY_RUNS = 10
#: What a fetched URL turned out to be (``pages.kind``); ``target`` is the article's id,
#: the redirect's location, or empty.
ARTICLE, NOT_ARTICLE, REDIRECT = "article", "not_article", "redirect"


@dataclass(frozen=True)
class KnownPage:
    kind: str
    target: str
    last_seen: datetime


@dataclass(frozen=True)
class KnownArticle:
    id: str
    title: str | None
    fingerprint: str
    related: tuple[str, ...]  # its related block, so a run that skips it still walks on
    url: str = ""
    shown_as: frozenset[str] = frozenset()  # link texts it was fetched through, folded

    def shown_by(self, link_text: str | None) -> bool:
        """Whether a link's text shows this title (listings may cut it short with "…"), or
        is a text that led to it before (a listing that keeps an older or shorter title).

        A different title means the article was edited: it is fetched again.
        """
        if not link_text:
            return True
        shown = shown_text(link_text)
        if shown in self.shown_as:
            return True
        return bool(self.title) and fold(self.title).startswith(shown)


def shown_text(link_text: str) -> str:
    """A link's text as the store compares it: folded, without a trailing "…" or "."."""
    return fold(link_text).rstrip(".…").strip()


def now_iso() -> str:
    """A store's timestamps: UTC to the second, in ISO form (they sort as text)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class StateStore(ABC):
    """What earlier runs met and what this run wrote; one store per crawler.

    The subclasses keep the facts; the rules shared by both (the seam, how a link's text
    is folded, what "written in this run" means to the pipelines) live here.
    """

    @classmethod
    def for_crawler(cls, crawler: Any) -> StateStore:
        """The crawl's one store, shared by the spider, the pipelines and the report:
        Redis when ``TINKHAC_REDIS_URL`` is set, else the SQLite file of the output."""
        store = getattr(crawler, "_tinkhac_state", None)
        if store is None:
            settings = crawler.settings
            if settings.get("TINKHAC_REDIS_URL"):
                from crawler.state_redis import RedisStateStore  # redis is an optional extra

                store = RedisStateStore.from_settings(settings)
            else:
                path = settings.get("TINKHAC_STATE_PATH") or (
                    Path(settings.get("TINKHAC_OUTPUT_DIR")) / ".state" / "state.sqlite"
                )
                store = SqliteStateStore(path)
            crawler._tinkhac_state = store
            crawler.signals.connect(store.close, signal=signals.engine_stopped, weak=False)
        return store

    @abstractmethod
    def get(self, site: str, article_id: str) -> KnownArticle | None:
        """The article an earlier run wrote, with the link texts that led to it."""

    def remember_link_title(self, site: str, article_id: str, link_text: str) -> None:
        """The text of the link an article was fetched through, when it is not its title:
        the next run that meets the same link knows the article without fetching it."""
        shown = shown_text(link_text)
        if shown:
            self._add_link_title(site, article_id, shown)

    @abstractmethod
    def _add_link_title(self, site: str, article_id: str, shown: str) -> None: ...

    @abstractmethod
    def record(
        self,
        site: str,
        article_id: str,
        url: str,
        title: str | None,
        fingerprint: str,
        related: list[str],
    ) -> None:
        """An article written (its line is on disk), for every later run."""

    @abstractmethod
    def remember_page(self, site: str, url: str, kind: str, target: str = "") -> None: ...

    @abstractmethod
    def page(self, site: str, url: str) -> KnownPage | None: ...

    @abstractmethod
    def record_run(
        self, site: str, run_id: str, found: int, written: int, coverage: dict[str, float]
    ) -> None: ...

    @abstractmethod
    def history(self, site: str) -> list[dict[str, Any]]:
        """The site's latest earlier runs (at most :data:`HISTORY_RUNS`), newest first."""

    @abstractmethod
    def count(self, site: str | None = None) -> int:
        """How many articles are known, of one site or of all."""

    @abstractmethod
    def mark_written(self, site: str, article_id: str, fingerprint: str) -> None:
        """This run has written the article (its line is on disk), by id and by content."""

    @abstractmethod
    def written_in_run(self, site: str, article_id: str) -> bool:
        """Whether this run (any of its workers) has written the article already."""

    @abstractmethod
    def content_written_in_run(self, site: str, fingerprint: str) -> bool:
        """Whether this run has written an article of this text already, under any id."""

    @abstractmethod
    def close(self) -> None: ...


class SqliteStateStore(StateStore):
    """One SQLite connection per crawler; lookups by primary key only. What this run
    wrote is kept in memory: the run is this process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self.run_ids: set[tuple[str, str]] = set()
        self.run_fingerprints: set[tuple[str, str]] = set()

    def get(self, site: str, article_id: str) -> KnownArticle | None:
        row = self.db.execute(
            "SELECT id, title, fingerprint, related, url FROM articles WHERE site = ? AND id = ?",
            (site, article_id),
        ).fetchone()
        if row is None:
            return None
        shown = self.db.execute(
            "SELECT shown FROM link_titles WHERE site = ? AND id = ?", (site, article_id)
        ).fetchall()
        return KnownArticle(
            row[0],
            row[1],
            row[2],
            tuple(json.loads(row[3])),
            row[4],
            frozenset(r[0] for r in shown),
        )

    def _add_link_title(self, site: str, article_id: str, shown: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO link_titles (site, id, shown) VALUES (?, ?, ?)",
            (site, article_id, shown),
        )

    def record(
        self,
        site: str,
        article_id: str,
        url: str,
        title: str | None,
        fingerprint: str,
        related: list[str],
    ) -> None:
        now = now_iso()
        self.db.execute(
            """INSERT INTO articles
                   (site, id, url, title, fingerprint, related, first_seen, last_seen)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (site, id) DO UPDATE SET url = excluded.url, title = excluded.title,
                   fingerprint = excluded.fingerprint, related = excluded.related,
                   last_seen = excluded.last_seen""",
            (site, article_id, url, title, fingerprint, json.dumps(related), now, now),
        )

    def remember_page(self, site: str, url: str, kind: str, target: str = "") -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
            (site, url, kind, target, now_iso()),
        )

    def page(self, site: str, url: str) -> KnownPage | None:
        row = self.db.execute(
            "SELECT kind, target, last_seen FROM pages WHERE site = ? AND url = ?", (site, url)
        ).fetchone()
        return KnownPage(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    def record_run(
        self, site: str, run_id: str, found: int, written: int, coverage: dict[str, float]
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            (site, run_id, now_iso(), found, written, json.dumps(coverage)),
        )

    def history(self, site: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT run_id, found, written, coverage FROM runs WHERE site = ? "
            "ORDER BY finished_at DESC, run_id DESC LIMIT ?",
            (site, HISTORY_RUNS),
        ).fetchall()
        return [
            {"run_id": r, "found": f, "written": w, "coverage": json.loads(c)}
            for r, f, w, c in rows
        ]

    def count(self, site: str | None = None) -> int:
        if site is None:
            return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM articles WHERE site = ?", (site,)).fetchone()[
            0
        ]

    def mark_written(self, site: str, article_id: str, fingerprint: str) -> None:
        self.run_ids.add((site, article_id))
        self.run_fingerprints.add((site, fingerprint))

    def written_in_run(self, site: str, article_id: str) -> bool:
        return (site, article_id) in self.run_ids

    def content_written_in_run(self, site: str, fingerprint: str) -> bool:
        return (site, fingerprint) in self.run_fingerprints

    def close(self) -> None:
        self.db.close()
