"""Build the real-pages corpus that ``bench/realpages.py`` scores, from public benchmark data.

    python bench/realpages_build.py [--mirrors /work/.mirror] [--out bench/realpages/data]
                                    [--trafilatura-pages 300]

The pages are not ours and are not committed (see ``bench/realpages/SOURCES.md``): this
script turns local git mirrors of the source repositories, read at the commits pinned below,
into the corpus layout, so that anyone with the same mirrors gets the same corpus::

    <out>/pages/<id>.html.gz   the page's bytes as the dataset stores them, gzipped
    <out>/truth.jsonl          one record per page, in id order (fields below)

A truth record: ``id``, ``source`` (a key of SOURCES), ``url``, ``lang`` (the page's own
``<html lang>``, or null), ``title``, ``author``, ``published_at`` (ISO 8601: a bare day
``YYYY-MM-DD`` when the truth has no time, else a time with its offset), ``body``, and
``snippets`` (``{"with": [...], "without": [...]}``: text the main content must and must not
hold). A null field is *not known* (never scored), not "the page has none".
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("id", "source", "url", "lang", "title", "author", "published_at", "body", "snippets")
FIELDS += ("from_markup",)

#: source key -> (repository, pinned commit)
SOURCES = {
    "aeb": ("scrapinghub/article-extraction-benchmark", "4a3bc979f76c0df73cb95fe272e2fc1b96f9f010"),
    "trafilatura": ("adbar/trafilatura", "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5"),
    "readability": ("mozilla/readability", "ab4027a8b37669745016869a37a504727992b2ba"),
    "htmldate": ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67"),
}
#: readability's test pages that are made-up cases, or no article, rather than a real page.
READABILITY_SKIP = re.compile(
    r"^(?:\d{3}(?:-.*)?|article-author-tag|base-url.*|basic-tags-cleaning|clean-links|"
    r"cnet-svg-classes|comment-inside-script-parsing|data-url-image|hidden-nodes|"
    r"invalid-attributes|js-link-replacement|keep-images|keep-tabular-data|lazy-image-\d|"
    r"links-in-tables|mathjax|metadata-content-missing|missing-paragraphs|normalize-spaces|ol|"
    r"parsely-metadata|remove-.*|reordering-paragraphs|replace-.*|rtl-\d|"
    r"schema-org-context-object|social-buttons|style-tags-removal|svg-parsing|"
    r"table-style-attributes|title-and-h1-discrepancy|title-en-dash|toc-missing|"
    r"visibility-hidden|wikipedia.*|wikia|videos-\d|embedded-videos|"
    r"dev418|mozilla-\d|lifehacker-post-comment-load|royal-road)$"
)
#: bylines read again on the page: not a person (None), or a name list made plain.
READABILITY_AUTHORS = {
    "archive-of-our-own": None,  # the site's organisation, not the story's author
    "ebb-org": "Bradley M. Kuhn",
    "lemonde-1": "Martin Untersinger, Damien Leloup, Morgane Tual",
    "pixnet": None,  # a blog's name and handle
    "yahoo-4": None,  # 個人: "individual", not a name
    "youth": None,  # the outlet's name run into the reporter's
}
BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "td",
        "th",
        "tr",
        "figcaption",
        "dt",
        "dd",
        "br",
        "section",
        "article",
        "table",
        "ul",
        "ol",
        "figure",
    ]
)
CANONICAL = re.compile(
    rb"<link[^>]+rel=[\"']canonical[\"'][^>]*href=[\"']([^\"']+)|"
    rb"property=[\"']og:url[\"'][^>]*content=[\"']([^\"']+)",
    re.I,
)
#: trafilatura pages larger than this are left out (a few are whole archived portals).
MAX_PAGE_BYTES = 600_000
LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?=[-_\"'\s>])", re.I)


class Mirror:
    """A bare git mirror, read at one commit."""

    def __init__(self, root: Path, repo: str, commit: str) -> None:
        self.git_dir = root / repo.replace("/", "+") / "repo"
        self.commit = commit
        if not self.git_dir.is_dir():
            sys.exit(f"no mirror of {repo} at {self.git_dir}")
        try:
            self.git("cat-file", "-e", f"{commit}^{{commit}}")
        except subprocess.CalledProcessError:
            sys.exit(f"the mirror of {repo} at {self.git_dir} lacks the pinned commit {commit}")

    def git(self, *args: str) -> bytes:
        command = ["git", f"--git-dir={self.git_dir}", *args]
        return subprocess.run(command, capture_output=True, check=True).stdout

    def read(self, path: str) -> bytes:
        return self.git("show", f"{self.commit}:{path}")

    def files(self, folder: str) -> set[str]:
        listed = self.git("ls-tree", "-r", "--name-only", self.commit, folder)
        return set(listed.decode().splitlines())


def lang_of(html: bytes) -> str | None:
    found = LANG.search(html[:20_000])
    return found.group(1).decode().lower() if found else None


def record(**fields: Any) -> dict[str, Any]:
    out = {name: fields.get(name) for name in FIELDS}
    out["from_markup"] = out["from_markup"] or []
    return out


def aeb(mirror: Mirror) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Zyte's article extraction benchmark: 181 pages, the article body as truth.

    The benchmark annotates the body only; title, author and publication time are read
    from the page's own markup where it states them plainly (see :func:`markup_truth`),
    and the fields so read are listed in ``from_markup``.
    """
    truth = json.loads(mirror.read("ground-truth.json"))
    for key in sorted(truth):
        html = gzip.decompress(mirror.read(f"html/{key}.html.gz"))
        item = truth[key]
        stated = markup_truth(html)
        yield (
            record(
                id=f"aeb-{key[:16]}",
                source="aeb",
                url=item["url"],
                lang=lang_of(html),
                body=item["articleBody"],
                **stated,
                from_markup=sorted(stated),
            ),
            html,
        )


ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "report"}
ARTICLE_TYPES |= {"analysisnewsarticle", "opinionnewsarticle", "techarticle", "webpage"}


