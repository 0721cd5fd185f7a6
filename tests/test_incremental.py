"""Across runs: only new or changed articles are written, and a killed run loses nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from conftest import ROOT

from crawler.replica_server import ReplicaServer, load_replicas

REPLICA = "aspnet-hungyen"


def _serve(delay: float = 0.0) -> ReplicaServer:
    return ReplicaServer([r for r in load_replicas() if r.name == REPLICA], delay=delay)


def _command(server: ReplicaServer, out: Path, *extra: str) -> list[str]:
    sites = out / "sites.toml"
    sites.parent.mkdir(parents=True, exist_ok=True)
    sites.write_text(server.sites_toml(), encoding="utf-8")
    key = server.replicas[0].key
    return [
        sys.executable, "-m", "crawler", "crawl", key, "--sites", str(sites),
        "--output", str(out), "--profile", "replica", *extra,
    ]  # fmt: skip


def _newest_log(out: Path) -> str:
    """The whole log of the newest run, Scrapy's stats dump included."""
    return sorted((out / "logs").glob("*.log"))[-1].read_text(encoding="utf-8")


def _crawl(server: ReplicaServer, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.run(
        _command(server, out, *extra), capture_output=True, text=True, env=env, timeout=240
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return process


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _runs(out: Path) -> list[list[dict]]:
    """The records of each run file, oldest first (unfinished .part files included)."""
    return [_lines(p) for p in sorted(out.glob("*/*.jsonl*"))]


def _article_files(replica) -> set[Path]:
    files = set()
    for record in replica.expected():
        parts = urlsplit(record["url"])
        files.add(replica.resolve(parts.path + (f"?{parts.query}" if parts.query else ""))[1])
    return files


def test_second_run_writes_nothing_and_downloads_no_article(tmp_path):
    with _serve() as server:
        replica = server.replicas[0]
        _crawl(server, tmp_path)
        assert len(_runs(tmp_path)[0]) == len(replica.expected())
        replica.requests.clear()
        second = _crawl(server, tmp_path)
        assert sum(len(run) for run in _runs(tmp_path)[1:]) == 0
        fetched = {replica.resolve(path)[1] for path in replica.requests}
        assert fetched & _article_files(replica) == set()
        assert second.stderr.count("\n") <= 4  # quiet by default: the table and one line
        assert "tinkhac/articles/skipped_known" in _newest_log(tmp_path)
        assert replica.requests, "listing pages are still read"


def test_edited_article_comes_out_again_as_an_update(tmp_path):
    with _serve() as server:
        replica = server.replicas[0]
        _crawl(server, tmp_path)
        target = next(r for r in replica.expected() if r["id"] == "5127")
        new_title = target["title"] + " (cập nhật)"
        replica.rewrites = [(re.escape(target["title"].encode()), new_title.encode())]
        _crawl(server, tmp_path)
        updates = _runs(tmp_path)[1]
        assert [(r["id"], r["title"]) for r in updates] == [("5127", new_title)]
        assert updates[0]["fetched_at"] >= _runs(tmp_path)[0][0]["fetched_at"]


def test_a_killed_run_loses_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with _serve(delay=0.15) as server:
        replica = server.replicas[0]
        process = subprocess.Popen(
            _command(server, tmp_path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            parts = list(tmp_path.glob("*/*.jsonl.part"))
            if parts and len(parts[0].read_bytes().splitlines()) >= 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = _runs(tmp_path)
        assert killed and 3 <= len(killed[0]) < len(replica.expected()), "not killed partway"
        server.delay = 0
        _crawl(server, tmp_path)
        written = [record["id"] for run in _runs(tmp_path) for record in run]
        assert sorted(set(written)) == sorted(r["id"] for r in replica.expected())
        assert len(written) == len(set(written)), "an article was written twice"
        _crawl(server, tmp_path)
        assert sum(len(run) for run in _runs(tmp_path)[2:]) == 0


def test_lines_of_a_killed_run_are_known_to_the_next_run(tmp_path):
    """A run killed after writing a line but before recording it: the line still counts."""
    with _serve() as server:
        _crawl(server, tmp_path)
        (run_file,) = tmp_path.glob("*/*.jsonl")
        run_file.rename(run_file.with_name(run_file.name + ".part"))
        for path in (tmp_path / ".state").glob("state.sqlite*"):
            path.unlink()
        _crawl(server, tmp_path)
        assert sum(len(run) for run in _runs(tmp_path)[1:]) == 0
        assert "tinkhac/state/recovered_from_unfinished_runs" in _newest_log(tmp_path)


def test_a_link_text_that_led_to_an_article_is_known_next_time(open_store):
    """A listing that keeps an older or shorter title than the article's heading costs one
    download, not one per run; a link that shows yet another title is still an edit."""
    store = open_store()
    store.record("s", "42", "http://x/a-42.html", "Hội nghị Ban Chấp hành lần thứ hai", "f", [])
    old_title = "Hội nghị BCH Đảng bộ tỉnh lần thứ hai"
    assert not store.get("s", "42").shown_by(old_title)
    store.remember_link_title("s", "42", old_title)
    known = store.get("s", "42")
    assert known.shown_by(old_title)
    assert known.shown_by(unicodedata.normalize("NFD", old_title) + " …")
    assert not known.shown_by("Hội nghị Ban Chấp hành lần thứ ba")


def test_a_second_run_of_every_replica_requests_only_listing_pages(tmp_path):
    """Issue 11's "a second incremental run requests no page again except listing pages":
    no article, and no page that is no article (an about or contact page beside a "Tin mới"
    box, a video), except the listings of videos or documents, which every run reads."""
    from test_runs import _run

    with ReplicaServer() as server:
        first = _run(server, tmp_path, "crawl-all")
        assert first.returncode == 0, first.stderr[-3000:]
        assert "tinkhac/pages/not_article/static_page" in _newest_log(tmp_path)
        for replica in server:
            replica.requests.clear()
        second = _run(server, tmp_path, "crawl-all")
        assert second.returncode == 0, second.stderr[-3000:]
        for replica in server:
            listings = set(replica.config.get("non_article_listings", []))
            pages = [p for p in replica.config["non_articles"] if p not in listings]
            never = _article_files(replica) | {replica.resolve(p)[1] for p in pages}
            again = [p for p in replica.requests if replica.resolve(p)[1] in never]
            assert again == [], replica.name
    log = _newest_log(tmp_path)
    assert "'tinkhac/pages/listing'" in log
    assert "'tinkhac/pages/article'" not in log and "'tinkhac/pages/not_article" not in log
