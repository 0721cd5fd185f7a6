"""Shared fixtures: the replica server and a runner for the real ``tinkhac`` command.

Crawls run in a subprocess (Twisted's reactor cannot restart in one process) against the
replicas served by this test process on 127.0.0.x, with the replica settings profile.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.replica_server import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent


def run_tinkhac(*args: str, timeout: float = 240, cwd: Path | None = None):
    """Run ``python -m crawler ARGS`` and return the completed process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=env,
    )


def read_jsonl(folder: Path) -> list[dict]:
    records = []
    for path in sorted(folder.rglob("*.jsonl")):
        with path.open(encoding="utf-8") as stream:
            records.extend(json.loads(line) for line in stream if line.strip())
    return records


@pytest.fixture(scope="session")
def replica_server() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


@pytest.fixture(scope="session")
def replica_sites_file(replica_server: ReplicaServer, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sites") / "replicas.toml"
    path.write_text(replica_server.sites_toml(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def replica_crawl(replica_server: ReplicaServer, replica_sites_file: Path, tmp_path_factory):
    """One crawl of every replica; returns (records by site, the finished process)."""
    for replica in replica_server:
        replica.requests.clear()
    out = tmp_path_factory.mktemp("crawl")
    keys = [r.key for r in replica_server]
    process = run_tinkhac(
        "crawl", *keys, "--sites", str(replica_sites_file), "--output", str(out),
        "--profile", "replica", "--verbose",  # the whole log on stderr, for the tests to read
    )  # fmt: skip
    assert process.returncode == 0, process.stderr[-4000:]
    by_site: dict[str, list[dict]] = {}
    for record in read_jsonl(out):
        by_site.setdefault(record["site"], []).append(record)
    return by_site, process


REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A real redis-server on a free loopback port, with no persistence files."""
    if REDIS_SERVER is None:
        pytest.skip("no redis-server binary (apt-get install redis-server; .ci/run does)")
    redis = pytest.importorskip("redis")
    port = _free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)
