"""The CMS family data: every selector and pattern compiles, detection tells families apart."""

from __future__ import annotations

import re

import pytest
from parsel import Selector

from crawler.families import _found_in, _literal_prefix, detect, family_names, profile
from crawler.registry import load_sites
from crawler.replica_server import load_replicas

SAMPLE = Selector(text="<html><body><p>x</p></body></html>")


@pytest.mark.parametrize("name", family_names())
def test_every_selector_of_a_family_compiles(name):
    rules = profile(name)
    for selectors in vars(rules.selectors).values():
        for alternative in filter(None, (s.strip() for s in selectors.split(","))):
            SAMPLE.css(alternative)  # raises on a selector cssselect cannot translate
    for version in rules.versions:
        SAMPLE.css(version.when)


def test_every_site_version_compiles():
    for site in load_sites().values():
        for version in site.profile().versions:
            SAMPLE.css(version.when)
            for selectors in version.selectors.values():
                SAMPLE.css(selectors)


@pytest.mark.parametrize(
    ("html", "family"),
    [
        ('<script>var nv_base_siteurl="/",nv_lang_data="vi";</script>', "nukeviet"),
        ('<a href="/wps/portal/menutop/!ut/p/z1/abc/">x</a>', "wps"),
        ('<meta name="GENERATOR" content="Microsoft SharePoint"><div id="s4-workspace">',
         "sharepoint"),
        ('<script>Liferay.ThemeDisplay.getPathMain()</script>'
         '<a href="/-/asset_publisher/x/content/id/1">', "liferay"),
        ('<!-- DNN Platform - http://www.dnnsoftware.com --><link href="/Portals/16/portal.css">',
         "dotnetnuke"),
        ('<img src="https://files-vnportal.camau.dcs.vn/tinhuy/2681/upload/2681/20251126/a.jpg">',
         "vnportal"),
        ('<a href="/tin-hoat-dong-c2101-2.html">2</a><a href="/hoi-nghi-c222429.html">x</a>',
         "hungyen-vendor"),
        ('<a href="/DetailView/146257/38/Cung-co">x</a><script src="/bundles/jquery?v=1">',
         "aspnet-mvc"),
        ('<img src="/ckfinder/userfiles/images/a.jpg"><a href="/bai-viet/x-5119.aspx">x</a>',
         "generic"),
        ("<html><body><h1>Tin tức</h1></body></html>", "generic"),
    ],
)  # fmt: skip
def test_detection_by_fingerprints(html, family):
    assert detect(html) == family


def _html_pages(replica):
    for path in sorted(replica.pages.rglob("*.html")):
        yield path.relative_to(replica.pages), path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("replica", load_replicas(), ids=lambda r: r.name)
def test_each_replica_page_is_detected_as_its_family(replica):
    """Home, listings, articles and other pages alike: the family is named from any page."""
    wrong = {str(p): detect(html) for p, html in _html_pages(replica)}
    wrong = {p: found for p, found in wrong.items() if found != replica.config["cms"]}
    assert wrong == {}


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        (r"/Portals/(_default|\d+)/", "/Portals/"),
        (r"resize\.aspx\?x=\d", "resize.aspx?x="),
        (r"nv_base_siteurl\s*=", "nv_base_siteurl"),
        (r"ab?c", ""),  # the "b" may be absent
        (r"abc|xyz", ""),  # a match may start with "xyz"
        (r"a[|]b\d", "a"),  # a "|" in a class is a character
        (r"(?i)vnportal", ""),  # a flag: "VNPORTAL" matches too
    ],
)
def test_fingerprint_regex_guarded_by_its_literal_prefix(pattern, prefix):
    """A page without a fingerprint's literal start skips the regex walk: the guard must
    never refuse a page the regex matches."""
    compiled = re.compile(pattern)
    assert _literal_prefix(compiled) == prefix
    for head in ("x abcz", "x acz", "xyz", "a|b1", "VNPORTAL", "/Portals/12/", "resize.aspx?x=1"):
        assert _found_in(compiled)(head) == (compiled.search(head) is not None)
