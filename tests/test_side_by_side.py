"""Sites crawled side by side in one process each keep their own politeness.

The runner gives every site its own Scrapy crawler, so each has its own downloader slots:
DOWNLOAD_DELAY, AutoThrottle and CONCURRENT_REQUESTS_PER_DOMAIN apply per site. The
replica server logs when every request arrived; between two requests of one site there
must be at least the configured delay, while the two sites' crawls overlap in time.
"""

from __future__ import annotations

from itertools import pairwise

from conftest import run_tinkhac

from crawler.profiles import REPLICA_POLITE
from crawler.replica_server import ReplicaServer, load_replicas

KEYS = ("thainguyen", "tayninh")
# The server sees a request a little after the downloader sends it, later on a loaded
# machine (CI runs the suite beside other work): allow a third of the delay. Two sites that
# added up their rates would interleave their requests at gaps far below that.
SLACK = 0.1


def test_two_sites_crawled_together_each_keep_the_delay(tmp_path):
    replicas = [r for r in load_replicas() if r.key in KEYS]
    with ReplicaServer(replicas) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(server.sites_toml(), encoding="utf-8")
        process = run_tinkhac(
            "crawl", *KEYS, "--sites", str(sites), "--output", str(tmp_path / "out"),
            "--profile", "replica-polite", "--max-pages", "1", "--max-articles", "4",
            timeout=180,
        )  # fmt: skip
        assert process.returncode == 0, process.stderr[-3000:]
    delay = REPLICA_POLITE["DOWNLOAD_DELAY"]
    spans = []
    for replica in replicas:
        times = [t for t, _ in replica.request_times]  # robots.txt too: same slot
        assert len(times) >= 4, replica.key
        gaps = [b - a for a, b in pairwise(times)]
        assert min(gaps) >= delay - SLACK, (replica.key, gaps)
        spans.append((times[0], times[-1]))
    (first_start, first_end), (second_start, second_end) = spans
    assert first_start < second_end and second_start < first_end, "the sites did not overlap"


def test_two_sites_on_one_host_share_its_delay(tmp_path):
    """Two registry sites on one host (a portal's path subsites) do not add up their rates."""
    replica = next(r for r in load_replicas() if r.key == KEYS[0])
    with ReplicaServer([replica]) as server:
        entry = server.sites_toml()
        twin = entry.replace(f"[sites.{replica.key}]", f"[sites.{replica.key}-twin]")
        sites = tmp_path / "sites.toml"
        sites.write_text(f"{entry}\n{twin}", encoding="utf-8")
        process = run_tinkhac(
            "crawl", replica.key, f"{replica.key}-twin", "--sites", str(sites),
            "--output", str(tmp_path / "out"), "--profile", "replica-polite",
            "--max-pages", "1", "--max-articles", "3", timeout=180,
        )  # fmt: skip
        assert process.returncode == 0, process.stderr[-3000:]
    times = [t for t, _ in replica.request_times]
    assert len(times) >= 8  # both sites' robots.txt, start page and articles
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= REPLICA_POLITE["DOWNLOAD_DELAY"] - SLACK, gaps
