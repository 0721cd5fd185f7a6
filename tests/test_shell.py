"""Pages filled in by JavaScript: told apart from pages without articles, and reported so."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, run_tinkhac

from crawler.replica_server import ReplicaServer, load_replicas
from crawler.report import SiteReport, flags, javascript_shell_flags
from crawler.shell import shell_reason

SHELLS = ROOT / "tests" / "shells"
TEXT = "<p>" + "Ban Thường vụ Tỉnh ủy tổ chức hội nghị quán triệt nghị quyết. " * 6 + "</p>"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ('<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">'
         '{"runtimeConfig":{"apiUrl":"https://cms-api-vinhlong.ngn.vn/api/v1"}}</script>',
         "next.js;api=cms-api-vinhlong.ngn.vn"),
        ('<body><div id="root"></div><script src="/static/js/main.3f2a1b.js"></script></body>',
         "react"),
        ('<div id="__nuxt"></div><script>window.__NUXT__={config:{apiBase:'
         '"https://tinhuy.example.vn/api/public"}}</script>', "nuxt;api=tinhuy.example.vn"),
        ('<app-root ng-version="17.3.0"></app-root>', "angular"),
        ('<div ng-app="ngAppSharepoint"><ul><li ng-repeat="x in items">{{x.Title}}</li></ul></div>',
         "angularjs"),
        ('<div id="app"></div><script src="/js/app.js"></script>', "vue"),
    ],
)  # fmt: skip
def test_a_shell_is_named_by_its_framework_and_api(html, reason):
    assert shell_reason(html) == reason


@pytest.mark.parametrize(
    "html",
    [
        # Rendered on the server: the marker is there, so is the text.
        f'<div id="__next"><article><h1>Tin</h1>{TEXT}</article></div>'
        '<script id="__NEXT_DATA__" type="application/json">{}</script>',
        "<html><body><h1>Liên hệ</h1><p>Điện thoại: 0290.3831.226</p></body></html>",
        "",
    ],
)
def test_a_page_with_text_or_without_markers_is_no_shell(html):
    assert shell_reason(html) is None


def test_no_replica_article_page_is_taken_for_a_shell():
    for replica in load_replicas():
        replica.base_url = "http://127.0.0.1:8000"
        for record in replica.expected():
            parts = urlsplit(record["url"])
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            page = replica.resolve(target)[1].read_text(encoding="utf-8")
            assert shell_reason(page) is None, (replica.name, record["id"])


def test_the_shell_flag_replaces_no_articles():
    report = SiteReport(site="vinhlong-next", finish_reason="finished", pages_read=4)
    history = [{"found": 40, "written": 40, "coverage": {}}]
    stats = {"tinkhac/javascript_shell/next.js": 3, "tinkhac/javascript_shell/react": 1}
    assert flags(report, history) == ["no_articles"]
    assert javascript_shell_flags(report, stats) == ["javascript_shell:next.js"]
    report.found = 5
    assert javascript_shell_flags(report, stats) == []  # a site that gave articles is not a shell


def test_a_crawl_of_a_shell_site_reports_it_as_a_javascript_shell(tmp_path):
    with ReplicaServer(load_replicas(SHELLS)) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(server.sites_toml(), encoding="utf-8")
        process = run_tinkhac(
            "crawl", "vinhlong-next", "--sites", str(sites), "--output", str(tmp_path),
            "--profile", "replica",
        )  # fmt: skip
        requested = list(server.replicas[0].requests)
    assert process.returncode == 1, process.stderr[-3000:]
    report = json.loads(next((tmp_path / "runs").glob("*.json")).read_text("utf-8"))["sites"][0]
    assert report["flags"] == ["javascript_shell:next.js;api=cms-api-vinhlong.ngn.vn"]
    assert report["found"] == 0
    assert "/tin-tuc/thoi-su" in requested
    assert "javascript_shell:next.js" in process.stderr  # the table names it too
