"""Pages of the site itself: an about, history or contact page beside a "Tin mới" box.

Such a page is no article (the parser refuses it) but it links articles, in a box of
latest or most read news beside its text, so read as a listing it would be requested
again on every run. What tells it from a real listing is where its article links sit: a
listing, however small (a category of two items under its description, a tag page, a
title-only list, a table of links), has its article links in the part of the page that
holds its heading and main text; a static page has prose there, and every article link in
another part.

That part is the *column* of the page's content: the largest element around its main
block that holds no article link. The main block is looked for where the parser looks: the
block it takes for the body, and the page's heading (a contact page's few lines may weigh
less than its footer). The column must hold such a heading, one that agrees with the
page's ``<title>``, so that a footer, a banner or a box of prose beside a title-only list
is never taken for the page's content; and prose: several blocks of text (read by the
parser's block walker) with little link text.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import html as lxml_html
from parsel import Selector

from crawler.parsing.article import CHROME, TITLE_SUFFIX, ArticleParser, link_density
from crawler.parsing.blocks import blocks_of
from crawler.text import clean, fold

#: Prose is at least this many blocks of text besides headings, and this many characters:
#: a contact page's address lines pass, a category's one-paragraph description does not.
MIN_BLOCKS = 2
MIN_CHARS = 100
#: Link text share above which the column is a list, not prose.
MAX_LINK_DENSITY = 0.2
#: Elements that head a page's content (besides the heading the parser took as the title).
HEADINGS = ("h1", "h2")
ALL_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def is_static_page(parser: ArticleParser, article_urls: set[str], site_name: str = "") -> bool:
    """Whether the page's content is prose and none of its article links lie in it.

    ``article_urls`` are the absolute URLs of the page's links that lead to articles;
    ``site_name`` is no page's heading (a banner's ``<h1>``).
    """
    if not article_urls:
        return False
    holding = {
        node
        for a in parser.doc.root.iter("a")
        if urljoin(parser.url, (a.get("href") or "").strip()).split("#", 1)[0] in article_urls
        for node in a.iterancestors()
    }
    headings = [h.root for h in _headings(parser, site_name)]
    body = parser.body_element
    starts = ([body.root] if body is not None else []) + headings
    columns = [_column(start, holding) for start in starts]
    return any(
        c is not None and any(_holds(c, h) for h in headings) and _is_prose(c) for c in columns
    )


def _headings(parser: ArticleParser, site_name: str) -> list[Selector]:
    """The page's headings: of its own ``<h1>``, ``<h2>`` outside the furniture and the
    title the parser found, those that agree with the page's part of its ``<title>``
    ("Giới thiệu - <site>"), or the first when the ``<title>`` names only the site.

    A banner's heading over a listing ("Trang thông tin điện tử …") names no page."""
    headings = [
        h
        for tag in HEADINGS
        for h in parser.doc.xpath(f"//{tag}")
        if _own_heading(h.root, site_name) and not h.xpath(CHROME)
    ]
    if parser.title_element is not None:
        headings.append(parser.title_element)
    names = _page_names(parser.doc, site_name)
    if not names:
        return headings[:1]
    agreed = []
    for heading in headings:
        text = fold(heading.root.text_content())
        if text and any(name in text or text in name for name in names):
            agreed.append(heading)
    return agreed


def _page_names(doc: Selector, site_name: str) -> list[str]:
    """The parts of the page's ``<title>`` that are not the site's name, folded."""
    site = fold(site_name)
    parts = (fold(p) for p in TITLE_SUFFIX.split(clean(doc.xpath("string(//title)").get())))
    return [p for p in parts if p and not (site and (p in site or site in p))]


def _own_heading(heading: lxml_html.HtmlElement, site_name: str) -> bool:
    """A heading of the page itself: text, no link or logo in it (a listing item's title,
    a banner), and not the site's name."""
    text = fold(heading.text_content())
    if not text or text == fold(site_name):
        return False
    return next(heading.iter("a", "img"), None) is None


def _column(start: lxml_html.HtmlElement, holding: set) -> lxml_html.HtmlElement | None:
    """The largest element around ``start`` that holds no article link, or None when
    ``start`` holds one (a listing item's lead, with its title link)."""
    if start in holding or start.tag == "a":
        return None
    column = start
    for ancestor in start.iterancestors():
        if ancestor in holding:
            break
        column = ancestor
    return column


def _holds(column: lxml_html.HtmlElement, element: lxml_html.HtmlElement) -> bool:
    return element is column or column in element.iterancestors()


def _is_prose(column: lxml_html.HtmlElement) -> bool:
    """Several blocks of text besides headings, with little of it in links."""
    headings = set(column.iter(*ALL_HEADINGS))
    texts = [b.text for b in blocks_of([column], headings) if b.text]
    if len(texts) < MIN_BLOCKS or sum(map(len, texts)) < MIN_CHARS:
        return False
    return link_density(Selector(root=column)) <= MAX_LINK_DENSITY
