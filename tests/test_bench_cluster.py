"""The cluster benchmark runs end to end on a tiny fleet (its figures are not checked)."""

from __future__ import annotations

import pytest


def test_cluster_bench_crawls_the_fleet_with_each_worker_count(redis_url, capsys):
    # redis_url: skips the test where redis-server is missing; the bench starts its own.
    pytest.importorskip("redis")
    from bench.cluster import main

    rounds = main(
        ["--sites", "3", "--articles", "3", "--workers", "1", "2", "--profile", "replica",
         "-s", "TINKHAC_CLUSTER_LEASE_TTL=3"]
    )  # fmt: skip
    assert [r.workers for r in rounds] == [1, 2]
    for r in rounds:
        assert sum(r.sites) == 3 and len(r.pages) == r.workers
        assert r.total >= 3 * 5 and r.commands > r.total  # each request passes Redis
    assert capsys.readouterr().out.splitlines()[-1].startswith("CLUSTER workers=1,2 ")
