"""Request priority from URL hints: a run cut short has spent its requests on articles."""

from __future__ import annotations

from test_runs import ONE_AT_A_TIME, _run, _serve

from crawler.families import profile
from crawler.priority import ARTICLE, CATEGORY, NEXT_PAGE, STATIC_PAGE, request_priority


def test_articles_then_next_pages_then_categories_then_static_pages():
    nukeviet = profile("nukeviet")
    base = "http://dang.example.vn"
    article = f"{base}/news/tin-tuc/hoi-nghi-tinh-uy-2101.html"
    assert request_priority(article, nukeviet, "article") == ARTICLE
    assert request_priority(f"{base}/news/tin-tuc/page-2", nukeviet, "listing", 2) == NEXT_PAGE
    assert request_priority(f"{base}/news/tin-tuc/", nukeviet, "listing") == CATEGORY
    assert request_priority(f"{base}/about/gioi-thieu.html", nukeviet, "listing") == STATIC_PAGE
    assert ARTICLE > NEXT_PAGE > CATEGORY > STATIC_PAGE


def test_a_run_cut_short_reads_articles_before_categories(tmp_path):
    """One request at a time, three articles: the home page, the three articles it links,
    and at most the one request already on its way when the run stops (12 without)."""
    with _serve(("aspnet-hungyen",)) as server:
        replica = server.replicas[0]
        args = ("crawl", replica.key, "--max-articles", "3", *ONE_AT_A_TIME)
        process = _run(server, tmp_path, *args)
        assert process.returncode == 0, process.stderr[-2000:]
        pages = [path for path in replica.requests if path != "/robots.txt"]
        assert len(pages) <= 5, pages
