"""Running tinkhac from cron and by hand: failures that fail, quiet output, the demo apart,
the site check, one line for every mistake. Each test runs the real command in a
subprocess against the replicas served on 127.0.0.x.

Only loopback traffic may leave a test: the unresolvable host is ``nonexistent.invalid``,
which ``crawler.resolver`` fails without a DNS query (RFC 6761), and the refused
connection is a port on 127.0.0.1 that nothing listens on.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_tinkhac

from crawler.replica_server import ReplicaServer, load_replicas

SEVEN = (
    "aspnet-hungyen", "custom-binhthuan-cpv", "custom-camau-thoibinh", "liferay-dongthap",
    "nukeviet-tayninh", "nukeviet-thainguyen", "wps-longan",
)  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _report(out: Path) -> dict:
    newest = sorted((out / "runs").glob("*.json"))[-1]
    return {s["site"]: s for s in json.loads(newest.read_text("utf-8"))["sites"]}


def _sites_file(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def dead_sites(tmp_path, replica_server) -> Path:
    """A refused port, a name that never resolves, and a site whose pages are all 404."""
    base = next(iter(replica_server)).base_url
    return _sites_file(
        tmp_path / "dead.toml",
        f"""
        [sites.refused]
        name = "Refused"
        start_urls = ["http://127.0.0.1:{_closed_port()}/"]
        [sites.nodns]
        name = "No DNS"
        start_urls = ["http://nonexistent.invalid/"]
        [sites.gone]
        name = "Gone"
        start_urls = ["{base}/khong-con-nua.aspx"]
        allowed_domains = ["{base.split("//")[1]}"]
        """,
    )


def test_a_site_that_never_answered_fails_the_run_and_says_why(tmp_path, dead_sites):
    out = tmp_path / "out"
    process = run_tinkhac(
        "crawl", "refused", "nodns", "gone", "--sites", str(dead_sites), "--output", str(out),
        "--profile", "replica",
    )  # fmt: skip
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr
    report = _report(out)
    assert report["refused"]["flags"] == ["unreachable"]
    assert report["refused"]["faults"]["connection_refused"] > 0
    assert report["nodns"]["flags"] == ["unreachable"]
    assert report["nodns"]["faults"]["dns_failure"] > 0
    assert report["gone"]["flags"] == ["unreachable"]
    assert report["gone"]["http_status"]["404"] == 1  # and robots.txt's 200
    for line in ("refused", "nodns", "gone"):
        assert any(
            row.startswith(line) and "unreachable" in row for row in process.stderr.splitlines()
        )


def test_a_site_without_articles_fails_even_without_history(tmp_path):
    with ReplicaServer([r for r in load_replicas() if r.name == "liferay-dongthap"]) as server:
        server.replicas[0].rewrites = [(rb"/content/id/", b"/noi-dung/")]
        sites = _sites_file(tmp_path / "s.toml", server.sites_toml())
        out = tmp_path / "out"
        process = run_tinkhac(
            "crawl", "dongthap-btg", "--sites", str(sites), "--output", str(out),
            "--profile", "replica",
        )  # fmt: skip
    assert process.returncode == 1
    assert _report(out)["dongthap-btg"]["flags"] == ["no_articles"]


def test_the_report_names_the_family_and_the_template_versions(tmp_path):
    with ReplicaServer([r for r in load_replicas() if r.name == "custom-camau-thoibinh"]) as server:
        sites = _sites_file(tmp_path / "s.toml", server.sites_toml())
        out = tmp_path / "out"
        process = run_tinkhac(
            "crawl", "camau-thoibinh", "--sites", str(sites), "--output", str(out),
            "--profile", "replica",
        )  # fmt: skip
    assert process.returncode == 0, process.stderr
    site = _report(out)["camau-thoibinh"]
    assert site["family"] == "generic"
    assert set(site["versions"]) == {"2025 redesign", "table layout (until 2024)"}
    assert sum(site["versions"].values()) == site["new"]
    assert site["http_status"]["200"] > 0 and site["parser_errors"] == {}


def test_quiet_by_default_silent_with_quiet_and_logs_pruned(tmp_path):
    with ReplicaServer([r for r in load_replicas() if r.name in SEVEN]) as server:
        sites = _sites_file(tmp_path / "s.toml", server.sites_toml(exclusive=True))
        out = tmp_path / "out"
        common = ("--sites", str(sites), "--output", str(out), "--profile", "replica")
        first = run_tinkhac("crawl-all", *common)
        assert first.returncode == 0, first.stderr
        lines = first.stderr.splitlines()
        # The table (a head and seven rows) and the line naming the report and the log.
        assert len(lines) <= 12, first.stderr
        assert "INFO" not in first.stderr and "Deprecation" not in first.stderr
        assert first.stdout == ""
        log = next((out / "logs").glob("*.log")).read_text("utf-8")
        assert log.count("Spider closed (finished)") == 7  # the whole log is in the file
        keep = ("-s", "TINKHAC_LOGS_KEEP=2")
        for _ in range(2):
            quiet = run_tinkhac("crawl-all", "--quiet", *common, *keep)
            assert quiet.returncode == 0, quiet.stderr
            assert quiet.stdout == "" and quiet.stderr == ""  # cron mails nothing
        assert len(list((out / "logs").glob("*.log"))) == 2
        verbose = run_tinkhac("crawl", "hungyen-btg", "-v", "--max-articles", "1", *common)
        assert verbose.returncode == 0 and " INFO: " in verbose.stderr


def test_quiet_run_that_fails_prints_the_table_for_cron_to_mail(tmp_path, dead_sites):
    out = tmp_path / "out"
    process = run_tinkhac(
        "crawl", "refused", "--quiet", "--sites", str(dead_sites), "--output", str(out),
        "--profile", "replica",
    )  # fmt: skip
    assert process.returncode == 1
    assert process.stdout == ""
    assert "unreachable" in process.stderr and "flags" in process.stderr
    assert "error: Error downloading" in process.stderr
    assert "Traceback" not in process.stderr and len(process.stderr.splitlines()) < 12


def test_readme_cron_recipe_is_quiet_and_mails_only_trouble():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### From cron", 1)[1].split("```cron", 1)[1].split("```", 1)[0]
    assert "MAILTO=" in block
    line = next(row for row in block.splitlines() if "tinkhac crawl-all" in row)
    assert "--quiet" in line and ">>" not in line and "2>" not in line


def test_demo_writes_apart_from_the_real_output(tmp_path):
    demo = run_tinkhac("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "output/demo" in demo.stderr
    assert (tmp_path / "output" / "demo" / "hungyen-btg").is_dir()
    assert (tmp_path / "output" / "demo" / ".state" / "state.sqlite").exists()
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == ["demo"]
    export = run_tinkhac("export", "--out", str(tmp_path / "ds"), cwd=tmp_path)
    assert export.returncode == 1 and "nothing to export" in export.stderr
    assert not (tmp_path / "ds" / "articles.jsonl").exists()
    exported = run_tinkhac("export", "--from", "output/demo", "--out", "ds", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr


def test_check_of_a_replica_is_usable(replica_server, replica_sites_file):
    process = run_tinkhac(
        "check", "hungyen-btg", "--sites", str(replica_sites_file), "--profile", "replica"
    )
    assert process.returncode == 0, process.stdout + process.stderr
    out = process.stdout
    assert "family    generic" in out and "versions  default:" in out
    assert "listings  " in out and "Tin tức trong tỉnh" in out
    assert "articles  5 read" in out and "coverage  title 100%" in out
    assert out.rstrip().endswith("verdict   usable")


def test_check_of_a_broken_site_finds_problems(dead_sites):
    process = run_tinkhac("check", "refused", "--sites", str(dead_sites), "--profile", "replica")
    assert process.returncode == 1
    assert "connection_refused" in process.stdout
    assert "flagged unreachable" in process.stdout and "no article was read" in process.stdout
    url = run_tinkhac("check", "http://nonexistent.invalid/", "--profile", "replica")
    assert url.returncode == 1 and "dns_failure" in url.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("crawl", "hungyen-btg", "--output", "{file}/out"), "cannot write to the output folder"),
        (("crawl-all", "--output", "/proc/tinkhac-out"), "cannot write to the output folder"),
        (("crawl", "hungyen-btg", "--url", "file:///etc/passwd"), "is not an http(s) URL"),
        (("crawl", "hungyen-btg", "--url", "http://example.invalid/a"), "is not on the site"),
        (("parse", "ftp://x.vn/a"), "is not an http(s) URL"),
        (("check", "no-such-site"), "unknown site 'no-such-site'"),
        (("export", "--out", "{tmp}/ds", "--from", "{tmp}/none"), "no output folder"),
    ],
)
def test_every_mistake_is_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    argv = [a.format(file=tmp_path / "file", tmp=tmp_path) for a in args]
    process = run_tinkhac(*argv)
    assert process.returncode == 2, process.stderr
    assert message in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    process = run_tinkhac("crawl", "hungyen-btg", "--output", str(folder))
    assert process.returncode == 2 and "cannot write" in process.stderr


@pytest.mark.parametrize(
    ("spargs", "message"),
    [
        (["-a", "site=nope"], "unknown site 'nope'"),
        ([], "which site?"),
        (["-a", "site=hungyen-btg", "-a", "url=file:///etc/passwd"], "is not an http(s) page"),
    ],
)
def test_scrapy_crawl_of_a_bad_site_is_one_line_and_exit_2(spargs, message):
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", *spargs],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert process.returncode == 2, process.stderr[-2000:]
    assert message in process.stderr and "Traceback" not in process.stderr


def test_sites_into_a_closed_pipe_ends_quietly():
    process = subprocess.run(
        f"'{sys.executable}' -m crawler sites | head -1",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stdout.startswith("key")
    assert process.stderr == "", process.stderr


def test_parse_of_a_404_says_so(replica_server, replica_sites_file):
    replica = next(iter(replica_server))
    process = run_tinkhac(
        "parse", replica.base_url + "/khong-co-trang-nay.aspx", "--sites",
        str(replica_sites_file), "--profile", "replica",
    )  # fmt: skip
    assert process.returncode == 1
    assert process.stderr.strip().endswith("the server answered HTTP 404"), process.stderr


PARSER_FAULT = """
import sys
from crawler.parsing.article import ArticleParser

original = ArticleParser.record

def record(self):
    if self.url.endswith("-5106.aspx"):
        raise RuntimeError("a parser bug")
    return original(self)

ArticleParser.record = record
from crawler.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_parser_exception_is_counted_and_fails_the_run(tmp_path):
    with ReplicaServer([r for r in load_replicas() if r.name == "aspnet-hungyen"]) as server:
        sites = _sites_file(tmp_path / "s.toml", server.sites_toml())
        out = tmp_path / "out"
        process = subprocess.run(
            [sys.executable, "-c", PARSER_FAULT, "crawl", "hungyen-btg", "--sites", str(sites),
             "--output", str(out), "--profile", "replica"],
            capture_output=True, text=True, timeout=240, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        expected = len(server.replicas[0].expected())
    assert process.returncode == 1, process.stderr
    site = _report(out)["hungyen-btg"]
    assert site["parser_errors"] == {"RuntimeError": 1}
    assert site["parser_error_urls"][0].endswith("-5106.aspx")
    assert "parser_errors" in site["flags"]
    assert site["new"] == expected - 1  # the other articles are kept
    assert "Traceback" not in process.stderr
