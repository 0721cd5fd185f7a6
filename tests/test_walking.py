"""The walk: pages known by their content, identity past opaque URLs, pagers as data, the
state of what each URL turned out to be, and the self-check.

End-to-end crawls run against ``tests/replicas/opaque-portal`` (a WebSphere-shaped site
whose article URLs are opaque portal state or look like categories, paged only by
"Trang sau >>" and ``<link rel=next>``) and against every bundled replica; the page
objects are tested on stored pages.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, read_jsonl, run_tinkhac
from parsel import Selector
from scrapy.http import HtmlResponse, Request

from crawler.families import profile
from crawler.links import MAX_LINKS_PER_PAGE, links_of, next_page_links, page_number, pager_links
from crawler.pages import ArticlePage, CrawlContext, ListingPage
from crawler.registry import load_sites
from crawler.replica_server import Replica, ReplicaServer, load_replicas
from crawler.selfcheck import selfcheck
from crawler.state import KnownArticle
from crawler.urls import canonical_url, join_link, repeats_itself, without_session

FIXTURES = ROOT / "tests" / "replicas"
PORTAL = next(r for r in load_replicas(FIXTURES) if r.name == "opaque-portal")
WPS = profile("wps")
GENERIC = profile("generic")


def _serve(*replicas: Replica) -> ReplicaServer:
    return ReplicaServer(list(replicas))


def _crawl(server: ReplicaServer, out: Path, *keys: str, sites: str | None = None):
    path = out / "sites.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sites or server.sites_toml(), encoding="utf-8")
    keys = keys or tuple(r.key for r in server)
    return run_tinkhac(
        "crawl", *keys, "--sites", str(path), "--output", str(out), "--profile", "replica"
    )


def _report(out: Path) -> dict[str, dict]:
    newest = sorted((out / "runs").glob("*.json"))[-1]
    return {s["site"]: s for s in json.loads(newest.read_text("utf-8"))["sites"]}


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- end to end ----------------------------------------------------------------------------


def test_an_opaque_portal_site_is_found_whole_and_once(tmp_path):
    """Articles at portal-state URLs that differ on every page, and one at a friendly URL
    that looks like a category, are each recorded once; listings paged by "Trang sau >>"
    and rel=next are read to the end; the about page gives no record."""
    expected = json.loads((PORTAL.folder / "articles.json").read_text("utf-8"))
    with _serve(PORTAL) as server:
        process = _crawl(server, tmp_path)
        assert process.returncode == 0, process.stderr[-3000:]
        records = read_jsonl(tmp_path)
        requested = set(PORTAL.requests)
    assert sorted((r["title"], r["published_at"]) for r in records) == sorted(
        (e["title"], e["published_at"]) for e in expected
    )
    assert len({r["id"] for r in records}) == len(records)
    assert set(PORTAL.config["related_only"]) <= {r["title"] for r in records}
    pages = [t for t, f in PORTAL.config["routes"].items() if f.startswith("tin-tuc-")]
    assert set(pages) <= requested, "every listing page was read"
    # half of the articles show a content id, the others are known by their content
    shown = [r["id"] for r in records if r["id"].startswith("wcm-")]
    assert len(shown) == 6 and all(i.startswith(("wcm-", "f")) for i in (r["id"] for r in records))
    assert _report(tmp_path)[PORTAL.key]["flags"] == []


def test_a_second_run_requests_only_listing_pages(tmp_path):
    """Over every bundled replica and the portal fixture: the second incremental run
    requests no article, no redirect and no page that is no article again.

    An about page that shows a sidebar of the latest news reads as a listing (it links
    articles) and is read again like one; those are the non-article pages allowed.
    """
    replicas = [*load_replicas(), PORTAL]
    with _serve(*replicas) as server:
        first = _crawl(server, tmp_path)
        assert first.returncode in (0, 1), first.stderr[-3000:]  # 1: a self-check flag
        assert "failed:" not in first.stderr
        articles = {}
        for record in read_jsonl(tmp_path):
            replica = next(r for r in replicas if r.key == record["site"])
            articles.setdefault(replica.name, set()).add(replica.resolve(_target(record["url"])))
        plain_pages = {}
        for replica in replicas:
            for path in replica.config.get("non_articles", []):
                page = ListingPage(_response(replica, path), GENERIC, _context(replica))
                if not page.articles:
                    plain_pages.setdefault(replica.name, set()).add(path)
            replica.requests.clear()
        second = _crawl(server, tmp_path)
        assert second.returncode == 0, second.stderr[-3000:]  # nothing read, nothing flagged
        again = {}
        for replica in replicas:
            for path in replica.requests:
                status, file = replica.resolve(path)
                if path == "/robots.txt":
                    continue
                if (
                    status == 301
                    or (status, file) in articles[replica.name]
                    or path in plain_pages.get(replica.name, set())
                ):
                    again.setdefault(replica.name, []).append(path)
        assert again == {}
        assert all(replica.requests for replica in replicas), "listings are still read"


def test_a_start_url_that_lists_nothing_is_flagged(tmp_path):
    """A site entered by one of its articles: crawled through related blocks, flagged."""
    hungyen = next(r for r in load_replicas() if r.name == "aspnet-hungyen")
    with _serve(hungyen) as server:
        article = next(e for e in hungyen.expected() if e["id"] == "5127")["url"]
        sites = server.sites_toml().replace(f'["{hungyen.base_url}/"]', f'["{article}"]')
        assert article in sites
        process = _crawl(server, tmp_path, sites=sites)
    assert process.returncode == 1
    flags = _report(tmp_path)[hungyen.key]["flags"]
    assert "suspect_discovery:few_listing_links" in flags
    assert "suspect_discovery:mostly_related" in flags


def test_a_pager_the_data_cannot_follow_is_flagged(tmp_path):
    """An ASP.NET postback pager shows page numbers no crawler can request."""
    postback = b'<div class="phantrang"><span>1</span> '
    postback += b"<a href=\"javascript:__doPostBack('pager','2')\">2</a></div>"
    PORTAL.rewrites = [(rb'<div class="phantrang">.*?</div>', postback)]
    try:
        with _serve(PORTAL) as server:
            process = _crawl(server, tmp_path)
    finally:
        PORTAL.rewrites = []
    assert process.returncode == 1
    assert "suspect_discovery:pager_not_followed" in _report(tmp_path)[PORTAL.key]["flags"]


# -- page objects on stored pages ---------------------------------------------------------


def _response(replica: Replica, target: str, base: str = "http://127.0.0.1:8000") -> HtmlResponse:
    status, path = replica.resolve(target)
    assert status == 200, target
    url = base + target
    body = Path(path).read_bytes()
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))


def _context(replica: Replica) -> CrawlContext:
    site = next(iter(load_sites().values()))
    return CrawlContext(
        replace(site, key=replica.key, allowed_domains=frozenset({"127.0.0.1:8000"}))
    )


def _portal_routes(prefix: str) -> list[str]:
    return [t for t, f in PORTAL.config["routes"].items() if f.startswith(prefix)]


def test_a_listing_page_gives_its_articles_with_dates_and_its_next_page():
    first, second, third = _portal_routes("tin-tuc-")
    context = _context(PORTAL)
    page = ListingPage(_response(PORTAL, first), WPS, context)
    assert len(page.articles) == 4
    assert all(link.published is not None and link.text for link in page.articles.values())
    assert [_target(u) for u in page.next_pages(1)] == [second]
    assert page.shows_pager
    page_two = ListingPage(_response(PORTAL, second), WPS, context)
    assert [_target(u) for u in page_two.next_pages(2)] == [third]
    last = ListingPage(_response(PORTAL, third), WPS, context)
    assert last.next_pages(3) == [] and not last.shows_pager


def test_one_article_under_many_state_urls_has_one_identity_and_others_their_own():
    context = _context(PORTAL)
    by_file: dict[str, set[str]] = {}
    for target in _portal_routes("bai/"):
        response = _response(PORTAL, target)
        page = ArticlePage(response, WPS, context)
        assert page.record is not None, target
        by_file.setdefault(PORTAL.config["routes"][target], set()).add(page.record["id"])
    assert all(len(ids) == 1 for ids in by_file.values())
    assert len({next(iter(ids)) for ids in by_file.values()}) == len(by_file)


def test_a_canonical_link_to_the_home_page_names_no_article():
    html = """<html><head><link rel="canonical" href="/"></head><body><h1>{t}</h1>
    <div class="ngaydang">Ngày đăng: 12/11/2026 08:30</div><div class="noidung">{p}</div>
    </body></html>"""
    context = _context(PORTAL)
    ids = set()
    for n, title in enumerate(("Hội nghị thứ nhất của Đảng ủy Khối", "Hội nghị thứ hai khác hẳn")):
        body = "".join(
            f"<p>{title}: đoạn {k} kể lại diễn biến và kết quả hội nghị.</p>" for k in range(4)
        )
        url = f"http://127.0.0.1:8000/wps/portal/tin-tuc/!ut/p/z1/state{n}/"
        response = HtmlResponse(url, body=html.format(t=title, p=body).encode(), encoding="utf-8")
        page = ArticlePage(response, WPS, context)
        assert page.record is not None
        ids.add(page.record["id"])
    assert len(ids) == 2 and all(i.startswith("f") for i in ids)


def test_portal_state_is_kept_when_stripping_it_leaves_no_id():
    with_id = "http://h/wps/portal/tin-tuc/!ut/p/z1/abc/dz/d5/xyz/?urile=wcm:path:/lib/tin/bai-1"
    assert (
        canonical_url(with_id, WPS) == "http://h/wps/portal/tin-tuc/?urile=wcm:path:/lib/tin/bai-1"
    )
    opaque = [
        "http://h/wps/portal/tin-tuc/!ut/p/z1/abc/dz/d5/xyz/",
        "http://h/wps/portal/tin-tuc/!ut/p/z1/def/",
    ]
    assert len({canonical_url(u, WPS) for u in opaque}) == 2


# -- pager data ------------------------------------------------------------------------------

BASE = "http://h/tin-tuc/"


@pytest.mark.parametrize(
    ("html", "url", "page", "expected"),
    [
        ('<link rel="next" href="/tin-tuc/?x=2">', BASE, 1, "http://h/tin-tuc/?x=2"),
        ('<a rel="next" href="/tin-tuc/?x=2">→</a>', BASE, 1, "http://h/tin-tuc/?x=2"),
        ('<a href="/tin-tuc/abc">Trang sau &gt;&gt;</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<a href="/tin-tuc/abc">Tiếp</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<a href="/tin-tuc/abc">Sau</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<a href="/tin-tuc/abc">»</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<a href="/tin-tuc/abc">›</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<a href="/tin-tuc/abc">&gt;&gt;</a>', BASE, 1, "http://h/tin-tuc/abc"),
        ('<ul class="pagination"><li class="active"><span>3</span></li>'
         '<li><a href="/x/q">4</a></li></ul>', BASE, 1, "http://h/x/q"),
        ('<div class="paging"><a href="/x/q">2</a></div>', BASE, 1, "http://h/x/q"),
        ('<a href="/tin-tuc/?page=3">3</a>', "http://h/tin-tuc/?page=2", 2, "http://h/tin-tuc/?page=3"),
        ('<a href="/tin-tuc/?p=2">x</a>', BASE, 1, "http://h/tin-tuc/?p=2"),
        ('<a href="/tin-tuc/?trang=2">x</a>', BASE, 1, "http://h/tin-tuc/?trang=2"),
        ('<a href="/l.aspx?c=a&PageIndex=1">x</a>', "http://h/l.aspx?c=a", 1, "http://h/l.aspx?c=a&PageIndex=1"),
        ('<a href="/l?_abc_cur=3">x</a>', "http://h/l?_abc_cur=2", 2, "http://h/l?_abc_cur=3"),
        ('<a href="/l?start=10">x</a><a href="/l?start=20">y</a>', "http://h/l?start=0", 1, "http://h/l?start=10"),
        ('<a href="/l?limitstart=30">x</a>', "http://h/l?limitstart=15", 2, "http://h/l?limitstart=30"),
        ('<a href="/tin-tuc/page-3">x</a>', "http://h/tin-tuc/page-2", 2, "http://h/tin-tuc/page-3"),
        ('<a href="/tin-tuc/trang-2">x</a>', BASE, 1, "http://h/tin-tuc/trang-2"),
        ('<a href="/tin-tuc/p/2">x</a>', BASE, 1, "http://h/tin-tuc/p/2"),
    ],
)  # fmt: skip
def test_every_pager_form_in_the_data_leads_to_the_next_page(html, url, page, expected):
    selector = Selector(text=f"<html><head></head><body>{html}</body></html>")
    assert next_page_links(selector, url, page, GENERIC.pager) == [expected]


def test_a_pager_is_shown_by_numbered_pages_or_a_pager_block():
    pager = GENERIC.pager
    shown = [
        '<a href="/tin-tuc/page-2">2</a>',
        '<div class="phantrang"><a href="javascript:go(2)">2</a></div>',
    ]
    for html in shown:
        assert pager_links(Selector(text=html), BASE, pager), html
    hidden = [
        '<div class="page-header"><a href="/gioi-thieu">Giới thiệu</a></div>',
        '<a href="/x">2</a>',
    ]
    for html in hidden:
        assert not pager_links(Selector(text=html), BASE, pager), html


def test_page_numbers_are_read_from_the_data_forms():
    pager = GENERIC.pager
    assert page_number("http://h/news/x/page-4", pager) == ("http://h/news/x/", 4)
    assert page_number("http://h/x?PageIndex=2&c=1", pager) == ("http://h/x?c=1", 2)
    assert page_number("http://h/bai-viet-1201.html", pager) is None


# -- self-check ------------------------------------------------------------------------------


def test_selfcheck_names_what_looks_wrong():
    healthy = {
        "tinkhac/listings/start_urls": 1, "tinkhac/pages/start": 1, "tinkhac/pages/listing": 4,
        "tinkhac/listings/article_links": 40, "tinkhac/articles/read": 20,
        "tinkhac/articles/related_only": 2, "tinkhac/pages/article": 20,
        "tinkhac/fields/shown/author": 18, "tinkhac/fields/missing/author": 1,
    }  # fmt: skip
    assert selfcheck(healthy) == []
    broken = {
        **healthy, "tinkhac/listings/article_links": 3, "tinkhac/articles/related_only": 15,
        "tinkhac/listings/pager_not_followed": 1, "tinkhac/fields/missing/author": 17,
    }  # fmt: skip
    assert selfcheck(broken) == [
        "suspect_discovery:few_listing_links",
        "suspect_discovery:mostly_related",
        "suspect_discovery:pager_not_followed",
        "suspect_field:author",
    ]
    assert selfcheck({}) == [], "a run that read nothing (a second run) judges nothing"


def test_an_article_page_says_which_fields_it_shows():
    html = """<html><body><h1>Hội nghị tổng kết công tác tuyên giáo năm 2026</h1>
    <div class="ngaydang">Ngày đăng: 12/11/2026 08:30</div><div class="noidung">{p}
    <figure><img src="/a.jpg"><figcaption>Quang cảnh hội nghị</figcaption></figure></div>
    <div class="author_detail">Nguyễn Văn An</div></body></html>"""
    body = "".join(
        f"<p>Đoạn {k} kể lại diễn biến và kết quả hội nghị tổng kết.</p>" for k in range(4)
    )
    url = "http://127.0.0.1:8000/tin-tuc/hoi-nghi-tong-ket-2601.html"
    response = HtmlResponse(url, body=html.format(p=body).encode(), encoding="utf-8")
    page = ArticlePage(response, GENERIC, _context(PORTAL))
    assert page.shown_fields == {"published_at", "author", "captions"}
    bare = HtmlResponse(url, body=b"<html><body><h1>x</h1><p>y</p></body></html>", encoding="utf-8")
    assert ArticlePage(bare, GENERIC, _context(PORTAL)).shown_fields == set()


def test_a_key_an_earlier_run_gave_another_article_is_passed_over():
    target = next(t for t, f in PORTAL.config["routes"].items() if f == "bai/bai-01.html")
    response = _response(PORTAL, target)
    first = ArticlePage(response, WPS, _context(PORTAL)).record
    assert first["id"].startswith("wcm-0001-")
    other = KnownArticle(first["id"], "Một bài khác hẳn", "x", (), "http://127.0.0.1:8000/khac")
    context = replace(_context(PORTAL), known=lambda key: other if key == first["id"] else None)
    assert ArticlePage(response, WPS, context).record["id"].startswith("f")
    edited = replace(other, title=first["title"])  # the same article, edited: same key
    context = replace(_context(PORTAL), known=lambda key: edited if key == first["id"] else None)
    assert ArticlePage(response, WPS, context).record["id"] == first["id"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.vn/web/guest/tin/-/content/bai-1234;jsessionid=0A1B2C3D4E5F?p=1",
         "http://a.vn/web/guest/tin/-/content/bai-1234?p=1"),
        ("http://a.vn/(S(lx2k3j4h5g6f7d8s))/tin-tuc/bai-1234.aspx",
         "http://a.vn/tin-tuc/bai-1234.aspx"),
        ("http://a.vn/index.php?PHPSESSID=abcdef1234567890abcd&nv=news",
         "http://a.vn/index.php?nv=news"),
        # A short "sid" is a section's id, and a short "(S(…))" no session: both stay.
        ("http://a.vn/list.php?sid=12&page=2", "http://a.vn/list.php?sid=12&page=2"),
        ("http://a.vn/(S(short))/x", "http://a.vn/(S(short))/x"),
    ],
)  # fmt: skip
def test_session_ids_are_no_part_of_a_url(url: str, expected: str) -> None:
    assert without_session(url) == expected
    assert canonical_url(url, profile("generic")) == canonical_url(expected, profile("generic"))


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        # Written without its leading slash: read from the root, as its author meant it.
        ("http://a.vn/chuyen-muc/tin-tuc.html", "chuyen-muc/xay-dung-dang.html",
         "http://a.vn/chuyen-muc/xay-dung-dang.html"),
        ("http://a.vn/tin-tuc/2026/bai-1.html", "tin-tuc/bai-2.html",
         "http://a.vn/tin-tuc/bai-2.html"),
        # A relative link that repeats nothing stays relative.
        ("http://a.vn/tin-tuc/bai-1.html", "bai-2.html", "http://a.vn/tin-tuc/bai-2.html"),
        ("http://a.vn/tin-tuc/bai-1.html", "../van-ban/", "http://a.vn/van-ban/"),
        ("http://a.vn/x/;jsessionid=AB12#top", "/tin;jsessionid=AB12", "http://a.vn/tin"),
    ],
)  # fmt: skip
def test_a_link_is_read_as_its_author_meant_it(base: str, href: str, expected: str) -> None:
    assert join_link(base, href) == expected


def test_a_path_that_repeats_itself_is_a_trap() -> None:
    assert not repeats_itself("http://a.vn/tin-tuc/tin-tuc/bai-1.html")
    assert repeats_itself("http://a.vn/tin-tuc/tin-tuc/tin-tuc/bai-1.html")
    assert repeats_itself("http://a.vn/a/b/a/b/a/x.html")
    assert repeats_itself("http://a.vn/" + "/".join(f"s{n}" for n in range(21)))


def test_a_page_of_too_many_links_is_read_up_to_the_cap_and_says_so(caplog) -> None:
    """A generated page of 50,000 links is a trap or a dump, not a listing: its first
    links are read, and the log says how many it showed."""
    count = MAX_LINKS_PER_PAGE + 10
    anchors = "".join(f'<a href="/muc/{n}.html">Mục {n}</a>' for n in range(count))
    page = Selector(text=f"<html><body><nav><a href='/'>Trang chủ</a></nav>{anchors}</body></html>")
    links = links_of(page, "http://a.vn/ban-do.html")
    assert len(links) == MAX_LINKS_PER_PAGE
    assert links[0].url == "http://a.vn/" and links[-1].text == f"Mục {MAX_LINKS_PER_PAGE - 2}"
    assert f"shows {count + 1} links" in caplog.text
