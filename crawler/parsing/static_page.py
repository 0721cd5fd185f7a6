"""Pages of the site itself: an about, history or contact page beside a "Tin mới" box.

Such a page is no article (the parser refuses it) but it links articles, in a box of
latest or most read news beside its text, so read as a listing it would be requested
again on every run. What tells it from a real listing is where its article links sit: a
listing, however small (a category of two items under its description, a tag page, a
title-only list, a table of links), has its article links in the part of the page that
holds its heading and main text; a static page has prose there, and every article link in
another part. The prose is the block the parser takes for the body, so the judgement uses
the same zones as the parser; the part is the largest element around that block that
holds no article link (its column), and it must hold the page's heading, so that a footer
or a box of prose under a title-only list is never taken for the page's content.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import html as lxml_html

from crawler.parsing.article import ArticleParser, link_density

#: Prose is at least this many paragraphs and characters: a contact page's address lines
#: pass, a category's one-paragraph description does not.
MIN_PARAGRAPHS = 2
MIN_CHARS = 100
#: Link text share above which the main block is a list, not prose.
MAX_LINK_DENSITY = 0.2
#: Elements that head a page's content (with the heading the parser took as the title).
HEADINGS = ("h1", "h2")


def is_static_page(parser: ArticleParser, article_urls: set[str]) -> bool:
    """Whether the page's main content is prose and none of its article links lie in it.

    ``article_urls`` are the absolute URLs of the page's links that lead to articles.
    """
    body = parser.body_element
    if body is None or not article_urls:
        return False
    paragraphs = parser.body.paragraphs
    if len(paragraphs) < MIN_PARAGRAPHS or sum(map(len, paragraphs)) < MIN_CHARS:
        return False
    if link_density(body) > MAX_LINK_DENSITY:
        return False
    anchors = [
        a
        for a in parser.doc.root.iter("a")
        if urljoin(parser.url, (a.get("href") or "").strip()).split("#", 1)[0] in article_urls
    ]
    column = _column(body.root, anchors)
    return column is not None and _holds_heading(column, parser)


def _column(prose: lxml_html.HtmlElement, anchors: list) -> lxml_html.HtmlElement | None:
    """The largest element around the prose that holds none of the anchors, or None when
    the prose itself holds one (a listing item's lead, with its title link)."""
    holding = {node for a in anchors for node in a.iterancestors()}
    if prose in holding:
        return None
    column = prose
    for ancestor in prose.iterancestors():
        if ancestor in holding:
            break
        column = ancestor
    return column


def _holds_heading(column: lxml_html.HtmlElement, parser: ArticleParser) -> bool:
    """Whether the column holds the page's heading: the title the parser found, or an
    ``<h1>``/``<h2>`` with text (a footer or a box of prose holds neither)."""
    title = parser.title_element
    if title is not None and (title.root is column or column in title.root.iterancestors()):
        return True
    return any(h.text_content().strip() for h in column.iter(*HEADINGS))