def _ld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph members included."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                stack.extend(v for k, v in item.items() if k == "@graph")


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).casefold() for k in kinds if k}


def _people(value: Any) -> list[str]:
    """Names of the persons (not organisations) a schema.org author value gives."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if (
            isinstance(item, dict)
            and "person" in _types(item)
            and isinstance(item.get("name"), str)
        ):
            names.append(" ".join(item["name"].split()))
    return [n for n in names if n]


def markup_truth(html: bytes) -> dict[str, str]:
    """Title, author and published_at where the page's own markup states them plainly.

    - published_at: the article's JSON-LD ``datePublished``, else the
      ``article:published_time`` meta, only when it has a time of day (a full ISO instant).
    - title: an ``h1`` of the page whose text is the JSON-LD ``headline`` or ``og:title``
      (so the headline the reader sees, and no site suffix).
    - author: the JSON-LD author persons (organisations are not authors), joined ``, ``.

    The bytes are decoded as a browser (and Scrapy, through w3lib) decodes them: BOM, then
    the declared charset, else UTF-8. lxml given bytes without a ``<meta charset>`` reads
    them as Latin-1, which turned "Senate’s" into "Senateâ\x80\x99s" in 16 titles.
    """
    import lxml.html
    from w3lib.encoding import html_to_unicode

    _, text = html_to_unicode(None, html)
    tree = lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
    articles = [o for o in _ld_objects(tree) if _types(o) & ARTICLE_TYPES]
    found: dict[str, str] = {}
    meta = tree.xpath('//meta[@property="article:published_time"]/@content')
    for value in [a.get("datePublished") for a in articles] + meta:
        stamp = iso(value) if isinstance(value, str) and "T" in value else None
        if stamp and stamp[:4] >= "1995":  # 0001-01-01T00:00:00 is a CMS's empty value
            found["published_at"] = stamp
            break
    headlines = {" ".join(str(a.get("headline", "")).split()) for a in articles}
    headlines |= {" ".join(v.split()) for v in tree.xpath('//meta[@property="og:title"]/@content')}
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text and text in headlines:
            found["title"] = text
            break
    for article in articles:
        people = _people(article.get("author"))
        if people:
            found["author"] = ", ".join(dict.fromkeys(people))
            break
    return found


def trafilatura_eval(mirror: Mirror, limit: int) -> Iterator[tuple[dict[str, Any], bytes]]:
    """trafilatura's evaluation pages whose annotation has title, date and author.

    Pages are taken in the order of a hash of their URL (a fixed, site-mixed sample) until
    ``limit`` are in. Empty author or date annotations are kept as null (not known).
    """
    data = json.loads(mirror.read("tests/evaldata.json"))
    present = mirror.files("tests/cache") | mirror.files("tests/eval")
    chosen = 0
    for url in sorted(data, key=lambda u: hashlib.sha1(u.encode()).hexdigest()):
        item = data[url]
        if chosen >= limit:
            return
        if not item.get("title") or not (item.get("date") or item.get("author")):
            continue
        path = next(
            (
                f"tests/{d}/{item['file']}"
                for d in ("eval", "cache")
                if f"tests/{d}/{item['file']}" in present
            ),
            None,
        )
        if path is None:
            continue
        html = mirror.read(path)
        if len(html) > MAX_PAGE_BYTES:
            continue
        author = item.get("author") or None
        if isinstance(author, list):
            author = "; ".join(author)
        chosen += 1
        yield (
            record(
                id=f"traf-{hashlib.sha1(url.encode()).hexdigest()[:12]}",
                source="trafilatura",
                url=url,
                lang=lang_of(html),
                title=item["title"],
                author=author,
                published_at=item.get("date") or None,
                snippets={"with": item.get("with", []), "without": item.get("without", [])},
            ),
            html,
        )


def text_of(html: str) -> str:
    """The text of an HTML fragment, a line break after each block, so words stay apart."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in tree.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def iso(value: str | None) -> str | None:
    """An ISO 8601 time as ``datetime.fromisoformat`` writes it (``+0100`` → ``+01:00``)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def headings(html: bytes) -> set[str]:
    import lxml.html

    tree = lxml.html.fromstring(html)
    return {" ".join(h.text_content().split()) for h in tree.iter("h1", "h2")}


def clean_byline(byline: str | None, site_name: str | None) -> str | None:
    """Readability's byline where it is a plain name (or names), else None (not known).

    Its expected bylines are its own output: some are the site's name, or a whole byline
    block with dates and counters; only short, digit-free, one-line ones are kept as truth.
    """
    if not byline or byline == site_name or "\n" in byline or re.search(r"\d", byline):
        return None
    name = re.sub(r"^(?:by|par)\s+", "", " ".join(byline.split()), flags=re.I)
    if (
        len(name.split()) > 8
        or name.casefold() in {"follow author"}
        or "updated" in name.casefold()
    ):
        return None
    return name


def readability_pages(mirror: Mirror) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Readability.js's test pages of real sites: its expected text and metadata as truth.

    The title counts only where it is the text of a heading of the page (readability takes
    the document title, site suffix and all); the byline only where it is not the site's
    name; the date where it has one.
    """
    names = sorted({p.split("/")[2] for p in mirror.files("test/test-pages")})
    for name in names:
        if READABILITY_SKIP.match(name):
            continue
        folder = f"test/test-pages/{name}"
        html = mirror.read(f"{folder}/source.html")
        meta = json.loads(mirror.read(f"{folder}/expected-metadata.json"))
        body = text_of(mirror.read(f"{folder}/expected.html").decode("utf-8"))
        found = CANONICAL.search(html)
        url = (found.group(1) or found.group(2)).decode() if found else None
        if not url or not url.startswith("http") or "fakehost" in url:
            url = f"http://fakehost/test/{name}.html"
        title = " ".join((meta.get("title") or "").split())
        author = clean_byline(meta.get("byline"), meta.get("siteName"))
        author = READABILITY_AUTHORS.get(name, author)
        yield (
            record(
                id=f"rdb-{name}",
                source="readability",
                url=url,
                lang=(meta.get("lang") or "").split("-")[0].lower() or lang_of(html),
                title=title if title and title in headings(html) else None,
                author=author,
                published_at=iso(meta.get("publishedTime")),
                body=body,
            ),
            html,
        )


