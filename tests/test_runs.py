"""Scheduled and on-demand runs against the served replicas: new articles only, one run at a
time, resumable jobs, the breakage alarm and its exit code, and the on-demand limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from conftest import ROOT

from crawler.replica_server import ReplicaServer, load_replicas

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TWO = ("aspnet-hungyen", "liferay-dongthap")


def _serve(names=TWO, delay: float = 0.0) -> ReplicaServer:
    return ReplicaServer([r for r in load_replicas() if r.name in names], delay=delay)


def _command(server: ReplicaServer, out: Path, *args: str) -> list[str]:
    sites = out / "sites.toml"
    sites.parent.mkdir(parents=True, exist_ok=True)
    sites.write_text(server.sites_toml(exclusive=True), encoding="utf-8")
    command = [sys.executable, "-m", "crawler", *args, "--sites", str(sites)]
    return [*command, "--output", str(out), "--profile", "replica"]


def _run(server, out, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(server, out, *args), capture_output=True, text=True, env=ENV, timeout=240
    )


def _records(paths) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text("utf-8").splitlines()]


def _newest_run(out: Path) -> list[dict]:
    reports = sorted((out / "runs").glob("*.json"))
    run_id = json.loads(reports[-1].read_text("utf-8"))["run_id"]
    return _records(out.glob(f"*/{run_id}.jsonl"))


def _article_files(replica) -> dict[Path, str]:
    files = {}
    for record in replica.expected():
        parts = urlsplit(record["url"])
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        files[replica.resolve(target)[1]] = record["id"]
    return files


def _fetched_articles(replica) -> set[str]:
    files = _article_files(replica)
    return {files[f] for f in (replica.resolve(p)[1] for p in replica.requests) if f in files}


ONE_AT_A_TIME = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
HIDDEN = {"aspnet-hungyen": ["5127", "5119", "5106"], "liferay-dongthap": ["7612408"]}


def _hide(server) -> None:
    for replica in server:
        replica.hidden = [f"{i}" for i in HIDDEN[replica.name]]


def test_crawl_all_writes_exactly_the_new_articles_and_fetches_no_old_one(tmp_path):
    with _serve() as server:
        _hide(server)
        first = _run(server, tmp_path, "crawl-all")
        assert first.returncode == 0, first.stderr[-3000:]
        expected = {r.key: {e["id"] for e in r.expected()} for r in server}
        hidden = {server.replicas[i].key: set(HIDDEN[r.name]) for i, r in enumerate(server)}
        written = _newest_run(tmp_path)
        for key, ids in expected.items():
            assert {r["id"] for r in written if r["site"] == key} == ids - hidden[key]
        for replica in server:
            replica.hidden, replica.requests[:] = [], []
        second = _run(server, tmp_path, "crawl-all")
        assert second.returncode == 0, second.stderr[-3000:]
        new = _newest_run(tmp_path)
        assert sorted((r["site"], r["id"]) for r in new) == sorted(
            (key, i) for key, ids in hidden.items() for i in ids
        )
        for replica in server:
            assert _fetched_articles(replica) == hidden[replica.key], replica.key
    report = json.loads(sorted((tmp_path / "runs").glob("*.json"))[-1].read_text("utf-8"))
    assert {s["site"] for s in report["sites"]} == set(expected)
    assert all(s["flags"] == [] for s in report["sites"])
    assert len(list((tmp_path / "logs").glob("*.log"))) == 2


def test_a_second_run_meets_the_lock_and_exits_with_its_code(tmp_path):
    with _serve(delay=0.2) as server:
        first = subprocess.Popen(
            _command(server, tmp_path, "crawl-all"), env=ENV, stderr=subprocess.DEVNULL
        )
        try:
            lock = tmp_path / ".state" / "tinkhac.lock"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "pid" not in _text(lock):
                time.sleep(0.05)
            started = time.monotonic()
            second = _run(server, tmp_path, "crawl-all")
            assert second.returncode == 2
            assert "another tinkhac run is going" in second.stderr
            assert time.monotonic() - started < 30
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        after_kill = _run(server, tmp_path, "crawl", "hungyen-btg", "--max-articles", "1")
        assert after_kill.returncode == 0, "a lock left by a killed run blocked the next run"


def _text(path: Path) -> str:
    return path.read_text("utf-8") if path.exists() else ""


def test_an_interrupted_job_resumes_where_it_stopped(tmp_path):
    with _serve(("aspnet-hungyen",), delay=0.1) as server:
        replica = server.replicas[0]
        job = subprocess.Popen(
            _command(server, tmp_path, "crawl-all", "--job", "nightly", *ONE_AT_A_TIME),
            env=ENV,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            parts = list(tmp_path.glob("*/*.jsonl.part"))
            if parts and len(parts[0].read_bytes().splitlines()) >= 3:
                break
            time.sleep(0.05)
        job.send_signal(signal.SIGINT)
        assert job.wait(timeout=120) == 1, "an interrupted run is not 'all well'"
        assert (tmp_path / ".jobs" / "nightly" / replica.key).is_dir()
        first_requests = list(replica.requests)
        replica.requests.clear()
        resumed = _run(server, tmp_path, "crawl-all", "--job", "nightly", *ONE_AT_A_TIME)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "/" not in replica.requests, "the resumed job started over"
        assert any("bai-viet" in path for path in replica.requests), "nothing was left to do"
        assert not set(first_requests) & set(replica.requests) - {"/robots.txt"}
    written = _records(tmp_path.glob("*/*.jsonl"))
    assert sorted(r["id"] for r in written) == sorted(e["id"] for e in replica.expected())
    assert not (tmp_path / ".jobs" / "nightly" / replica.key).exists()


def test_a_redesign_that_loses_dates_is_flagged(tmp_path):
    with _serve(("liferay-dongthap",)) as server:
        replica = server.replicas[0]
        hidden = ["7612408", "7598113", "7571046"]
        replica.hidden = hidden
        assert _run(server, tmp_path, "crawl-all").returncode == 0
        replica.hidden = []
        replica.rewrites = [(rb'<span class="the-article-timecreate">.*?</span>', b"")]
        second = _run(server, tmp_path, "crawl-all")
        assert second.returncode == 1
        assert "coverage_drop:published_at" in second.stderr
    report = json.loads(sorted((tmp_path / "runs").glob("*.json"))[-1].read_text("utf-8"))
    site = report["sites"][0]
    assert site["new"] == 3 and site["coverage"]["published_at"] == 0
    assert site["flags"] == ["coverage_drop:published_at"]


def test_a_site_that_stops_yielding_articles_is_flagged(tmp_path):
    with _serve(("liferay-dongthap",)) as server:
        assert _run(server, tmp_path, "crawl-all").returncode == 0
        server.replicas[0].rewrites = [(rb"/content/id/", b"/noi-dung/")]
        second = _run(server, tmp_path, "crawl-all")
        assert second.returncode == 1
        assert "no_articles" in second.stderr


def test_on_demand_limits(tmp_path):
    with _serve(("aspnet-hungyen",)) as server:
        replica = server.replicas[0]
        expected = replica.expected()
        one = expected[0]
        single = _run(server, tmp_path / "a", "crawl", replica.key, "--url", one["url"])
        assert single.returncode == 0, single.stderr[-2000:]
        assert [r["id"] for r in _newest_run(tmp_path / "a")] == [one["id"]]

        capped = _run(server, tmp_path / "b", "crawl", replica.key, "--max-articles", "4")
        assert len(_newest_run(tmp_path / "b")) == 4

        since = "2026-10-01"
        recent = _run(server, tmp_path / "c", "crawl", replica.key, "--since", since)
        assert recent.returncode == 0
        got = sorted(r["id"] for r in _newest_run(tmp_path / "c"))
        want = sorted(e["id"] for e in expected if (e["published_at"] or "") >= since)
        assert got == want and 0 < len(want) < len(expected)
        assert capped.returncode == 0
