"""The command line as a user meets it: listings, one-page parsing, the demo, mistakes."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
import tomllib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import ROOT, read_jsonl, run_tinkhac

from crawler.registry import builtin_text


def test_sites_lists_every_builtin_site():
    process = run_tinkhac("sites")
    assert process.returncode == 0, process.stderr
    keys = tomllib.loads(builtin_text())["sites"]
    listed = [line.split()[0] for line in process.stdout.splitlines()[1:]]
    assert sorted(listed) == sorted(keys)
    longan = next(line for line in process.stdout.splitlines() if line.startswith("longan "))
    assert "archived" in longan and "wps" in longan


def test_sites_file_adds_and_overrides(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.tayninh]\nname = "Đảng bộ tỉnh Tây Ninh"\nstart_urls = ["https://tayninh.dcs.vn/"]\n'
        "[sites.thainguyen]\nactive = false\n",
        encoding="utf-8",
    )
    process = run_tinkhac("sites", "--sites", str(sites))
    assert process.returncode == 0, process.stderr
    line = next(row for row in process.stdout.splitlines() if row.startswith("thainguyen "))
    assert "archived" in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[sites."../../etc"]\nname = "x"\nstart_urls = ["http://x.vn/"]\n', "is not allowed"),
        ('[sites.x]\nstart_urls = ["http://x.vn/"]\n', "'name' is required"),
        ('[sites.x]\nname = "x"\nstart_urls = ["ftp://x.vn/"]\n', "is not an http(s) URL"),
        ('[sites.x]\nname = "x"\nstart_urls = ["http://x.vn/"]\ncms = "joomla"\n', "unknown"),
        ('[sites.x]\nname = "x"\nstart_urls = ["http://x.vn/"]\ncolour = 1\n', "unknown key"),
        ("[sites.x\nname=", "not valid TOML"),
    ],
)
def test_a_mistake_in_a_sites_file_is_one_clear_line(tmp_path, content, message):
    sites = tmp_path / "sites.toml"
    sites.write_text(content, encoding="utf-8")
    process = run_tinkhac("crawl", "x", "--sites", str(sites))
    assert process.returncode == 2
    assert message in process.stderr
    assert "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1


def test_unknown_site_and_unreadable_file_exit_2(tmp_path):
    unknown = run_tinkhac("crawl", "no-such-site")
    assert unknown.returncode == 2 and "unknown site 'no-such-site'" in unknown.stderr
    missing = run_tinkhac("sites", "--sites", str(tmp_path / "missing.toml"))
    assert missing.returncode == 2 and "cannot read sites file" in missing.stderr
    assert "Traceback" not in unknown.stderr + missing.stderr


def test_parse_prints_one_article_as_json(replica_server, replica_sites_file):
    replica = next(r for r in replica_server if r.name == "wps-longan")
    expected = next(r for r in replica.expected() if r["author"] == "Như Uyên")
    process = run_tinkhac(
        "parse", expected["url"], "--sites", str(replica_sites_file), "--profile", "replica"
    )
    assert process.returncode == 0, process.stderr[-3000:]
    record = json.loads(process.stdout)
    record.pop("fetched_at")
    assert record == expected


GENERIC_PAGES = ROOT / "tests" / "pages" / "generic"


@pytest.fixture
def generic_pages_server():
    """The hand-built open-web pages of ``tests/pages/generic`` on a real HTTP server."""
    folder = GENERIC_PAGES

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("page", "fields"),
    [
        ("word-month-date", ("published_at", "updated_at")),
        ("rel-author-handle", ("author",)),
        ("headline-in-page-header", ("title",)),
        ("section-h1-and-screen-reader-headings", ("title",)),
        ("byline-in-meta-line", ("author",)),
        ("meta-line-section-links", ("author",)),
        ("utc-metadata-wall-clock-time", ("published_at",)),
        ("slideshow-in-body", ("body", "captions")),
        ("split-paragraph-stream", ("body",)),
        ("wordpress-related-boxes", ("body", "related_urls")),
        ("utf8-bytes-gb2312-meta", ("title", "author", "body")),
        ("byline-class-in-french", ("author",)),
        ("byline-link-to-writer-page", ("author",)),
        ("byline-name-with-particles", ("author",)),
        ("kicker-before-german-headline", ("title",)),
    ],
)
def test_parse_reads_a_page_of_no_family_over_http(generic_pages_server, page, fields):
    """A user's ``tinkhac parse URL`` of a page of no known site: fetched, judged by what it
    holds, and read by the generic rules (month names, bylines, titles, split bodies,
    slideshows, related boxes), the fields its fixture expects."""
    expected = json.loads((GENERIC_PAGES / f"{page}.json").read_text(encoding="utf-8"))
    process = run_tinkhac("parse", f"{generic_pages_server}/{page}.html")
    assert process.returncode == 0, process.stderr[-3000:]
    record = json.loads(process.stdout)
    assert {name: record[name] for name in fields} == {name: expected[name] for name in fields}


def test_parse_of_a_non_article_fails_clearly(replica_server, replica_sites_file):
    replica = next(r for r in replica_server if r.name == "aspnet-hungyen")
    url = replica.base_url + replica.config["non_articles"][0]
    process = run_tinkhac("parse", url, "--sites", str(replica_sites_file), "--profile", "replica")
    assert process.returncode == 1
    assert "not an article" in process.stderr


def test_scrapy_sees_the_project_from_the_root():
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["news"]


def test_demo_crawls_every_bundled_replica(tmp_path):
    process = run_tinkhac("demo", "--output", str(tmp_path))
    assert process.returncode == 0, process.stderr[-3000:]
    from crawler.replica_server import load_replicas

    written = read_jsonl(tmp_path)
    for replica in load_replicas():
        count = sum(1 for r in written if r["site"] == replica.key)
        assert count == len(list((replica.folder / "expected").glob("*.json"))), replica.key
    assert not list(tmp_path.rglob("*.part")), "a run left an unfinished file"


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in readme[:6] if line.startswith("    python3")]
    assert len(commands) == 2, "the README's first lines give the run and test commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0].endswith("tinkhac demo")
