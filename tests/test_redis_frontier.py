"""scrapy-redis 0.9.1 under our Scrapy (2.19), against a real redis-server (issue 14).

The first step of the Redis frontier: the scheduler queue and the duplicate filter of
scrapy-redis run a whole crawl of a replica unchanged. Its keys are named after the
spider (``news:requests``), which every site's crawler shares, so each site is given its
own keys here; tests/test_cluster.py tests the cluster built on it (leases, in-flight
requests). The ``redis_url`` fixture is in conftest.py.
"""

from __future__ import annotations

from test_runs import _newest_run, _run, _serve


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
