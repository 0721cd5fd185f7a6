"""A throwaway redis-server on a free loopback port, for the tests and the benchmark.

Like the replica server, a real server rather than a fake: the cluster's Lua scripts,
expiries and pipelines run as they will in production. Nothing is persisted.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_redis(folder: Path, ready_within: float = 10.0) -> Iterator[str]:
    """Run redis-server in ``folder`` until the block ends; yields its ``redis://`` URL."""
    import redis

    if REDIS_SERVER is None:
        raise FileNotFoundError("no redis-server binary: apt-get install redis-server")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + ready_within
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"redis-server exited ({server.returncode}) at start"
                    ) from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)
