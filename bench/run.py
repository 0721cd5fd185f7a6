"""The benchmark: speed, memory and politeness cost, side by side with the alternatives.

    python bench/run.py [--sites 5] [--articles 1000] [--urls 1000000]
                         [--fleet 60] [--fleet-articles 100]

Not part of the test suite: it prints figures measured in one run on this machine.

1. Parsing: pages per second (one core) of our extractor over the replica article pages,
   and over those of them that a CMS family's profile reads, next to trafilatura's
   ``extract`` on the same pages; and over the real-page corpus when it is built.
2. Crawling: a generated replica of sites × articles served on 127.0.0.x, crawled with the
   replica profile (delays lifted): pages per second and the crawl's peak RSS, next to
   ``scrapy bench`` on this machine as the framework's ceiling.
3. Incremental cost: the requests a second run over the unchanged replica makes, against
   the minimum (robots.txt, the start page and the first page of each listing).
4. State growth: inserting N known articles into the state store, and a lookup's time.
5. A fleet: one ``crawl-all`` over ``--fleet`` generated sites (60 by default, about the
   size of the registry) side by side in one process: wall time, the crawl's own peak RSS,
   and the requests each site cost.

The last line sums it up: ``BENCH parse_ratio=… family_parse_ratio=… real_parse_ratio=…
crawl_ratio=… peak_rss_mb=…
rerun_requests=… rerun_min=… lookup_ms=… fleet_sites=… fleet_wall_s=… fleet_peak_rss_mb=…
fleet_requests_per_site=…``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import CATEGORIES, generate  # noqa: E402
from crawler.families import detect  # noqa: E402
from crawler.replica_server import load_replicas  # noqa: E402
from crawler.state import SqliteStateStore  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def corpus() -> list[tuple[str, str]]:
    """(url, html) of every expected article page of the bundled replicas."""
    pages = []
    for replica in load_replicas():
        replica.base_url = "http://127.0.0.1:8000"
        for record in replica.expected():
            url = record["url"]
            target = url[len(replica.base_url) :]
            status, path = replica.resolve(target)
            if status == 200:
                pages.append((url, path.read_bytes().decode("utf-8", "replace")))
    return pages


def parse_speed(pages: list[tuple[str, str]], rounds: int = 5) -> tuple[float, float]:
    """(ours, trafilatura) pages per second on one core."""
    from parsel import Selector

    from crawler.families import detect, profile
    from crawler.parsing.article import ArticleParser

    def ours() -> None:
        for url, html in pages:
            ArticleParser(url, Selector(text=html), profile(detect(html)), "bench").record()

    def theirs() -> None:
        import trafilatura

        for url, html in pages:
            trafilatura.extract(html, url=url)

    return _rates(ours, theirs, len(pages), rounds)


def real_page_speed(rounds: int = 3) -> tuple[int, float, float] | None:
    """(pages, ours, trafilatura) pages per second on the real-page corpus, when built.

    Ours reads each page as ``tinkhac parse URL`` does (generic profile, the decoded page);
    trafilatura runs ``bare_extraction`` with metadata, so that both give title, date,
    author and body, as ``bench/realpages.py`` scores them.
    """
    from bench.realpages import corpus_dir, load_pages

    folder = corpus_dir()
    if folder is None:
        return None
    from parsel import Selector

    from crawler.families import detect, profile
    from crawler.parsing.article import ArticleParser

    pages = [(p.url, p.html.decode("utf-8", "replace"), p.html) for p in load_pages(folder)]

    def ours() -> None:
        for url, text, _ in pages:
            ArticleParser(url, Selector(text=text), profile(detect(text)), "bench").record()

    def theirs() -> None:
        import trafilatura

        for url, _, raw in pages:
            trafilatura.bare_extraction(raw, url=url, with_metadata=True)

    return (len(pages), *_rates(ours, theirs, len(pages), rounds))


def _rates(ours, theirs, count: int, rounds: int) -> tuple[float, float]:
    """Pages per second of each side, from its fastest round. The rounds alternate, so
    that a slow spell of a shared machine (a neighbour's load) falls on both sides rather
    than on whichever ran then; the fastest round is the one least disturbed (as
    ``timeit`` advises)."""
    ours(), theirs()  # warm caches (dateparser's locale data, lxml)
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, work in enumerate((ours, theirs)):
            started = time.perf_counter()
            work()
            best[side] = min(best[side], time.perf_counter() - started)
    return count / best[0], count / best[1]


def crawl(sites: Path, out: Path) -> tuple[float, float, int]:
    """(pages per second, peak RSS in MB, requests) of one crawl-all of the replica."""
    command = [sys.executable, "-m", "crawler", "crawl-all", "--sites", str(sites)]
    command += ["--output", str(out), "--profile", "replica", "-s", "LOG_LEVEL=WARNING"]
    started = time.perf_counter()
    subprocess.run(command, env=ENV, check=False, capture_output=True)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text("utf-8"))
    requests = sum(site["requests"] for site in report["sites"])
    return requests / elapsed, peak, requests


def crawl_all(sites: Path, out: Path) -> tuple[float, float, list[int]]:
    """(wall seconds, the crawl process's own peak RSS in MB, requests of each site)."""
    command = [sys.executable, "-m", "crawler", "crawl-all", "--sites", str(sites)]
    command += ["--output", str(out), "--profile", "replica", "-s", "LOG_LEVEL=WARNING"]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's rusage, not all children's peak
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
    elapsed = time.perf_counter() - started
    report = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text("utf-8"))
    return elapsed, usage.ru_maxrss / 1024, [site["requests"] for site in report["sites"]]


@contextmanager
def served(root: Path) -> Iterator[Path]:
    """Serve the replicas under ``root`` from another process, as a real site would be."""
    sites = root / "sites.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.replica_server", str(root), "--sites-file", str(sites)],
        env=ENV,
    )
    try:
        while not sites.exists():
            time.sleep(0.1)
        yield sites
    finally:
        server.terminate()
        server.wait()


