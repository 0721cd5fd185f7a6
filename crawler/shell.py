"""Pages that a browser fills in with JavaScript: a shell is not a page without articles.

A headless CMS with a JavaScript front end (the redesigned vinhlong.dcs.vn: Next.js pages
over ``cms-api-vinhlong.ngn.vn``) serves HTML that holds a mount point, script bundles and
perhaps a JSON blob, but no article text and no article links. Crawled like any site, it
yields nothing, which the breakage alarm would read as a broken crawl, or, on a site's
first run, not notice at all. :func:`shell_reason` tells such a page apart and names the
framework (and the API host when the page shows one), so that the run report can say
``javascript_shell:<reason>`` instead. Rendering the page stays out of the crawler.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import html as lxml_html

#: Framework markers, most specific first: (name, pattern on the page's HTML).
FRAMEWORKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("next.js", re.compile(r'id="__NEXT_DATA__"|/_next/static/')),
    ("nuxt", re.compile(r'window\.__NUXT__|id="__nuxt"|/_nuxt/')),
    ("angular", re.compile(r"<app-root\b|\bng-version=")),
    ("angularjs", re.compile(r"\bng-app\b|\bng-repeat=|\bng-controller=")),
    ("react", re.compile(r"data-reactroot|<div id=\"root\">\s*</div>|/static/js/main\.\w+\.js")),
    ("vue", re.compile(r"<div id=\"app\">\s*</div>|\bdata-v-app\b|\bv-for=|\bv-cloak\b")),
    ("knockout", re.compile(r"\bdata-bind=")),
    ("template", re.compile(r"\{\{\s*[\w.$]+[^{}]{0,60}\}\}")),
)
#: URLs in a page's scripts that look like a JSON API: an "api" host, or an /api/ or /graphql path.
API_URL = re.compile(r"""https?://[\w.-]+(?::\d+)?(?:/[^\s"'<>\\]*)?""")
API_HOST = re.compile(r"(?i)(^|[.-])(api|graphql|backend)([.-]|$)")
API_PATH = re.compile(r"(?i)^/(api|graphql|wp-json|jsonapi)(/|$)")
#: A page with this much paragraph text is server-rendered, whatever scripts it also loads
#: (Next.js pages rendered on the server carry __NEXT_DATA__ and their text).
MIN_TEXT_CHARS = 200
NOT_TEXT = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"


def shell_reason(html: str) -> str | None:
    """Why the page is a JavaScript shell ("next.js", "react;api=cms-api.x.vn"), or None.

    A shell has a framework marker and almost no text in paragraphs; the reason names the
    framework and, when a script shows one, the API host the front end reads.
    """
    framework = next((name for name, pattern in FRAMEWORKS if pattern.search(html)), None)
    if framework is None:
        return None
    try:
        document = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    if paragraph_chars(document) >= MIN_TEXT_CHARS:
        return None
    hosts = api_hosts(document)
    return f"{framework};api={hosts[0]}" if hosts else framework


def paragraph_chars(document: lxml_html.HtmlElement) -> int:
    """Characters of visible text in paragraphs, list items and table cells."""
    texts = document.xpath(f"//*[self::p or self::li or self::td]//text()[not({NOT_TEXT})]")
    return sum(len(t.strip()) for t in texts)


def api_hosts(document: lxml_html.HtmlElement) -> list[str]:
    """Hosts of the JSON APIs that the page's scripts name, in page order."""
    found: list[str] = []
    scripts = [s.text or "" for s in document.iter("script")]
    scripts += [s.get("src") or "" for s in document.iter("script")]
    scripts += [link.get("href") or "" for link in document.iter("link")]
    for text in scripts:
        for url in API_URL.findall(text):
            parts = urlsplit(url)
            host = parts.netloc.lower()
            if (API_HOST.search(parts.hostname or "") or API_PATH.match(parts.path)) and (
                host not in found
            ):
                found.append(host)
    return found
