"""Shared fixtures: the replica server and a runner for the real ``tinkhac`` command.

Crawls run in a subprocess (Twisted's reactor cannot restart in one process) against the
replicas served by this test process on 127.0.0.x, with the replica settings profile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.redis_server import REDIS_SERVER, local_redis
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


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A real redis-server on a free loopback port, with no persistence files."""
    if REDIS_SERVER is None:
        pytest.skip("no redis-server binary (apt-get install redis-server; .ci/run does)")
    pytest.importorskip("redis")
    with local_redis(tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def open_store(request, tmp_path):
    """Opens a state store of the parameter's kind, as a new crawl process would (the
    same file, or the same Redis); ``run`` names the cluster run the store writes for."""
    from crawler.state import SqliteStateStore

    opened = []

    def open_one(run: str = "run-1"):
        if request.param == "sqlite":
            store = SqliteStateStore(tmp_path / "state.sqlite")
        else:
            import redis

            from crawler.state_redis import RedisStateStore

            client = redis.Redis.from_url(
                request.getfixturevalue("redis_url"), decode_responses=True
            )
            store = RedisStateStore(client, run)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
