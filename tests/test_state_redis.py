"""The state store in Redis (issue 14) behaves as the SQLite one, and is shared by workers.

The behaviour tests run over both stores (the ``open_store`` fixture of conftest.py, a
real redis-server for the Redis one); then what only a shared store can do: a worker
knows what another worker of the same run wrote, and a crawl that keeps its state in
Redis is incremental whatever its output folder.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from test_incremental import _article_files, _crawl, _runs, _serve
from test_pipelines import _item
from test_runs import _run as run_crawl
from test_runs import _serve as serve_replicas

from crawler.state import ARTICLE, HISTORY_RUNS, NOT_ARTICLE, StateStore
from pipelines.dedup import DeduplicatePipeline
from pipelines.seen import RecordSeenPipeline

# -- the same behaviour from both stores --------------------------------------------------


def test_an_article_recorded_is_known_to_the_next_process_and_updated_in_place(open_store):
    store = open_store()
    assert store.get("s", "1") is None
    store.record("s", "1", "http://x/1.html", "Tin một", "f1", ["http://x/2.html"])
    store.record("t", "1", "http://y/1.html", "Tin khác trang", "g1", [])
    store.close()
    later = open_store()
    known = later.get("s", "1")
    assert (known.id, known.title, known.fingerprint) == ("1", "Tin một", "f1")
    assert (known.related, known.url, known.shown_as) == (
        ("http://x/2.html",),
        "http://x/1.html",
        frozenset(),
    )
    later.record("s", "1", "http://x/1-sua.html", None, "f2", [])
    edited = later.get("s", "1")
    assert (edited.title, edited.fingerprint, edited.related, edited.url) == (
        None, "f2", (), "http://x/1-sua.html",
    )  # fmt: skip
    assert later.get("t", "1").title == "Tin khác trang"  # sites do not mix
    assert (later.count("s"), later.count("t"), later.count("u"), later.count()) == (1, 1, 0, 2)


def test_a_link_title_is_kept_once_and_outlives_an_update(open_store):
    store = open_store()
    store.remember_link_title("s", "1", "Tin cũ…")  # before the article is recorded
    store.remember_link_title("s", "1", "TIN CŨ")
    store.remember_link_title("s", "1", " … ")  # nothing left once folded: not kept
    store.record("s", "1", "http://x/1.html", "Tin mới", "f", [])
    store.record("s", "1", "http://x/1.html", "Tin mới hơn", "f2", [])
    assert store.get("s", "1").shown_as == frozenset({"tin cũ"})


def test_a_page_is_remembered_with_its_kind_target_and_time(open_store):
    store = open_store()
    assert store.page("s", "http://x/gioi-thieu") is None
    before = datetime.now(UTC).replace(microsecond=0)
    store.remember_page("s", "http://x/gioi-thieu", NOT_ARTICLE, '["http://x/c"]')
    store.remember_page("s", "http://x/a.html", ARTICLE, "7")
    store.remember_page("s", "http://x/a.html", ARTICLE, "8")  # replaced
    page = open_store().page("s", "http://x/gioi-thieu")
    assert (page.kind, page.target) == (NOT_ARTICLE, '["http://x/c"]')
    assert before <= page.last_seen <= datetime.now(UTC)
    assert store.page("s", "http://x/a.html").target == "8"
    assert store.page("t", "http://x/a.html") is None


def test_history_is_the_latest_runs_newest_first(open_store):
    store = open_store()
    for number in range(HISTORY_RUNS + 2):
        store.record_run("s", f"run-{number:02d}", number, number // 2, {"title": 1.0})
    store.record_run("t", "run-99", 5, 5, {})
    store.record_run("s", "run-11", 40, 30, {"title": 0.5})  # a run recorded again
    history = open_store().history("s")
    assert [run["run_id"] for run in history] == [f"run-{n:02d}" for n in range(11, 1, -1)]
    assert history[0] == {
        "run_id": "run-11",
        "found": 40,
        "written": 30,
        "coverage": {"title": 0.5},
    }
    assert store.history("u") == []


def test_what_the_run_wrote_is_known_by_id_and_by_content(open_store):
    store = open_store()
    assert not store.written_in_run("s", "1")
    store.mark_written("s", "1", "f1")
    assert store.written_in_run("s", "1") and store.content_written_in_run("s", "f1")
    assert not store.written_in_run("t", "1") and not store.content_written_in_run("t", "f1")
    assert not store.written_in_run("s", "2") and not store.content_written_in_run("s", "f2")


# -- what only the shared store does --------------------------------------------------------


def _worker(tmp_path, redis_url: str, run: str):
    """A crawler as one worker of cluster run ``run`` builds it."""
    settings = {"TINKHAC_REDIS_URL": redis_url, "TINKHAC_CLUSTER_RUN_ID": run}
    return get_crawler(settings_dict={"TINKHAC_OUTPUT_DIR": str(tmp_path), **settings})


def test_for_crawler_picks_redis_when_the_setting_is_set(tmp_path, redis_url):
    from crawler.state import SqliteStateStore
    from crawler.state_redis import RedisStateStore

    crawler = _worker(tmp_path, redis_url, "run-1")
    store = StateStore.for_crawler(crawler)
    assert isinstance(store, RedisStateStore) and store.run_id == "run-1"
    assert StateStore.for_crawler(crawler) is store  # one client per crawler
    local = get_crawler(settings_dict={"TINKHAC_OUTPUT_DIR": str(tmp_path)})
    assert isinstance(StateStore.for_crawler(local), SqliteStateStore)
    store.close()


def test_a_worker_taking_over_drops_what_the_other_wrote_in_the_run(tmp_path, redis_url):
    """The same article met under two URLs, or the same text under two ids, by two workers
    of one run is written once; a later run sees an earlier run's article as such."""
    first = _worker(tmp_path / "a", redis_url, "run-1")
    RecordSeenPipeline.from_crawler(first).process_item(_item(id="1", body="Nội dung"))
    second = _worker(tmp_path / "b", redis_url, "run-1")
    dedup = DeduplicatePipeline.from_crawler(second)
    with pytest.raises(DropItem, match="same_id"):
        dedup.process_item(_item(id="1", url="http://a.vn/khac/tin-1.html"))
    with pytest.raises(DropItem, match="same_content"):
        dedup.process_item(_item(id="2", url="http://a.vn/tin-2.html"))
    later = _worker(tmp_path / "c", redis_url, "run-2")
    with pytest.raises(DropItem, match="written_before"):
        DeduplicatePipeline.from_crawler(later).process_item(_item(id="1"))
    kept = _item(id="2", url="http://a.vn/tin-2.html", body="Bài khác")
    assert DeduplicatePipeline.from_crawler(later).process_item(kept) is kept


