"""The state store: what earlier runs met, so a scheduled run fetches and writes only news.

An embedded SQLite file (``output/.state/state.sqlite`` by default). ``articles`` holds
the articles written, keyed by site and article id; it is written only after an article's
line is durably in the output file (see ``pipelines/seen.py``), so a run killed at any
point loses nothing: what the store does not know is crawled again. ``pages`` holds what
each fetched URL turned out to be: an article (by id: every URL an article was met under
leads to it), a page that is no article (an about page, a video, an empty category), or a
redirect (its target), so a repeated run requests only listings and new articles.
Scrapy's ``JOBDIR`` resumes one job; this remembers runs.
"""

from __future__ import annotations

import json
import sqlite3
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
        shown = fold(link_text).rstrip(".…").strip()
        if shown in self.shown_as:
            return True
        return bool(self.title) and fold(self.title).startswith(shown)


class StateStore:
    """One SQLite connection per crawl process; lookups by primary key only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    @classmethod
    def for_crawler(cls, crawler: Any) -> StateStore:
        """The crawl's one store, shared by the middleware and the pipelines that use it."""
        store = getattr(crawler, "_tinkhac_state", None)
        if store is None:
            path = crawler.settings.get("TINKHAC_STATE_PATH") or (
                Path(crawler.settings.get("TINKHAC_OUTPUT_DIR")) / ".state" / "state.sqlite"
            )
            store = cls(path)
            crawler._tinkhac_state = store
            crawler.signals.connect(store.close, signal=signals.engine_stopped, weak=False)
        return store

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

    def remember_link_title(self, site: str, article_id: str, link_text: str) -> None:
        """The text of the link an article was fetched through, when it is not its title:
        the next run that meets the same link knows the article without fetching it."""
        shown = fold(link_text).rstrip(".…").strip()
        if shown:
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
        now = datetime.now(UTC).isoformat(timespec="seconds")
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
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)", (site, url, kind, target, now)
        )

    def page(self, site: str, url: str) -> KnownPage | None:
        row = self.db.execute(
            "SELECT kind, target, last_seen FROM pages WHERE site = ? AND url = ?", (site, url)
        ).fetchone()
        return KnownPage(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    def record_run(
        self, site: str, run_id: str, found: int, written: int, coverage: dict[str, float]
    ) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            (site, run_id, now, found, written, json.dumps(coverage)),
        )

    def history(self, site: str) -> list[dict[str, Any]]:
        """The site's latest earlier runs, newest first."""
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

    def close(self) -> None:
        self.db.close()
