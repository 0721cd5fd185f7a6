"""The CMS family data: every selector and pattern compiles, detection tells families apart."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.families import detect, family_names, profile
from crawler.registry import load_sites

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
        ("<html><body><h1>Tin tức</h1></body></html>", "generic"),
    ],
)  # fmt: skip
def test_detection_by_fingerprints(html, family):
    assert detect(html) == family
