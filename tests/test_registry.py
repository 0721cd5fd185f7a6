"""The registry: every researched site, strictly validated, and the boundary of each site."""

from __future__ import annotations

import tomllib

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawler.middlewares import SiteBoundaryMiddleware
from crawler.registry import RegistryError, builtin_text, load_sites
from crawler.urls import same_site

SITES = load_sites()
NEVER = frozenset(tomllib.loads(builtin_text())["never_crawl"])


def test_the_registry_covers_the_inventory():
    seen = [s for s in SITES.values() if s.confidence in ("seen", "weak")]
    assert len(seen) >= 55
    assert len({s.province for s in seen}) == 26
    assert SITES["phuyen"].name == "Tỉnh ủy Phú Yên"
    assert SITES["phuyen"].province_before == "Phú Yên"
    for site in SITES.values():
        assert site.province and site.evidence, site.key
        assert site.name not in (site.evidence, site.province), site.key
        assert site.active or site.merged_into is None or site.merged_into in SITES


def test_never_crawled_hosts_are_no_site_s_hosts_and_are_refused():
    assert "sso.hatinh.dcs.vn" in NEVER and "gnvb.tayninh.dcs.vn" in NEVER
    for site in SITES.values():
        for host in site.allowed_domains:
            assert not any(host == d or host.endswith("." + d) for d in NEVER), site.key
        for url in site.start_urls:
            assert site.matches(url), url
    # subdomains of a site's host, refused all the same
    assert not SITES["hatinh"].matches("https://sso.hatinh.dcs.vn/cas/login")
    assert not SITES["tayninh"].matches("https://gnvb.tayninh.dcs.vn/")
    assert not SITES["vinhlong"].matches("https://hopkhonggiay.vinhlong.dcs.vn/Pages/Qr.aspx?Id=1")
    assert SITES["vinhlong"].matches("https://mediacdn.vinhlong.dcs.vn/media/2026/07/24/x.jpg")


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("https://www.quangninh.gov.vn/bannganh/VPTUQN/Trang/ChiTietBVGioiThieu.aspx?bvid=8", True),
        ("https://www.quangninh.gov.vn/bannganh/vptuqn/Trang/x.aspx", True),  # IIS: any case
        ("https://www.quangninh.gov.vn/bannganh/VPTUQN", True),
        ("https://www.quangninh.gov.vn/bannganh/VPTUQNX/", False),
        ("https://www.quangninh.gov.vn/bannganh/BanDanVan/Trang/x.aspx", False),
        ("https://www.quangninh.gov.vn/", False),
        ("https://www.quangninh.gov.vn/bannganh/VPTUQN/../BanDanVan/", False),
        ("https://www.quangninh.gov.vn/bannganh/VPTUQN/%2e%2e/BanDanVan/", False),
        ("https://www.quangninh.gov.vn/bannganh/VPTUQN/..%5cBanDanVan/", False),
        ("https://other.example/bannganh/VPTUQN/", False),
        ("https://www.quangninh.gov.vn/robots.txt", True),  # the host's rules, for every subsite
        ("https://www.quangninh.gov.vn/robots.txt?x=/bannganh/VPTUQN/", False),
    ],
)
def test_a_path_subsite_never_leaves_its_path(url, inside):
    assert SITES["quangninh-vptu"].matches(url) is inside


def test_same_site_without_paths_is_unchanged():
    hosts = frozenset({"tayninh.dcs.vn", "127.0.0.11:8001"})
    assert same_site("https://www.tayninh.dcs.vn/vi/news/", hosts)
    assert same_site("http://127.0.0.11:8001/x", hosts)
    assert not same_site("http://127.0.0.11:8002/x", hosts)
    assert not same_site(
        "https://gnvb.tayninh.dcs.vn/", hosts, deny=frozenset({"gnvb.tayninh.dcs.vn"})
    )


def _middleware(site):
    crawler = get_crawler()
    crawler.spider = Spider.from_crawler(crawler, "news")
    crawler.spider.site = site
    return SiteBoundaryMiddleware.from_crawler(crawler), crawler


def test_the_middleware_refuses_other_paths_and_never_crawled_hosts():
    middleware, crawler = _middleware(SITES["quangninh-vptu"])
    assert (
        middleware.process_request(Request("https://www.quangninh.gov.vn/bannganh/VPTUQN/a"))
        is None
    )
    with pytest.raises(IgnoreRequest):  # a redirect target is a request like any other
        middleware.process_request(Request("https://www.quangninh.gov.vn/bannganh/BanDanVan/a"))
    middleware, crawler = _middleware(SITES["hatinh"])
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("https://sso.hatinh.dcs.vn/cas/login"))
    assert crawler.stats.get_value("tinkhac/refused/offsite") == 1


def _load(tmp_path, text):
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return load_sites(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\nprovnce = "A"\n', "unknown key"),
        ('[site.x]\nname = "X"\n', "unknown top-level key"),
        ('[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\ncms = "joomla"\n', "cms"),
        (
            '[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\nconfidence = "sure"\n',
            "confidence",
        ),
        ('[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\nprovince = 3\n', "province"),
        (
            '[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\nallowed_paths = ["a/"]\n',
            "allowed_paths",
        ),
        (
            '[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/b/"]\nallowed_paths = ["/a/"]\n',
            "outside",
        ),
        (
            '[sites.x]\nname = "X"\nstart_urls = ["https://x.vn/"]\nmerged_into = "nowhere"\n',
            "merged_into",
        ),
        ('[sites.x]\nname = "X"\nstart_urls = ["https://sso.hatinh.dcs.vn/"]\n', "never-crawled"),
        (
            'never_crawl = "x.vn"\n[sites.x]\nname = "X"\nstart_urls = ["https://y.vn/"]\n',
            "never_crawl",
        ),
    ],
)
def test_a_bad_entry_stops_with_what_to_fix(tmp_path, text, message):
    with pytest.raises(RegistryError, match=message):
        _load(tmp_path, text)


def test_a_user_file_may_add_never_crawled_hosts(tmp_path):
    sites = _load(
        tmp_path, 'never_crawl = ["vanban.thainguyen.dcs.vn"]\n[sites.thainguyen]\nactive = true\n'
    )
    assert not sites["thainguyen"].matches("https://vanban.thainguyen.dcs.vn/")
    assert sites["thainguyen"].matches("https://thainguyen.dcs.vn/news/")


def test_a_replica_under_a_real_key_has_that_site_s_family():
    """A replica named after a real site is read with the real site's registry entry, so
    the two must agree on the family; a replica of a shape no real site is known to have
    gets a key of its own (html5-hagiang once borrowed the vnPortal site's key)."""
    from crawler.replica_server import load_replicas

    registry = load_sites()
    for replica in load_replicas():
        site = registry.get(replica.key)
        if site is not None and site.cms is not None:
            assert site.cms == replica.config.get("cms"), replica.name