def htmldate_mediacloud(mirror: Mirror) -> Iterator[tuple[dict[str, Any], bytes]]:
    """htmldate's Media Cloud 2020 sample: news pages of many countries, the day as truth.

    Entries whose annotation is not a day (no date found by the annotators) are left out.
    """
    data = json.loads(mirror.read("tests/eval_mediacloud_2020.json"))
    for url in sorted(data, key=lambda u: hashlib.sha1(u.encode()).hexdigest()):
        item = data[url]
        day = str(item.get("date") or "")  # the unannotated ones hold NaN
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", day):
            continue
        html = mirror.read(f"tests/test_set/{item['file']}")
        if len(html) > MAX_PAGE_BYTES:
            continue
        yield (
            record(
                id=f"hdt-{hashlib.sha1(url.encode()).hexdigest()[:12]}",
                source="htmldate",
                url=url,
                lang=lang_of(html),
                published_at=day,
            ),
            html,
        )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    options.add_argument("--out", type=Path, default=ROOT / "bench" / "realpages" / "data")
    options.add_argument("--trafilatura-pages", type=int, default=300)
    args = options.parse_args()

    mirrors = {key: Mirror(args.mirrors, *pinned) for key, pinned in SOURCES.items()}
    pages_dir = args.out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for truth, html in [
        *aeb(mirrors["aeb"]),
        *trafilatura_eval(mirrors["trafilatura"], args.trafilatura_pages),
        *readability_pages(mirrors["readability"]),
        *htmldate_mediacloud(mirrors["htmldate"]),
    ]:
        (pages_dir / f"{truth['id']}.html.gz").write_bytes(gzip.compress(html, mtime=0))
        records.append(truth)
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]
    (args.out / "truth.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    by_source: dict[str, int] = {}
    for r in records:
        by_source[r["source"]] = by_source.get(r["source"], 0) + 1
    size = sum(p.stat().st_size for p in pages_dir.iterdir())
    print(f"{len(records)} pages {by_source}, {size / 1e6:.1f} MB gzipped, in {args.out}")


if __name__ == "__main__":
    main()
