"""The cluster benchmark: 1, 2 and 4 workers on one Redis over a generated fleet of sites.

    python bench/cluster.py [--sites 32] [--articles 20] [--workers 1 2 4]
                            [-s NAME=VALUE ...] [--profile replica]

Not part of the test suite: it prints figures measured in one run on this machine.

A fleet of ``--sites`` generated sites (``bench/generate.py``) is served on 127.0.0.x
from another process; for each worker count a fresh redis-server is started on a free
port and that many ``tinkhac crawl-all --redis URL`` processes are started at once, each
with its own output folder, as on several machines. The crawl keeps the default
politeness (delays, AutoThrottle, two requests at a time per site), so one site's speed
is fixed and the cluster can only gain by crawling more sites side by side: the figures
show how throughput grows with workers when sites are many, and what Redis costs.

For each worker count it prints the wall time, pages (requests) per second, the pages
each worker fetched, the speed-up over the first worker count, and Redis's cost per
request: commands (from ``INFO commandstats``), the server's time, and bytes received.
The last line sums it up: ``CLUSTER workers=… wall_s=… pages_per_s=… speedup=…
redis_commands_per_request=… redis_us_per_request=…`` (one value per worker count).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.run import ENV, served  # noqa: E402
from crawler.redis_server import local_redis  # noqa: E402


@dataclass
class Round:
    """One crawl of the whole fleet by ``workers`` workers."""

    workers: int
    wall: float
    pages: list[int]  # requests of each worker
    sites: list[int]  # sites each worker crawled
    calls: dict[str, int]  # Redis commands the round cost, by command
    redis_usec: int  # Redis server time the round cost
    redis_bytes: int  # bytes Redis received

    @property
    def total(self) -> int:
        return sum(self.pages)

    @property
    def commands(self) -> int:
        return sum(self.calls.values())

    def busiest(self, count: int = 5) -> str:
        """The commands most used, per request: where Redis's cost comes from."""
        ranked = sorted(self.calls.items(), key=lambda call: -call[1])[:count]
        return ", ".join(f"{name} {self.per_request(calls):.1f}" for name, calls in ranked)

    def per_request(self, value: float) -> float:
        return value / self.total if self.total else float("nan")


def _redis_cost(client) -> tuple[dict[str, int], int, int]:
    """(calls by command, server µs, bytes received) since the last CONFIG RESETSTAT, less
    the INFO calls that read them."""
    stats = client.info("commandstats")
    stats.pop("cmdstat_info", None)
    calls = {name.removeprefix("cmdstat_"): s["calls"] for name, s in stats.items()}
    usec = sum(s["usec"] for s in stats.values())
    return calls, usec, client.info("stats")["total_net_input_bytes"]


def _worker_figures(out: Path) -> tuple[int, int]:
    """(requests, sites) of one worker's run, from its run report."""
    reports = sorted((out / "runs").glob("*.json"))
    if not reports:
        return 0, 0
    sites = json.loads(reports[-1].read_text("utf-8"))["sites"]
    return sum(site["requests"] for site in sites), len(sites)


def crawl_round(sites: Path, root: Path, workers: int, extra: list[str]) -> Round:
    """Start ``workers`` crawl-all processes on a fresh Redis; their figures when all end."""
    import redis

    root.mkdir(parents=True)
    with local_redis(root) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        client.config_resetstat()
        command = [sys.executable, "-m", "crawler", "crawl-all", "--redis", url]
        command += ["--sites", str(sites), "--quiet", "-s", "LOG_LEVEL=WARNING", *extra]
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                [*command, "--output", str(root / f"worker-{n}")],
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(workers)
        ]
        errors = [child.communicate()[1] for child in children]
        wall = time.perf_counter() - started
        calls, usec, received = _redis_cost(client)
        client.close()
    for child, error in zip(children, errors, strict=True):
        if child.returncode == 2:  # EXIT_COULD_NOT_RUN: bad arguments or configuration
            raise SystemExit(f"a worker could not run (exit 2):\n{error[-2000:]}")
    figures = [_worker_figures(root / f"worker-{n}") for n in range(workers)]
    return Round(
        workers,
        wall,
        [pages for pages, _ in figures],
        [count for _, count in figures],
        calls,
        usec,
        received,
    )


def main(argv: list[str] | None = None) -> list[Round]:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sites", type=int, default=32)
    options.add_argument("--articles", type=int, default=20, help="per site")
    options.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    options.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    options.add_argument("--profile", help="a settings profile (the smoke test's: replica)")
    args = options.parse_args(argv)
    extra = [part for setting in args.set for part in ("-s", setting)]
    extra += ["--profile", args.profile] if args.profile else []
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "fleet", args.sites, args.articles)
        with served(root / "fleet") as sites:
            for workers in args.workers:
                rounds.append(crawl_round(sites, root / f"round-{workers}", workers, extra))
    base = rounds[0]
    print(f"cluster of {args.sites} sites x {args.articles} articles, one Redis on loopback")
    for r in rounds:
        print(
            f"{r.workers} worker(s): wall {r.wall:.1f} s, {r.total} pages, "
            f"{r.total / r.wall:.1f} pages/s, pages per worker {r.pages}, sites per worker "
            f"{r.sites}, speed-up {base.wall / r.wall:.2f}x; Redis per request: "
            f"{r.per_request(r.commands):.1f} commands, {r.per_request(r.redis_usec):.0f} µs "
            f"server time, {r.per_request(r.redis_bytes):.0f} bytes in ({r.busiest()})"
        )
    print(
        "CLUSTER "
        + " ".join(
            f"{name}={','.join(values)}"
            for name, values in (
                ("workers", [str(r.workers) for r in rounds]),
                ("wall_s", [f"{r.wall:.1f}" for r in rounds]),
                ("pages_per_s", [f"{r.total / r.wall:.1f}" for r in rounds]),
                ("speedup", [f"{base.wall / r.wall:.2f}" for r in rounds]),
                (
                    "redis_commands_per_request",
                    [f"{r.per_request(r.commands):.1f}" for r in rounds],
                ),
                ("redis_us_per_request", [f"{r.per_request(r.redis_usec):.0f}" for r in rounds]),
            )
        )
    )
    return rounds


if __name__ == "__main__":
    main()
