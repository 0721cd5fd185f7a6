"""Several workers on one Redis (`crawl-all --redis`, issue 14), against a real redis-server.

The done-when test: three workers crawl five replicas while one of them is killed with
SIGKILL in the middle of a site; the others take its sites over once its leases expire,
and the dataset exported from the three folders holds exactly what a single-process
``crawl-all`` finds, while no site ever sees two requests closer than 0.4 s or three in a
second (a delay of 0.52 s, one request at a time, AutoThrottle off: the cluster must keep
the politeness of one process). Then a clean stop, which resumes, and a new run after a
finished one.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_tinkhac
from test_runs import ENV, ONE_AT_A_TIME, _command, _newest_run, _records, _run, _serve

SITES = (
    "aspnet-hungyen",
    "liferay-dongthap",
    "nukeviet-tayninh",
    "custom-camau-thoibinh",
    "html5-hagiang",
)
#: 0.52 s, not 0.5: Scrapy spaces the requests it sends, and the server sees them a few
#: milliseconds closer (the first one waits for its connection's handshake), so at 0.5 s
#: a site's first three requests land 0.996 s apart in every worker, one process or many.
POLITE = (
    "-s", "DOWNLOAD_DELAY=0.52", "-s", "DOWNLOAD_DELAY_JITTER=0",
    "-s", "AUTOTHROTTLE_ENABLED=False", *ONE_AT_A_TIME,
)  # fmt: skip
#: Short leases, so a dead worker's sites are taken over within seconds.
CLUSTER = ("-s", "TINKHAC_CLUSTER_LEASE_TTL=3", "-s", "TINKHAC_CLUSTER_SITES_AT_ONCE=2")


def _worker(server, out: Path, redis_url: str, *extra: str) -> subprocess.Popen:
    command = _command(server, out, "crawl-all", "--redis", redis_url, *CLUSTER, *extra)
    return subprocess.Popen(
        command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def _leased_by(client, pid: int) -> list[str]:
    """The sites whose lease the worker with this pid holds (see cluster.worker_name)."""
    held = []
    for key in client.scan_iter("tinkhac:lease:*"):
        holder = (client.get(key) or b"").decode()
        if f":{pid}:" in holder:
            held.append(key.decode().rsplit(":", 1)[-1])
    return held


def _wait_until_busy(client, server, pid: int, pages: int) -> str:
    """A site the worker holds, has fetched at least ``pages`` pages of, and has a
    request in flight of."""
    replicas = {r.key: r for r in server}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for site in _leased_by(client, pid):
            busy = client.hlen(f"tinkhac:{site}:inflight")
            if len(replicas[site].request_times) >= pages and busy:
                return site
        time.sleep(0.05)
    raise AssertionError("the worker never got going on a site")


def _reports(out: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((out / "runs").glob("*.json"))]


def _exported(tmp_path: Path, *folders: Path) -> list[dict]:
    out = tmp_path / "dataset"
    export = run_tinkhac("export", "--from", *map(str, folders), "--out", str(out))
    assert export.returncode == 0, export.stderr[-3000:]
    return _records([out / "articles.jsonl"])


def _assert_polite(replica) -> None:
    times = sorted(t for t, _ in replica.request_times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.4, f"{replica.key}: two requests {min(gaps):.3f} s apart"
    busiest = max(sum(1 for u in times if t <= u < t + 1) for t in times)
    assert busiest <= 2, f"{replica.key}: {busiest} requests in one second"


def test_three_workers_one_killed_lose_nothing_and_stay_polite(tmp_path, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    with _serve(SITES) as server:
        single = _run(server, tmp_path / "single", "crawl-all")
        assert single.returncode == 0, single.stderr[-3000:]
        wanted = {(r["site"], r["id"]) for r in _newest_run(tmp_path / "single")}
        assert {site for site, _ in wanted} == {r.key for r in server}
        for replica in server:
            replica.requests.clear()
            replica.request_times.clear()

        folders = [tmp_path / f"worker{i}" for i in range(3)]
        workers = [_worker(server, folder, redis_url, *POLITE) for folder in folders]
        victim = workers[0]
        site = _wait_until_busy(client, server, victim.pid, pages=5)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        left_in_flight = client.hlen(f"tinkhac:{site}:inflight")
        for worker in workers[1:]:
            _, stderr = worker.communicate(timeout=120)
            assert worker.returncode == 0, stderr[-3000:]

        for replica in server:
            _assert_polite(replica)
    records = _exported(tmp_path, *folders)
    # Every article by (site, id), export's identity of an article; no URL twice either.
    got = {(r["site"], r["id"]) for r in records}
    assert got == wanted, (sorted(got - wanted), sorted(wanted - got))
    assert len(got) == len(records) == len({r["url"] for r in records}), "an article twice"

    survivors = [s for folder in folders[1:] for run in _reports(folder) for s in run["sites"]]
    [taken] = [s for s in survivors if s["site"] == site and s["taken_over"]]
    assert taken["requeued_in_flight"] == left_in_flight
    assert {s["site"] for s in survivors} | {site} >= {r.key for r in server}
    assert not list(client.scan_iter("tinkhac:lease:*")), "a lease was left behind"
    assert not list(client.scan_iter("tinkhac:*:inflight")), "a request was left in flight"
    run_id = client.get("tinkhac:run").decode()
    assert client.scard(f"tinkhac:run:{run_id}:done") == len(SITES)


def test_two_workers_never_crawl_two_sites_of_one_host_at_once(tmp_path, redis_url):
    """A portal's path subsites share a host: with one site at a time per worker, the
    second worker must wait for the host rather than crawl its twin beside the first."""
    with _serve(("aspnet-hungyen",)) as server:
        replica = server.replicas[0]
        entry = server.sites_toml(exclusive=True)
        own = entry[entry.index(f"[sites.{replica.key}]") :]
        sites = tmp_path / "sites.toml"
        twin = own.replace(f"[sites.{replica.key}]", f"[sites.{replica.key}-twin]")
        sites.write_text(f"{entry}\n{twin}", encoding="utf-8")
        one_each = ("-s", "TINKHAC_CLUSTER_LEASE_TTL=3", "-s", "TINKHAC_CLUSTER_SITES_AT_ONCE=1")
        small = ("-s", "TINKHAC_MAX_LISTING_PAGES=1", "-s", "CLOSESPIDER_ITEMCOUNT=3")
        workers = []
        for name in ("a", "b"):
            command = [sys.executable, "-m", "crawler", "crawl-all", "--sites", str(sites)]
            command += ["--output", str(tmp_path / name), "--profile", "replica"]
            command += ["--redis", redis_url, *one_each, *small, *POLITE]
            workers.append(subprocess.Popen(command, env=ENV, stderr=subprocess.PIPE, text=True))
        for worker in workers:
            _, stderr = worker.communicate(timeout=120)
            assert worker.returncode == 0, stderr[-3000:]
    crawled = {
        s["site"] for name in ("a", "b") for r in _reports(tmp_path / name) for s in r["sites"]
    }
    assert crawled == {replica.key, f"{replica.key}-twin"}
    _assert_polite(replica)


def test_a_stopped_worker_releases_its_site_and_the_next_one_resumes(tmp_path, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    with _serve(("aspnet-hungyen",), delay=0.1) as server:
        replica = server.replicas[0]
        first = _worker(server, tmp_path / "a", redis_url, *ONE_AT_A_TIME)
        _wait_until_busy(client, server, first.pid, pages=6)
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=60)
        assert first.returncode == 1, "a stopped worker is not 'all well'"
        assert not client.exists(f"tinkhac:lease:{replica.key}"), "the lease was kept"
        assert client.zcard(f"tinkhac:{replica.key}:requests") > 0, "nothing left to resume"
        fetched_before = set(replica.requests)

        replica.requests.clear()
        second = _worker(server, tmp_path / "b", redis_url, *ONE_AT_A_TIME)
        _, stderr = second.communicate(timeout=60)
        assert second.returncode == 0, stderr[-3000:]
        assert not (set(replica.requests) - {"/robots.txt"}) & fetched_before, "started over"
    records = _exported(tmp_path, tmp_path / "a", tmp_path / "b")
    assert sorted(r["id"] for r in records) == sorted(e["id"] for e in replica.expected())
    [resumed] = _reports(tmp_path / "b")[0]["sites"]
    assert resumed["taken_over"] and resumed["flags"] == []


def test_the_worker_after_a_finished_run_starts_a_new_one(tmp_path, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    with _serve(("liferay-dongthap",)) as server:
        first = _worker(server, tmp_path, redis_url)
        assert first.wait(timeout=60) == 0, first.stderr.read()[-3000:]
        first_run = client.get("tinkhac:run")
        second = _worker(server, tmp_path, redis_url)
        assert second.wait(timeout=60) == 0, second.stderr.read()[-3000:]
        assert client.get("tinkhac:run") != first_run
    [_, again] = _reports(tmp_path)
    [site] = again["sites"]
    # The frontier of the first run was forgotten: the listings were read again and
    # every article was met, known from the first run (this worker's state).
    assert site["listing_pages"] > 0 and site["skipped_known"] == site["found"] > 0


def test_a_lease_is_one_holders_until_it_expires(redis_url):
    from crawler.cluster import Lease, connect

    server = connect(redis_url)
    mine, theirs = (Lease(server, "alpha", "alpha.vn", who, ttl_ms=300) for who in ("a", "b"))
    assert mine.acquire() and not theirs.acquire()
    theirs.release()  # not theirs to release
    assert mine.renew() and not theirs.acquire()
    time.sleep(0.4)
    assert theirs.acquire(), "a lease outlived its TTL"
    assert not mine.renew(), "a lost lease was renewed over its new holder"
    mine.release()
    assert server.get(theirs.key) == b"b"


def test_the_sites_of_one_host_go_to_one_worker_at_a_time(redis_url):
    from crawler.cluster import Lease, connect

    server = connect(redis_url)
    site_a, other_site = (Lease(server, s, "portal.vn", "a", ttl_ms=300) for s in ("x", "y"))
    theirs = Lease(server, "y", "portal.vn", "b", ttl_ms=300)
    assert site_a.acquire()
    assert not theirs.acquire(), "another worker took a second site of a host in use"
    assert other_site.acquire(), "the host's holder may crawl its other sites"
    site_a.release(last_of_host=False)
    assert not theirs.acquire() and other_site.renew()
    other_site.release()
    assert theirs.acquire(), "a host given up stayed held"
    assert not site_a.acquire(), "a site taken while another worker holds its host"
    time.sleep(0.4)
    assert site_a.acquire(), "a dead worker's host outlived its TTL"
    cooling = Lease(server, "x", "portal.vn", "a", ttl_ms=300, cool_ms=200)
    cooling.release()
    assert not theirs.acquire(), "the host's last request delay was not kept"
    time.sleep(0.25)
    assert theirs.acquire(), "a host stayed held past its delay"


def test_workers_join_the_unfinished_run_and_a_finished_one_is_replaced(redis_url):
    from crawler.cluster import Run, connect

    server = connect(redis_url)
    first = Run.join(server, ["alpha", "beta"])
    assert Run.join(server, ["alpha", "beta", "gamma"]).id == first.id
    assert first.begin("alpha") and not first.begin("alpha")
    first.mark_done("alpha")
    assert first.left() == ["beta"]
    assert Run.join(server, ["alpha"]).id == first.id, "beta is not done yet"
    first.mark_done("beta")
    again = Run.join(server, ["alpha"])
    assert again.id != first.id and again.left() == ["alpha"]


def test_a_draining_cluster_takes_no_new_site(tmp_path, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set("tinkhac:drain", 1)
    with _serve(("liferay-dongthap",)) as server:
        worker = _worker(server, tmp_path, redis_url)
        assert worker.wait(timeout=60) == 0, worker.stderr.read()[-3000:]
        assert server.replicas[0].requests == []
    [report] = _reports(tmp_path)
    assert report["sites"] == []


def test_an_unusable_redis_is_one_line_and_exit_code_2(tmp_path):
    for extra, says in (
        (["--redis", "redis://127.0.0.1:1/0"], "cannot use Redis at redis://127.0.0.1:1/0"),
        (["--redis", "redis://127.0.0.1:1/0", "--job", "a"], "do not go together"),
    ):
        process = run_tinkhac("crawl-all", "--output", str(tmp_path), *extra)
        assert process.returncode == 2
        assert says in process.stderr and len(process.stderr.splitlines()) == 1
