"""scrapy-redis 0.9.1 under our Scrapy (2.19), against a real redis-server (issue 14).

The first step of the Redis frontier: the scheduler queue and the duplicate filter of
scrapy-redis run a whole crawl of a replica unchanged. Its keys are named after the
spider (``news:requests``), which every site's crawler shares, so each site is given its
own keys here; the cluster machinery (leases, in-flight requests) is still to come.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from test_runs import _newest_run, _run, _serve

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


def test_scrapy_redis_scheduler_crawls_a_replica_whole(tmp_path, redis_url):
    import redis

    with _serve(("aspnet-hungyen",)) as server:
        replica = server.replicas[0]
        key = replica.key
        frontier = (
            "-s", "SCHEDULER=scrapy_redis.scheduler.Scheduler",
            "-s", "DUPEFILTER_CLASS=scrapy_redis.dupefilter.RFPDupeFilter",
            "-s", f"REDIS_URL={redis_url}",
            "-s", "SCHEDULER_PERSIST=True",
            "-s", f"SCHEDULER_QUEUE_KEY=tinkhac:{key}:requests",
            "-s", f"SCHEDULER_DUPEFILTER_KEY=tinkhac:{key}:dupefilter",
        )  # fmt: skip
        crawl = _run(server, tmp_path, "crawl-all", *frontier)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        written = sorted(r["id"] for r in _newest_run(tmp_path))
        assert written == sorted(e["id"] for e in replica.expected())
    client = redis.Redis.from_url(redis_url)
    assert client.scard(f"tinkhac:{key}:dupefilter") > len(written)  # listings and articles
    assert client.zcard(f"tinkhac:{key}:requests") == 0  # drained