def scrapy_bench() -> float:
    """Pages per second of ``scrapy bench`` (its own server, 10 s)."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", "CLOSESPIDER_TIMEOUT=10"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", result.stderr)]
    return max(rates) / 60 if rates else float("nan")


def state_growth(urls: int, folder: Path) -> tuple[float, float, float]:
    """(seconds to insert, lookup ms, RSS growth MB) for ``urls`` known articles."""
    store = SqliteStateStore(folder / "state.sqlite")
    rss_before = _rss_mb()
    started = time.perf_counter()
    store.db.execute("BEGIN")
    for number in range(urls):
        store.record("bench", str(number), f"http://b.vn/bai-viet-{number}.html", "T", "f", [])
    store.db.execute("COMMIT")
    inserted = time.perf_counter() - started
    probes = [str(random.randrange(urls * 2)) for _ in range(20000)]
    started = time.perf_counter()
    for key in probes:
        store.get("bench", key)
    lookup_ms = (time.perf_counter() - started) / len(probes) * 1000
    growth = _rss_mb() - rss_before
    store.close()
    return inserted, lookup_ms, growth


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sites", type=int, default=5)
    options.add_argument("--articles", type=int, default=1000, help="per site")
    options.add_argument("--urls", type=int, default=1_000_000, help="for the state store")
    options.add_argument("--fleet", type=int, default=60, help="sites of the crawl-all figure")
    options.add_argument("--fleet-articles", type=int, default=100, help="per fleet site")
    args = options.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    pages = corpus()
    ours, theirs = parse_speed(pages)
    print(
        f"1. parsing {len(pages)} replica article pages: ours {ours:.0f} pages/s, "
        f"trafilatura {theirs:.0f}; ratio {ours / theirs:.2f}x (accuracy: bench/quality.py)"
    )
    family = [page for page in pages if detect(page[1]) != "generic"]
    family_ours, family_theirs = parse_speed(family)
    family_ratio = family_ours / family_theirs
    print(
        f"   of which {len(family)} pages of a CMS family (its profile's selectors): ours "
        f"{family_ours:.0f} pages/s, trafilatura {family_theirs:.0f}; ratio {family_ratio:.2f}x"
    )
    real = real_page_speed()
    real_ratio = real[1] / real[2] if real else float("nan")
    if real:
        print(
            f"   parsing {real[0]} real pages: ours {real[1]:.0f} pages/s, trafilatura "
            f"{real[2]:.0f}; ratio {real_ratio:.2f}x (accuracy: bench/realpages.py)"
        )
    else:
        print("   real pages: no corpus built (python bench/realpages_build.py)")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "replicas", args.sites, args.articles)
        with served(root / "replicas") as sites:
            rate, peak, responses = crawl(sites, root / "out")
            ceiling = scrapy_bench()
            print(
                f"2. crawl of {args.sites} sites x {args.articles} articles: {responses} "
                f"requests, {rate:.0f} pages/s, peak RSS {peak:.0f} MB; scrapy bench "
                f"{ceiling:.0f} pages/s; ratio {rate / ceiling:.2f}"
            )
            _, _, rerun = crawl(sites, root / "out")
            minimum = args.sites * (2 + len(CATEGORIES))
            print(f"3. second run: {rerun} requests; minimum {minimum}")
        inserted, lookup_ms, growth = state_growth(args.urls, root)
        print(
            f"4. state store: {args.urls} articles inserted in {inserted:.1f} s; "
            f"lookup {lookup_ms:.4f} ms; RSS growth {growth:.1f} MB"
        )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "fleet", args.fleet, args.fleet_articles)
        with served(root / "fleet") as sites:
            wall, fleet_peak, per_site = crawl_all(sites, root / "out")
        mean = sum(per_site) / len(per_site) if per_site else float("nan")
        print(
            f"5. crawl-all of {len(per_site)}/{args.fleet} sites x {args.fleet_articles} "
            f"articles: wall {wall:.1f} s, peak RSS {fleet_peak:.0f} MB, requests per site "
            f"{mean:.0f} (min {min(per_site, default=0)}, max {max(per_site, default=0)}), "
            f"{sum(per_site) / wall:.0f} requests/s"
        )
    print(
        f"BENCH parse_ratio={ours / theirs:.2f} family_parse_ratio={family_ratio:.2f} "
        f"real_parse_ratio={real_ratio:.2f} "
        f"crawl_ratio={rate / ceiling:.2f} "
        f"peak_rss_mb={peak:.0f} rerun_requests={rerun} rerun_min={minimum} "
        f"lookup_ms={lookup_ms:.4f} fleet_sites={len(per_site)} fleet_wall_s={wall:.1f} "
        f"fleet_peak_rss_mb={fleet_peak:.0f} fleet_requests_per_site={mean:.0f}"
    )


if __name__ == "__main__":
    main()