def test_state_in_redis_makes_a_crawl_incremental_from_any_folder(tmp_path, redis_url):
    """Two crawls of one replica into two folders: the second, which has no local state,
    writes nothing and requests no article, because Redis remembers the first."""
    import redis

    redis_state = ("-s", f"TINKHAC_REDIS_URL={redis_url}")
    with _serve() as server:
        replica = server.replicas[0]
        _crawl(server, tmp_path / "first", *redis_state)
        assert len(_runs(tmp_path / "first")[0]) == len(replica.expected())
        replica.requests.clear()
        _crawl(server, tmp_path / "second", *redis_state)
        assert sum(len(run) for run in _runs(tmp_path / "second")) == 0
        fetched = {replica.resolve(path)[1] for path in replica.requests}
        assert fetched & _article_files(replica) == set()
        assert replica.requests, "listing pages are still read"
    for folder in ("first", "second"):
        assert not (tmp_path / folder / ".state" / "state.sqlite").exists()
    client = redis.Redis.from_url(redis_url)
    assert client.hlen(f"tinkhac:state:articles:{replica.key}") == len(replica.expected())
    assert client.hlen(f"tinkhac:state:runs:{replica.key}") == 2


def test_the_workers_of_a_cluster_run_mark_what_they_write_under_that_run(tmp_path, redis_url):
    """Not under each worker's own run id: a worker taking over must see the marks."""
    import redis

    with serve_replicas(("aspnet-hungyen",)) as server:
        replica = server.replicas[0]
        crawl = run_crawl(server, tmp_path / "worker", "crawl-all", "--redis", redis_url)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    run = client.get("tinkhac:run")
    marked = client.smembers(f"tinkhac:state:run:{run}:ids:{replica.key}")
    assert marked == {e["id"] for e in replica.expected()}


def test_a_worker_going_on_with_a_run_pages_past_what_the_run_wrote(tmp_path, redis_url):
    """A site crawled again within the same cluster run (as by a worker that takes it over)
    pages its listings on past the articles the run wrote, which the state knows but are
    news to this run; it downloads and writes none of them again. A later run stops at
    the first page it knows."""
    in_run = ("-s", f"TINKHAC_REDIS_URL={redis_url}", "-s", "TINKHAC_CLUSTER_RUN_ID=run-a")
    with _serve() as server:
        replica = server.replicas[0]
        articles = _article_files(replica)

        def listings_fetched() -> set:
            fetched = {replica.resolve(path)[1] for path in replica.requests}
            replica.requests.clear()
            assert fetched, "nothing fetched"
            return fetched - articles

        _crawl(server, tmp_path / "first", *in_run)
        first = listings_fetched()
        _crawl(server, tmp_path / "going-on", *in_run)
        going_on = listings_fetched()
        _crawl(server, tmp_path / "next-run", "-s", f"TINKHAC_REDIS_URL={redis_url}")
        next_run = listings_fetched()
    assert sum(len(run) for run in _runs(tmp_path / "going-on")) == 0
    # Every listing page again, no article, and no page the first found to be no article.
    not_articles = {replica.resolve(path)[1] for path in replica.config["non_articles"]}
    assert going_on == first - not_articles
    assert next_run < first  # first pages only
