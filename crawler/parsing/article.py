"""Extract an article record from a page, one small method per field.

Like a Fundus publisher parser, each field is read by the family's selectors first and by
a generic heuristic when they find nothing; the variety of sites lives in
``families.toml``. A field that cannot be found is None (or an empty list), never a guess:
a wrong date is worse than none.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from datetime import datetime, time, timedelta
from functools import cached_property, lru_cache
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from crawler import dates, families
from crawler.families import Profile
from crawler.links import GENERIC_LISTING_PATH, is_article_link
from crawler.parsing import css
from crawler.parsing.blocks import (
    Block,
    Body,
    blocks_of,
    image_url,
    is_boilerplate,
    is_byline_name,
    is_hidden,
    is_paragraph,
    is_screen_reader_text,
    link_texts,
    looks_like_name,
    read_body,
)
from crawler.parsing.error_page import is_error_page
from crawler.parsing.labels import (
    AUTHOR_BLOCK,
    AUTHOR_CLASS,
    AUTHOR_CLASS_WORDS,
    AUTHOR_LABEL,
    BOLD_LEAD_MIN_CHARS,
    CHROME_CLASS,
    CHROME_TAGS,
    FOREIGN_BYLINE_LABEL,
    FURNITURE_PATH,
    GENERIC_DATE_CLASS,
    GENERIC_LEAD,
    IMAGE_NOT_CONTENT,
    NOT_AN_AUTHOR,
    NUMBERED_HEADING,
    POSTER_LABEL,
    RELATED_LABELS,
    SOURCE_LABEL,
    byline_name,
    row_field,
    strip_label,
)
from crawler.parsing.mainzone import MainZone, main_zone
from crawler.parsing.structured import Metadata, read_metadata
from crawler.text import clean, clean_or_none, fold
from crawler.urls import article_key, canonical_url, join_link, same_site, url_id

#: What an article's own element holds as well as a page does: a header, a footer.
ARTICLE_PART = re.compile(r"header|footer", re.I)
#: A <header> inside an <article> is the article's own (title, date, byline), not the page's.
CHROME_CLASS_RE = re.compile(CHROME_CLASS, re.I)
CHROME = (
    "ancestor-or-self::*[self::header[not(ancestor::article)] or self::nav or self::footer or "
    "self::aside or "
    f"re:test(concat(' ', @id, ' ', @class), '{CHROME_CLASS}', 'i')]"
)
#: Text (lead and body) below which a page without article markup (og:type article,
#: JSON-LD) is furniture: a contact box, a list of documents. A lead and two short
#: paragraphs pass; a page that says it is an article needs only one paragraph.
MIN_GENERIC_BODY_CHARS = 200
#: Refusals of a page that shows no article text: a server's error page gives these.
SHOWS_NOTHING = frozenset({"no_body", "no_title", "empty_body", "too_short", "no_date"})
#: A page with no date and no article markup is an article when it holds this much text
#: and its URL is not an about/contact/documents page (``FURNITURE_PATH``).
DATELESS_ARTICLE_CHARS = 500
#: Words of a heading that is a section name ("Thời sự", "World"), not a headline.
MAX_SECTION_WORDS = 3
#: What separates a headline from the site's name in og:title / <title>.
TITLE_SUFFIX = re.compile(r"\s+(?:[|–—:·•»]|-{1,2}|::)\s+")
OWN_CHROME = re.compile(CHROME_CLASS, re.I)  # an element that is itself a footer, a menu
SLIDESHOW_CLASS = re.compile(r"gallery|slideshow|carousel|slider|lightbox", re.I)
#: The page suffix of a section's URL ("/xay-dung-dang.html" is the section "/xay-dung-dang").
SECTION_SUFFIX = re.compile(r"\.(?:html?|aspx?|php)$", re.I)
#: The paths of a site's home page.
HOME_PATH = re.compile(r"/?(?:(?:index|default|trang-chu)\.\w+)?", re.I)
MAX_DATE_LINE = 150  # a meta line, not a sentence that mentions a date
MAX_HEADING = 60
MIN_TITLE, MAX_TITLE = 10, 300
TITLE_CLASS_WORDS = ("title", "tieude", "tieu-de", "tieu_de", "headline", "tenbai")
GENERIC_TITLE = css.WordQuery(
    f"//h1 | //h2 | //*[@class][{{words}}][re:test(@class, '{'|'.join(TITLE_CLASS_WORDS)}', 'i')]",
    TITLE_CLASS_WORDS,
)
NOT_A_TITLE = "ancestor::a | ancestor::li | " + CHROME
#: Comment threads and forms: their author fields name commenters, not the article's
#: author. (Not every <form>: ASP.NET WebForms wrap the whole page in one.)
NOT_THE_ARTICLE = "ancestor-or-self::*[re:test(concat(@class, ' ', @id), 'comment', 'i')]"
#: The label cell of a label/value row (a form's, a fact table's) and a <dl>'s <dt>: short,
#: with its value in the next cell. (The length test spares string() of layout cells.)
LABEL_CELL = (
    ".//tr/*[self::td or self::th][1][following-sibling::*[1][self::td]]"
    "[string-length(normalize-space()) < 40]"
    " | .//dt[following-sibling::*[1][self::dd]][string-length(normalize-space()) < 40]"
)
#: An image in a byline's block: the writer's portrait, not an article photo. (Not any
#: "avatar": the CMS of Nhân Dân calls its lead photo ``article__avatar``.)
AUTHOR_PHOTO = (
    "ancestor::*[@class or @id]"
    f"[re:test(concat(' ', @class, ' ', @id, ' '), '{AUTHOR_CLASS}', 'i')]"
)
REL_AUTHOR = ".//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"
#: The path of a writer's own page, which a byline's name links to: WordPress's
#: ``/author/<name>/``, a newsroom's ``/reporters/<name>``, ``/autoren/…``, ``/tac-gia/…``.
AUTHOR_PAGE = re.compile(
    r"/(?:authors?|autor(?:es|en|in|a)?|auteurs?|reporters?|journalists?|writers?|columnists?|"
    r"tac-?gia|but-?danh)(?:[/_.-]|$)",
    re.I,
)
#: A user name ("gizzmo", "surfguard23"): a blog's author when HTML marks it as the author.
HANDLE = re.compile(r"[^\W\d_][\w.-]{2,30}")
#: A user name of the site's staff account, not a person's ("jdadmin", "editor").
ROLE = re.compile(r"admin|editor|webmaster|redak|user|team", re.I)
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "u", "td", "th")
#: The elements that may be a related block's heading: short, measured by libxml2 (in C,
#: rather than a text_content() in Python of every element of the page); the bound is
#: loose, as normalize-space() keeps the no-break spaces that Python's split() drops.
SHORT_HEADINGS = " | ".join(
    f"//{tag}[string-length(normalize-space()) <= {2 * MAX_HEADING}]" for tag in HEADING_TAGS
)
MAX_LINK_DENSITY = 0.5
#: A paragraph of the body whose class marks its text stream: a sentence or more, not a
#: meta line ("Posted on … by …") that a template styles with a class of its own.
MIN_STREAM_PARAGRAPH = 80
MAX_BODY_ARTICLE_LINKS = 3  # a listing: three links that each stand alone as an item
#: A link is an item of a list when its text is nearly all the text of its block; a link in
#: a sentence ("as the minister said") is an ordinary inline link of an article.
LINK_ITEM_SHARE = 0.8
#: Share of the body's text in stand-alone article links that makes the body a listing.
LISTING_TEXT_SHARE = 0.5
#: Fields of the record, read one by one; one that raises loses that field, not the record.
FIELD_DEFAULTS: dict[str, object] = {
    "title": None, "lead": None, "body": "", "captions": [], "images": [], "author": None,
    "source": None, "published_at": None, "updated_at": None, "category": None, "tags": [],
    "related_urls": [],
}  # fmt: skip
GENERIC = families.profile("generic").selectors
#: The densest block is the body when it holds this share of what trafilatura kept; below
#: it, the article is spread over sibling blocks and trafilatura's bound is taken.
DENSE_SHARE = 0.6
#: A bound holding this share of the page's text is the page itself, not its article (unless
#: it is tight: nearly all text that trafilatura kept, see MainZone.tight).
WHOLE_PAGE_SHARE = 0.85


class ArticleParser:
    """The fields of an article page read with a site's profile; :meth:`record` is the result.

    The parser behind the page objects of ``crawler/pages.py``: it knows fields, not crawling.
    """

    def __init__(
        self,
        url: str,
        selector: Selector,
        profile: Profile,
        site_key: str,
        site_hosts: frozenset[str] = frozenset(),
        listing_category: str | None = None,
    ) -> None:
        self.url = url
        self.doc = selector
        self.profile = profile
        self.site_key = site_key
        self.site_hosts = site_hosts or frozenset({urlsplit(url).netloc.lower()})
        self.listing_category = listing_category
        self.version = next((v for v in profile.versions if css.union(v.when)(selector.root)), None)
        self.sel = (
            profile.selectors.merged(self.version.selectors) if self.version else profile.selectors
        )
        #: Fields that raised while the record was read: field name -> "ExceptionType: msg".
        #: The spider counts each as ``tinkhac/parser_errors/<field>``.
        self.errors: dict[str, str] = {}

    # -- elements ----------------------------------------------------------------------

    def _first(self, selectors: str, scope: Selector | None = None) -> Selector | None:
        """The first match of the first comma-separated alternative that matches."""
        root = (scope if scope is not None else self.doc).root
        for matched in css.matches(selectors, root, self._attributes):
            for found in matched:
                if found.text_content().strip() or found.find(".//img") is not None:
                    return Selector(root=found)
        return None

    def _all(self, selectors: str, scope: Selector | None = None) -> list[Selector]:
        root = (scope if scope is not None else self.doc).root
        for matched in css.matches(selectors, root, self._attributes):
            if matched:
                return [Selector(root=element) for element in matched]
        return []

    @cached_property
    def _attributes(self) -> css.PageAttributes:
        return css.PageAttributes(self.doc.root)

    @cached_property
    def meta(self) -> Metadata:
        return read_metadata(self.doc, self.url)

    @cached_property
    def title_element(self) -> Selector | None:
        if self.sel.title == GENERIC.title:
            return self._generic_title_element()
        scoped = self._first(self.sel.title, self.scope_hint)
        return scoped or self._first(self.sel.title) or self._heading_above_body()

    def _generic_title_element(self) -> Selector | None:
        """On a template of no family: the heading that agrees with the page's own headline
        (JSON-LD, og:title), else the first ``<h1>`` outside the page furniture, else the
        heading above the body. A logo in an ``<h1>`` or a section name is not the title."""
        headings = [h for h in self._h1s if not self._is_chrome(h)]
        above = self._heading_above_body()
        if above is not None and all(h.root is not above.root for h in headings):
            headings.append(above)
        agreeing = [h for h in headings if self._says_the_headline(h)]
        agreeing = agreeing or [h for h in headings if self._in_document_title(h)]
        return agreeing[0] if agreeing else headings[0] if headings else None

    def _in_document_title(self, heading: Selector) -> bool:
        """Whether a heading is the headline part of the page's ``<title>`` ("Headline -
        Site", "Site » Blog » Headline"): what a page without og:title or JSON-LD says its
        headline is, where a section name in an ``<h1>`` comes first."""
        text = fold(_string(heading))
        longest = fold(self._document_title)
        return len(text) >= MIN_TITLE and text in longest and len(text) * 2 >= len(longest)

    @cached_property
    def _h1s(self) -> list[Selector]:
        return [
            h
            for h in _select(self.scope_hint or self.doc, "//h1")
            if clean(_string(h))
            and not is_screen_reader_text(h.root)
            and not _finds(h, "ancestor::a | ancestor::li")
            and not _links_home(h, self.url)
        ]

    def _says_the_headline(self, heading: Selector | None) -> bool:
        """Whether a heading says the page's own headline (JSON-LD, og:title), unless that
        is the portal's name, which its logo says too."""
        names = self._headline_names
        if heading is None or not names:
            return False
        text = fold(_string(heading))
        return any(text == n or (n in text and len(n) * 2 >= len(text)) for n in names)

    @cached_property
    def _headline_names(self) -> list[str]:
        names = _headline_variants(self.meta.title)
        return [] if fold(self.meta.site_name or "") in names else names

    @cached_property
    def _furniture_headline(self) -> Selector | None:
        """The page header's ``<h1>`` that says the headline, where no heading of the
        article does (a newsletter box's ``<h1>`` does not): its text is the title, while
        the article's scope stays where its own elements are."""
        if self._says_the_headline(self.title_element):
            return None
        return next((h for h in self._h1s if self._says_the_headline(h)), None)

    def _heading_above_body(self) -> Selector | None:
        """For templates of no family: the heading-like element closest above the body."""
        body = self.body_element
        if body is None:
            return None
        body_at = _position(body.root)
        # The last one above the body: from the end, the costly furniture test comes last.
        for element in reversed(_select(self.doc, self._attributes.spelled(GENERIC_TITLE))):
            text = element.root.text_content().strip()
            if not MIN_TITLE <= len(text) <= MAX_TITLE or is_screen_reader_text(element.root):
                continue
            if _position(element.root) >= body_at or _inside(element, body):
                continue
            if not _finds(element, NOT_A_TITLE):
                return element
        return None

    @cached_property
    def scope_hint(self) -> Selector | None:
        return self._first(self.sel.article) if self.sel.article else None

    @property
    def body_element(self) -> Selector | None:
        return self._body_source[0]

    @cached_property
    def _family_body(self) -> Selector | None:
        """The body the family's selector finds: exact, read as it is."""
        if not self.sel.body:
            return None
        return self._first(self.sel.body, self.scope_hint) or self._first(self.sel.body)

    @cached_property
    def _body_source(self) -> tuple[Selector | None, MainZone | None]:
        """The body element: the family's; else where trafilatura finds the article (its
        zone bounds our block walk); else the densest block of paragraphs."""
        if self._family_body is not None:
            return self._family_body, None
        root = self.scope_hint or self.doc
        dense = _densest_text_element(root)
        if dense is not None and _score(dense.root) >= max(
            DENSE_SHARE * _paragraph_text(root.root), MIN_GENERIC_BODY_CHARS
        ):
            # A densest block that holds the page's paragraphs needs no second opinion; one
            # of a few words on a page without <p> (text split by <br>) is no such block.
            return dense, None
        zone = _article_zone(root.root)
        if zone is None or _holds_the_page(zone, root.root):
            return dense, None
        if self._outweighs(dense, zone):
            return dense, None
        if dense is not None and zone.share(dense.root) >= DENSE_SHARE and not zone.tight:
            # The densest block holds most of the article and trafilatura's bound is wider,
            # holding much that it did not keep (a layout table it took whole): ours is
            # exact. A bound that is nearly all kept text holds the rest of the article.
            return dense, zone
        return Selector(root=zone.element), zone

    def _outweighs(self, dense: Selector | None, zone: MainZone) -> bool:
        """Whether the densest block is the article although trafilatura kept none of it:
        what it kept elsewhere (a teaser box, a short intro) is shorter than the block's own
        text. A comment is never the article, however long (a short post, a long reply)."""
        if dense is None or zone.share(dense.root) > 0 or self._in_comments(dense):
            return False
        return _score(dense.root) > zone.total

    @cached_property
    def scope(self) -> Selector:
        """The article's root: the family's, else the smallest element holding title and body."""
        if self.scope_hint is not None:
            return self.scope_hint
        if self.title_element is not None and self.body_element is not None:
            title, body = self.title_element.root, self.body_element.root
            for ancestor in title.iterancestors():
                if ancestor is body or body in ancestor.iterdescendants():
                    return Selector(root=ancestor)
        return self.doc

    # -- fields ------------------------------------------------------------------------

    @cached_property
    def title(self) -> str | None:
        text = ""
        if self.title_element is not None:
            text = clean(_string(self.title_element))
        if self.sel.title == GENERIC.title:
            if self._furniture_headline is not None:
                text = clean(_string(self._furniture_headline))
            text = _agreed_title(text, self.meta.title)
        return text or clean_or_none(self.meta.title) or self._document_title

    @cached_property
    def _document_title(self) -> str | None:
        """``<title>`` without its " | Site" part: the last resort of a page with no heading,
        and what a page without og:title says its headline is."""
        whole = clean(_compiled("string(//title)")(self.doc.root))
        parts = [p for p in TITLE_SUFFIX.split(whole) if p]
        return clean(max(parts, key=len)) if parts else None

    @cached_property
    def lead(self) -> str | None:
        element = self._lead_element
        if element is not None and (self._zoned or not _inside(element, self.body_element)):
            return clean_or_none(_words_apart(element))
        return self._bold_lead()

    def _bold_lead(self) -> str | None:
        """No lead element: the body's first paragraph when all of it is bold and it reads as
        a sentence, not a subheading; a lead photo and its caption may come before it."""
        blocks = self._body_blocks
        while blocks and blocks[0].image_only:
            blocks = blocks[1:]
            if blocks and (blocks[0].italic or blocks[0].figure_caption or blocks[0].caption_class):
                blocks = blocks[1:]  # the photo's caption
        first = blocks[0] if blocks else None
        if first is None or first.images or not first.bold:
            return None
        if len(first.text) < BOLD_LEAD_MIN_CHARS or AUTHOR_LABEL.match(first.text):
            return None
        if NUMBERED_HEADING.match(first.text):
            return None
        return first.text

    @cached_property
    def _lead_element(self) -> Selector | None:
        element = self._first(self.sel.lead, self.scope) if self.sel.lead else None
        if element is None:
            query = self._attributes.spelled(GENERIC_LEAD)
            element = next((e for e in _select(self.scope, query) if self._may_be_lead(e)), None)
        return element

    def _may_be_lead(self, element: Selector) -> bool:
        """Whether an element that GENERIC_LEAD names can be this article's lead. Its class
        ("summary", "teaser", "excerpt") is also given to the wrapper of a whole article (a
        Drupal body field, a page's <body>) and to other stories' teasers, in a sidebar or
        under the article: a lead holds text, stands above or at the top of the body, does
        not hold the body, is not page furniture, and is not mostly a link."""
        if not element.root.text_content().strip():
            return False
        body = self.body_element
        if body is None:
            return True
        if _inside(body, element) or self._is_chrome(element):
            return False
        if link_density(element) > MAX_LINK_DENSITY:
            return False  # another story's teaser: its text is the link to that story
        return _inside(element, body) or not _is_after(element.root, body.root)

    @property
    def _zoned(self) -> bool:
        """Whether the body is trafilatura's bound, which may hold the lead and breadcrumb."""
        source = self._body_source
        return (
            source[1] is not None and source[0] is not None and source[0].root is source[1].element
        )

    @cached_property
    def _excluded(self) -> set[lxml_html.HtmlElement]:
        """Elements inside the body that are not body: furniture, fields, related lists."""
        body = self.body_element
        if body is None:
            return set()
        excluded = set(css.union(self.sel.drop)(body.root)) if self.sel.drop else set()
        fields = list(self._field_elements)
        if self._zoned:
            fields += [e for e in (self._lead_element, *self._all(self.sel.category)) if e]
        for element in fields:
            if _inside(element, body) and element.root is not body.root:
                excluded.add(element.root)
        excluded.update(self._teaser_links)
        # The links of one list share its container: each box is measured once.
        containers = dict.fromkeys(_list_container(link.root) for link in self._related_links)
        for container in containers:
            if container is not None and container is not body.root:
                excluded.add(_related_box(container, body.root))
        if self._family_body is None:
            excluded.update(_link_boxes(body.root))
            excluded.update(_slideshow_text(body.root))
        return excluded

    @cached_property
    def _teaser_links(self) -> list[lxml_html.HtmlElement]:
        """Links in the body that wrap a picture and lead to another article that a headline
        link names too: the thumbnail of a teaser set between paragraphs ("inner-article"),
        not a photo of this one (a blog's photo links to its own album page, no headline)."""
        pictures, headlines = [], set()
        for anchor in self.body_element.root.iter("a"):
            href = (anchor.get("href") or "").strip()
            if not href:
                continue
            target = urljoin(self.url, href)
            if anchor.find(".//img") is not None:
                pictures.append((anchor, target))
            elif clean(anchor.text_content()):
                headlines.add(target)
        return [
            anchor
            for anchor, target in pictures
            if target in headlines and target != self.url and is_article_link(target, self.profile)
        ]

    @cached_property
    def _field_elements(self) -> list[Selector]:
        return [
            e
            for e in (
                self.title_element,
                *self._date_elements,
                *self._labelled_elements,
                self._author_block,
            )
            if e is not None
        ]

    @cached_property
    def _body_blocks(self) -> list[Block]:
        if self.body_element is None:
            return []
        if self._family_body is not None:
            return blocks_of([self.body_element.root, *self._body_overflow], self._excluded)
        before, after = self._stream_siblings
        elements = [*before, self.body_element.root, *self._body_overflow, *after]
        blocks = blocks_of(list(dict.fromkeys(elements)), self._excluded)
        return _kept_blocks(blocks, self._body_source[1], link_texts(self.body_element.root))

    @cached_property
    def _body_overflow(self) -> list[lxml_html.HtmlElement]:
        """Paragraphs right after the body element: a stray ``</div>`` closed it early."""
        overflow = []
        fields = {e.root for e in self._field_elements}  # "Tác giả: …" right after the body
        for sibling in self.body_element.root.itersiblings():
            if not isinstance(sibling.tag, str) or sibling.tag != "p" or sibling in fields:
                break
            overflow.append(sibling)
        return overflow

    @cached_property
    def _stream_siblings(self) -> tuple[list[lxml_html.HtmlElement], list[lxml_html.HtmlElement]]:
        """(before, after): the body's siblings of the same text, when the densest block
        alone is the body: paragraphs that carry the class of its own paragraphs, and blocks
        that carry its class and hold such paragraphs. A template split the text over them
        (CNN's first paragraphs stand beside its "read all" block, past a "Read more"
        button; the NYT's "story-body-1" and "story-body-2" around an advertisement);
        trafilatura's zone already spans them."""
        body = self.body_element.root
        if self._body_source[1] is not None:
            return [], []
        classes = {
            token
            for paragraph in body.iter("p", "div")
            if paragraph is not body
            and paragraph.get("class")
            and is_paragraph(paragraph)
            and len(clean(paragraph.text_content())) >= MIN_STREAM_PARAGRAPH
            for token in paragraph.get("class").split()
        }
        if not classes:
            return [], []

        kind = set((body.get("class") or "").split())

        def in_stream(element: lxml_html.HtmlElement) -> bool:
            return not classes.isdisjoint((element.get("class") or "").split())

        def same_stream(sibling: lxml_html.HtmlElement) -> bool:
            if not isinstance(sibling.tag, str):
                return False
            if is_paragraph(sibling):
                found = in_stream(sibling)
            else:
                found = not kind.isdisjoint((sibling.get("class") or "").split()) and any(
                    in_stream(p) for p in sibling.iter("p", "div") if p is not sibling
                )
            return found and bool(clean(sibling.text_content()))

        before = [e for e in body.itersiblings(preceding=True) if same_stream(e)]
        return before[::-1], [e for e in body.itersiblings() if same_stream(e)]

    @cached_property
    def _lead_blocks(self) -> list[Block]:
        """The lead photo and its caption, shown between the heading and the body."""
        found = []
        if self.sel.lead_image:
            found = [f.root for f in self._all(self.sel.lead_image, self.scope)]
        if not found:  # a family's lead photo may take another form on another template
            found = self._images_before_body()
        return blocks_of(
            [f for f in found if not _inside(Selector(root=f), self.body_element)], set()
        )

    def _images_before_body(self) -> list[lxml_html.HtmlElement]:
        body = self.body_element
        if body is None or self.scope.root is body.root:
            return []
        if self.scope.root is self.doc.root:
            return []  # no element holds heading and body: nothing bounds "above the body"
        containers: list[lxml_html.HtmlElement] = []
        for image in self.scope.root.iter("img"):
            if image is body.root or _is_after(image, body.root):
                break
            container = image.getparent()
            while container is not None and container.tag not in ("figure", "div", "p", "td"):
                container = container.getparent()
            if container is None or container is self.scope.root:
                continue
            if IMAGE_NOT_CONTENT.search(image_url(image) or "") or _chrome(image):
                continue
            if self._attributes.names(AUTHOR_CLASS_WORDS) and _compiled(AUTHOR_PHOTO)(image):
                continue  # the writer's portrait beside the byline
            if self._holds_a_field(container):
                container = image  # the article's header: its photo, not its heading again
            if container not in containers and _may_hold_lead_photo(container):
                containers.append(container)
        return containers

    def _holds_a_field(self, element: lxml_html.HtmlElement) -> bool:
        """Whether an element holds the article's heading or its lead."""
        fields = (self.title_element, self._lead_element)
        return any(f is not None and _inside(f, Selector(root=element)) for f in fields)

    @cached_property
    def body(self) -> Body:
        lead = self.lead
        blocks = list(self._body_blocks)
        if blocks and lead and fold(blocks[0].text) == fold(lead) and not blocks[0].images:
            blocks.pop(0)
        if self.title:
            title = fold(self.title)  # once, not once per block
            blocks = [b for b in blocks if b.images or fold(b.text) != title]
        body = read_body(self._lead_blocks + blocks, lead, RELATED_LABELS)
        if not body.paragraphs and self._family_body is None:
            body.paragraphs = self._structured_paragraphs(lead)
        for image in body.images:
            image["url"] = urljoin(self.url, image["url"] or "")
        body.images = [i for i in body.images if not IMAGE_NOT_CONTENT.search(i["url"] or "")]
        return body

    def _structured_paragraphs(self, lead: str | None) -> list[str]:
        """The paragraphs of the JSON-LD ``articleBody``, for a page of no family whose HTML
        leaves the article's text to a script (the body element holds only its header):
        the site's own copy of the text, exact, rather than no record at all."""
        lines = [clean(line) for line in (self.meta.body or "").splitlines()]
        paragraphs = [line for line in lines if line]
        if paragraphs and lead and fold(paragraphs[0]) == fold(lead):
            paragraphs.pop(0)
        return paragraphs

    @cached_property
    def _family_date_elements(self) -> list[Selector]:
        return self._all(self.sel.date, self.scope) if self.sel.date else []

    @cached_property
    def _date_elements(self) -> list[Selector]:
        found = self._family_date_elements
        if not found:
            query = self._attributes.spelled(GENERIC_DATE_CLASS)
            found = [e for e in _select(self.scope, query) if not self._is_chrome(e)]
        return found

    def _in_comments(self, element: Selector) -> bool:
        """Inside a comment thread or form (``NOT_THE_ARTICLE``), whose author fields name
        commenters: asked of the page's classes and ids before its elements are walked."""
        return self._attributes.names(("comment",)) and _finds(element, NOT_THE_ARTICLE)

    def _is_chrome(self, element: Selector) -> bool:
        """Inside page furniture: a header, menu, sidebar or footer that does not hold the
        body (VnExpress calls its main column "sidebar-1")."""
        body = self.body_element
        return any(
            body is None or not _inside(body, Selector(root=c)) for c in _chrome(element.root)
        )

    @cached_property
    def _dates(self) -> tuple[datetime | None, datetime | None]:
        """(published, updated): the date elements, then machine dates, then the title's
        neighbourhood, where templates of no family print their date line."""
        # Where a machine date to the minute is the date (below), the visible ones are read
        # for an update time only, without month names (htmldate's costly reading).
        words = bool(self._family_date_elements) or not _to_the_minute(self._machine_published)
        published, updated = _read_dates(self._date_elements, self._month_first, words)
        if not self._family_date_elements:
            # No family's selector found the date: the page's machine date is exact (and keeps
            # its offset) unless it is a bare day that the visible date gives to the minute.
            published = _more_precise(self._machine_published, published)
            updated = _more_precise(self.meta.modified, updated)
        if published is None and self.meta.published:
            published = dates.parse_iso_date(self.meta.published)
        if updated is None and self.meta.modified:
            updated = dates.parse_iso_date(self.meta.modified)
        if published is None:
            published, nearby_update = _read_dates(self._title_neighbours, self._month_first)
            updated = updated or nearby_update
        if published is None:
            published = self._row_date(dates.PUBLISHED)
        updated = updated or self._row_date(dates.UPDATED)
        if published is None and updated is None and not self.sel.date:
            # Not on a family's page: there a date its selectors miss is a redesign, which
            # the run report's coverage alarm must see rather than a guessed day.
            published = _day_by_htmldate(self.doc.root, self.url)
        if published is None and updated is not None:
            # Small sites label their only date "Cập nhật": it is when the article went up.
            published, updated = updated, None
        if updated is not None and published is not None and updated <= published:
            updated = None
        return published, updated

    @cached_property
    def _month_first(self) -> bool:
        """Whether the page's culture prints numeric dates month first (en-US)."""
        return any(
            dates.month_first(script) for script in _compiled("//script/text()")(self.doc.root)
        )

    @cached_property
    def _machine_published(self) -> str | None:
        """JSON-LD ``datePublished``, ``article:published_time``, else the article's first
        ``<time datetime>`` / ``itemprop=datePublished`` that is no teaser's. A UTC date
        that the article's own element gives at the same instant in the zone it was written
        in (WordPress writes UTC into its metadata, local time into the post) is given in
        that zone, and so is one that it gives as a wall clock without an offset."""
        elements = _select(
            self.scope,
            ".//*[@itemprop='datePublished'][@content or @datetime]"
            " | .//time[not(ancestor::li)][@datetime]",
        )
        found = next(
            (
                e.root.get("content") or e.root.get("datetime")
                for e in elements
                if not self._links_elsewhere(e)
            ),
            None,
        )
        local = found.strip() if found and dates.parse_iso_date(found.strip()) else None
        if not self.meta.published:
            return local
        machine = dates.parse_iso_date(self.meta.published)
        if local and machine and machine.utcoffset() == timedelta(0):
            value = dates.parse_iso_date(local)
            if value == machine and value.utcoffset() != timedelta(0):
                return local
            shown = dates.in_wall_clock_zone(machine, local)
            if shown is not None:
                return shown.isoformat()
        return self.meta.published

    def _links_elsewhere(self, element: Selector) -> bool:
        """Inside a link to another page: a teaser's date, not the article's (WordPress links
        the article's own date to the article itself)."""
        return any(
            canonical_url(urljoin(self.url, link.get("href", "")), self.profile)
            not in self._own_urls
            for link in element.root.iterancestors("a")
        )

    @cached_property
    def _own_urls(self) -> set[str]:
        return {canonical_url(self.url, self.profile), self.canonical}

    @cached_property
    def _title_neighbours(self) -> list[Selector]:
        """Short elements just before or after the heading (or its wrapper)."""
        title = self.title_element
        if title is None:
            return []
        found: list[Selector] = []
        for node in (title.root, title.root.getparent()):
            if node is None or node is self.scope.root:
                break
            near = [*node.itersiblings(preceding=True)][:2] + [*node.itersiblings()][:3]
            found.extend(
                Selector(root=n)
                for n in near
                if isinstance(n.tag, str)
                and len(n.text_content()) <= MAX_DATE_LINE
                and not (self.body_element is not None and n is self.body_element.root)
            )
        return found

    def _row_date(self, kind: str) -> datetime | None:
        """The date of the labelled row that names it: the label said which date it is."""
        value = self._rows.get(kind)
        return _read_dates([value], self._month_first)[0] if value is not None else None

    @cached_property
    def _rows(self) -> dict[str, Selector]:
        """Field -> value cell of the article's first label/value row naming it ("Tác giả" |
        "Hoàng Yến", "Ngày đăng" | "11/20/2025 12:35 PM"): a SharePoint list item's form, a
        fact table, a <dl>. Rows of the body (a data table the article shows), of the page
        furniture or of a comment are not the article's fields, nor is a value longer than
        a meta line (a layout table's "Chuyên mục" menu cell beside the page)."""
        found: dict[str, Selector] = {}
        for label in _select(self.scope, LABEL_CELL):
            field = row_field(_string(label))
            if field is None or field in found:
                continue
            value = _select(label, "following-sibling::*[1]")[0]
            if not 0 < len(clean(_string(value))) <= MAX_DATE_LINE:
                continue
            if _inside(label, self.body_element) or self._is_chrome(label):
                continue
            if not (_finds(label, "ancestor::li") or self._in_comments(label)):
                found[field] = value
        return found

    def _row_text(self, field: str) -> str | None:
        value = self._rows.get(field)
        return clean_or_none(_string(value)) if value is not None else None

    @cached_property
    def published_at(self) -> str | None:
        value = self._dates[0]
        return dates.to_iso(value) if value else None

    @cached_property
    def updated_at(self) -> str | None:
        value = self._dates[1]
        return dates.to_iso(value) if value else None

    @cached_property
    def _labelled_elements(self) -> list[Selector]:
        found: list[Selector] = []
        for selectors in (self.sel.author, self.sel.source):
            if selectors:
                found.extend(e for e in self._all(selectors, self.scope) if e not in found)
        return found

    def _labelled(self, label: re.Pattern[str]) -> str | None:
        for element in self._labelled_elements:
            text = clean(_string(element))
            if label.match(text):
                return clean_or_none(strip_label(label, text))
        return None

    def _author_field(self) -> str | None:
        """The family's author field, labelled ("Tác giả: …") or bare ("Khánh Phúc")."""
        labelled = self._labelled(AUTHOR_LABEL)
        if labelled or not self.sel.author:
            return labelled
        for element in self._all(self.sel.author, self.scope):
            text = clean(_string(element))
            if looks_like_name(text) and not (POSTER_LABEL.match(text) or SOURCE_LABEL.match(text)):
                return text
        return None

    @cached_property
    def author(self) -> str | None:
        """The first source that names someone, print links and photo credits refused.

        On a template of no family the page's own markup (JSON-LD author, ``<meta
        name=author>``) comes first; a family's visible fields come before it, since portals
        fill that markup with the site's name.
        """
        visible = [
            self._author_field,
            self._meta_line_author,
            self._author_block_name,
            lambda: self.body.author,
            lambda: self._row_text("author"),
        ]
        if self.sel.author:
            sources = [*visible, self._structured_author, self._rel_author, self._page_author]
        else:
            sources = [self._structured_author, self._rel_author, self._page_author, *visible]
        for source in [*sources, lambda: self._labelled(POSTER_LABEL)]:
            found = source()
            name = byline_name(found) if found else None
            if name and not NOT_AN_AUTHOR.match(name) and not is_boilerplate(name):
                return name
        return None

    @cached_property
    def _author_block(self) -> Selector | None:
        """The element whose class names the byline: a block after the body (div.author_detail,
        div.tacgia, p.byline with its label span) or a span of the article header."""
        page = self._attributes
        if not (page.names(AUTHOR_CLASS_WORDS) or page.carries("itemprop", "author", "all")):
            return None  # no class or id names a byline: the regex walk would find nothing
        body = self.body_element
        query = page.spelled(AUTHOR_BLOCK)
        for element in _select(self.scope, query):
            # An <article>'s own <header> holds its byline; the page's header does not.
            if _chrome(element.root) and not _finds(
                element, "ancestor::*[self::header or self::footer][ancestor::article]"
            ):
                continue
            if _finds(element, "ancestor::li") or self._in_comments(element):
                continue  # a related item's author, a comment's, a comment form's "Name *"
            if body is not None and _inside(body, element):
                continue  # a wrapper around the whole article
            text = _joined_text(element)
            inner = _select(element, query)
            if inner and _joined_text(inner[0]) != text:
                continue  # a wrapper of the name, its avatar and the share buttons
            if POSTER_LABEL.match(text) or SOURCE_LABEL.match(text):
                continue
            if is_byline_name(byline_name(text)):
                return element
        return None

    def _author_block_name(self) -> str | None:
        if self._author_block is None:
            return None
        return clean_or_none(_joined_text(self._author_block))

    def _rel_author(self) -> str | None:
        """The text of the article's ``<a rel="author">`` (HTML's own mark of the author's
        page), not one in a comment thread or the page's furniture: a name, or a blog's
        user name, which that mark makes its author's."""
        for link in _select(self.scope, REL_AUTHOR):
            if self._in_comments(link) or self._is_chrome(link):
                continue
            text = clean(_string(link))
            if looks_like_name(text) or (HANDLE.fullmatch(text) and not ROLE.search(text)):
                return text
        return None

    def _page_author(self) -> str | None:
        """The name on a link of the article to its writer's own page (``AUTHOR_PAGE``),
        outside the page's furniture and comments: a byline that names no author by class
        or markup ("By <a href=/reporters/jose-de-la-cruz>Jose de la Cruz</a>")."""
        for anchor in self.scope.root.iterdescendants("a"):
            href = anchor.get("href")
            if href is None or not AUTHOR_PAGE.search(urlsplit(href).path):
                continue
            link = Selector(root=anchor)
            text = clean(_string(link))
            if looks_like_name(text) and not self._in_comments(link) and not self._is_chrome(link):
                return text
        return None

    def _structured_author(self) -> str | None:
        names = [clean(n) for n in self.meta.authors if clean(n)]
        names = [n for n in names if not NOT_AN_AUTHOR.match(n)]
        return ", ".join(dict.fromkeys(names)) or None

    def _meta_line_author(self) -> str | None:
        """The name in a meta line: a labelled part ("Tác giả: X | 20/10/2025 08:30"), else
        the name that ends it ("Đăng ngày: … | Lượt xem: 1231 | Trần Thị Thủy")."""
        for element in self._date_elements:
            parts = [clean(p) for p in re.split(r"[|·•]", _string(element))]
            # a labelled name may also stand in a cell or span of its own, unseparated
            # ("<td>12/1/2025 8:15 AM</td><td>Tác giả: X</td>")
            texts = _compiled(".//text()")(element.root)
            pieces = [clean(p) for t in texts for p in re.split(r"[|·•]", t)]
            for part in pieces if len(pieces) > 1 else ():
                labelled = AUTHOR_LABEL.match(part) or FOREIGN_BYLINE_LABEL.match(part)
                name = byline_name(part)
                if labelled and name != part and is_byline_name(name):
                    return name  # (a label alone, "Viết bởi" before a span, names no one)
            if len(parts) < 2:
                continue
            last = strip_label(AUTHOR_LABEL, parts[-1])
            if looks_like_name(last) and not _names_sections(element, last):
                return last
        return None

    @cached_property
    def source(self) -> str | None:
        return self._labelled(SOURCE_LABEL) or self.body.source

    @cached_property
    def category(self) -> str | None:
        """The article's own labelled field ("Chuyên mục" | "Kinh tế - Xã hội"), else the last
        breadcrumb item: a breadcrumb names where the page sits (on a list item's form, the
        list), the field what the article is filed under."""
        labelled = self._row_text("category")
        if labelled:
            return labelled
        items = [clean(_string(e)) for e in self._all(self.sel.category)]
        names: list[str] = []
        for item in items:
            names.extend(clean(p) for p in re.split(r"[»›>→]", item))
        home = {"trang chủ", "home", "trang chu", ""}
        names = [n for n in names if fold(n) not in home and fold(n) != fold(self.title)]
        if names:
            return names[-1]
        return clean_or_none(self.meta.section) or self.listing_category or self._section_link()

    def _section_link(self) -> str | None:
        """The text of a link, outside the page's menus, to the section the article's URL
        sits in ("/xay-dung-dang.html" for "/xay-dung-dang/<slug>-8125.html"): the heading
        over the article on a portal that has no breadcrumb."""
        parts = urlsplit(self.url)
        segments = parts.path.rstrip("/").split("/")
        if len(segments) < 3:
            return None
        section = "/".join(segments[:-1]).lower()
        for link in _select(self.doc, "//a[@href]"):
            target = urlsplit(urljoin(self.url, link.root.get("href").strip()))
            path = SECTION_SUFFIX.sub("", target.path.rstrip("/")).lower()
            if target.netloc != parts.netloc or path != section or self._is_chrome(link):
                continue
            text = clean(_string(link))
            if text and len(text) <= MAX_HEADING:
                return text
        return None

    @cached_property
    def tags(self) -> list[str]:
        scope = self.scope
        found = self._all(self.sel.tags, scope) if self.sel.tags else []
        if not found and scope.root.getparent() is not None and self.sel.tags:
            found = self._all(self.sel.tags, Selector(root=scope.root.getparent()))
        tags = [clean(_string(e)) for e in found if not self._in_page_chrome(e)]
        return _unique([t.lstrip("#") for t in tags if t]) or _unique(self.meta.tags)

    def _in_page_chrome(self, element: Selector) -> bool:
        """Inside the page's furniture. A header or footer inside the article's own element
        (narrower than the page) is the article's: WordPress's ``entry-footer`` and
        VnExpress's ``footer-content`` hold the tags; a tag cloud of the sidebar does not."""
        scope = self.scope.root
        narrow = scope.getparent() is not None and scope is not self.doc.root
        for node in _chrome(element.root):
            chrome = Selector(root=node)
            own = f"{node.tag} {node.get('class', '')} {node.get('id', '')}"
            if narrow and _inside(chrome, self.scope) and ARTICLE_PART.search(own):
                continue
            if not _inside(self.body_element, chrome):
                return True
        return False

    @cached_property
    def _related_links(self) -> list[Selector]:
        if self.sel.related:
            found = self._all(self.sel.related)
            if found:
                return found
        return _related_by_heading(self.doc)

    @cached_property
    def related_urls(self) -> list[str]:
        urls = []
        for link in self._related_links:
            href = (link.root.get("href") or "").strip()
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                urls.append(join_link(self.url, href))
        return _unique(urls)

    @cached_property
    def canonical(self) -> str:
        """``<link rel=canonical>`` when it points into the site, else the cleaned URL.

        A canonical link to a page above this one that names no content (the home page,
        or the Liferay page whose asset publisher shows the article) names no article.
        """
        href = self.meta.canonical
        if href:
            absolute = urljoin(self.url, href.strip())
            if same_site(absolute, self.site_hosts) and not self._names_a_page_above(absolute):
                return canonical_url(absolute, self.profile)
        return canonical_url(self.url, self.profile)

    def _names_a_page_above(self, url: str) -> bool:
        """Whether ``url`` is above this page's address without its portal state (a WPS
        state URL's canonical link is its friendly path: that one names the article)."""
        here = self.url
        for pattern in self.profile.strip_url:
            here = pattern.sub("", here)
        above, here = urlsplit(url).path.rstrip("/"), urlsplit(here).path.rstrip("/")
        return here.startswith(above + "/") and url_id(url, self.profile) is None

    # -- the record ----------------------------------------------------------------------

    def is_article(self) -> bool:
        """Whether the page is an article at all (not a listing, an about page, a form)."""
        return self.rejection is None

    @cached_property
    def rejection(self) -> str | None:
        """Why the page is not an article, as a short snake_case reason; None if it is one.

        The spider counts it per site as ``tinkhac/pages/not_article/<reason>``, so a page
        is never dropped without a trace. Print views repeat an article under another URL;
        they are marked noindex. A server's error page answered with 200 is ``error_page``
        (see :mod:`crawler.parsing.error_page`).
        """
        try:
            reason = self._rejection()
        except Exception as error:  # a parser bug is reported, not raised
            self.errors["page"] = f"{type(error).__name__}: {error}"
            return "parser_error"
        if reason in SHOWS_NOTHING and is_error_page(self.doc):
            return "error_page"
        return reason

    def _rejection(self) -> str | None:
        if self.body_element is None:
            return "no_body"
        if not self.title:
            return "no_title"
        robots = " ".join(_compiled("//meta[@name='robots']/@content")(self.doc.root)).lower()
        # Print views repeat an article under another URL and say noindex; an article page
        # that says noindex (an archive, a paywall, a blog's setting) is still an article,
        # and so is one whose canonical link names this very page: it is the original.
        article_url = is_article_link(self.url, self.profile)
        if "noindex" in robots and not (self.meta.is_article or article_url or self._is_original):
            return "noindex"
        if self.profile.is_article_url(self.url):
            return None if self.body.paragraphs or self.body.images else "empty_body"
        if GENERIC_LISTING_PATH.search(urlsplit(self.url).path):
            return "listing_url"
        if self._lists_articles():
            return "lists_articles"
        text = "\n".join([self.lead or "", *self.body.paragraphs])
        # A link roll ("five reads of the day, via …") is mostly links and still an article
        # when the page says it is one and has an article's length of its own text.
        if link_density(self.body_element) > MAX_LINK_DENSITY and not (
            self.meta.is_article and len(text) >= MIN_GENERIC_BODY_CHARS
        ):
            return "mostly_links"
        if self.meta.is_article:
            return None if self.body.paragraphs else "empty_body"
        if FURNITURE_PATH.search(plain_path(self.url)):
            return "furniture_page"
        # A page without a date is an article only when something else says so: its URL
        # carries an article id, or it names an author. An about page says neither.
        if self.published_at is None and (
            len(text) < DATELESS_ARTICLE_CHARS or not (article_url or self.author)
        ):
            return "no_date"
        return "too_short" if len(text) < MIN_GENERIC_BODY_CHARS else None

    @property
    def _is_original(self) -> bool:
        """Whether the page's canonical link names the page itself (the link as written:
        :attr:`canonical` falls back to this page's URL when the link names a page above)."""
        if not self.meta.canonical:
            return False
        named = urljoin(self.url, self.meta.canonical.strip())
        return canonical_url(named, self.profile) == canonical_url(self.url, self.profile)

    def _lists_articles(self) -> bool:
        """A listing: its main block is a list of links to pages that look like articles.

        Only links that stand alone as an item (the whole text of their list item, heading
        or paragraph) count: an article's inline links are part of its sentences.
        """
        urls: set[str] = set()
        item_text = 0
        for anchor in self.body_element.root.iter("a"):
            href = anchor.get("href")
            if not href or not _stands_alone(anchor):
                continue
            url = urljoin(self.url, href)
            if is_article_link(url, self.profile) and url not in urls:
                urls.add(url)
                item_text += len(clean(anchor.text_content()))
        if len(urls) < MAX_BODY_ARTICLE_LINKS:
            return False
        # An article with a related list under it is mostly its own text.
        text = sum(len(p) for p in self.body.paragraphs) + len(self.lead or "")
        return item_text >= LISTING_TEXT_SHARE * text

    def record(self) -> dict[str, object] | None:
        """The article's fields, or None exactly when :attr:`rejection` is set.

        Each field is read on its own: one that raises is recorded in :attr:`errors` and
        left empty, and the rest of the record is kept (Fundus's per-field policy).
        """
        if self.rejection is not None:
            return None
        record: dict[str, object] = {
            "id": article_key(self.canonical, self.profile),
            "url": self.canonical,
            "site": self.site_key,
        }
        for name, default in FIELD_DEFAULTS.items():
            try:
                record[name] = self._field(name)
            except Exception as error:  # see the docstring
                self.errors[name] = f"{type(error).__name__}: {error}"
                record[name] = copy.copy(default)
        return record

    def _field(self, name: str) -> object:
        if name == "body":
            return "\n\n".join(self.body.paragraphs)
        if name in ("captions", "images"):
            return getattr(self.body, name)
        return getattr(self, name)


def _related_box(
    links: lxml_html.HtmlElement, body: lxml_html.HtmlElement
) -> lxml_html.HtmlElement:
    """The box around a related list inside the body: the wrappers that hold nothing but
    the list and its heading ("Tin liên quan", "Xem thêm"), so that the heading does not
    end the body where an editor put the box between two paragraphs."""
    box, own = links, clean(links.text_content())
    while (parent := box.getparent()) is not None and parent is not body:
        whole = clean(parent.text_content())
        rest = fold(whole.replace(own, "", 1))
        if rest and rest not in RELATED_LABELS:
            break
        box, own = parent, whole
    return box


def _names_sections(element: Selector, text: str) -> bool:
    """Whether a meta line's part is the names of its section or tag links ("Lifestyle •
    Sport", "| Medien, Politik"): where the article is filed, not who wrote it."""
    sections = [
        clean(a.text_content())
        for a in element.root.iter("a")
        if re.search(r"\b(?:tag|category)\b", a.get("rel") or "")
        or GENERIC_LISTING_PATH.search(urlsplit(a.get("href") or "").path)
    ]
    return any(name and name in text for name in sections)


def _list_container(link: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The list, table or block that holds a related link."""
    container = link.getparent()
    while container is not None and container.tag not in ("ul", "ol", "table", "div"):
        container = container.getparent()
    return container


def _stands_alone(anchor: lxml_html.HtmlElement) -> bool:
    """Whether a link is a list item: nearly all the text of the block it sits in."""
    block = anchor.getparent()
    while block is not None and block.tag not in ("li", "p", "h2", "h3", "h4", "div", "td", "dt"):
        block = block.getparent()
    if block is None:
        return True
    own = len(clean(anchor.text_content()))
    whole = len(clean(block.text_content()))
    return own > 0 and own >= LINK_ITEM_SHARE * whole


def _read_dates(
    elements: list[Selector], month_first: bool = False, words: bool = True
) -> tuple[datetime | None, datetime | None]:
    """The first published and the first updated date the elements show; ``words``: also
    dates that name their month in a language of the open web.

    A header clock is never a date, nor is the part of it that stands in an element of its
    own ("Hôm nay: <span>Thứ Ba, 02/12/2026</span>").
    """
    published = updated = None
    clocks: list[Selector] = []
    for element in elements:
        if any(_inside(element, clock) for clock in clocks):
            continue
        text = element.root.get("content") or _date_text(element)
        if re.match(r"\s*\d{4}-\d\d", text):
            published = published or dates.parse_iso_date(text.strip())
            continue
        mentions = dates.find_dates(text, month_first)
        if not mentions and words:
            mentions = dates.find_word_dates(text)
        for mention in mentions:
            if mention.kind == "updated":
                updated = updated or mention.value
            elif mention.kind == dates.CLOCK:
                clocks.append(element)
            elif published is None:
                published = mention.value
    return published, updated


def _date_text(element: Selector) -> str:
    """An element's text; across cells or blocks joined by spaces, so that a cell's "8:15 PM"
    does not run into the next cell, while "<b>01</b>/12/2025" stays one date."""
    if _finds(element, ".//td | .//th | .//div | .//p | .//li | .//br"):
        return _joined_text(element)
    return _string(element)


@lru_cache(maxsize=2048)
def _compiled(query: str) -> etree.XPath:
    """An XPath of the parser compiled once, with the ``re:`` functions parsel provides.
    (Bounded: a ``WordQuery`` is spelled for each page's spellings of its words.)"""
    return etree.XPath(query, namespaces={"re": "http://exslt.org/regular-expressions"})


def _finds(element: Selector, query: str) -> bool:
    """Whether an XPath finds anything from the element: a test, so nothing is wrapped."""
    return bool(_compiled(query)(element.root))


def _select(element: Selector, query: str) -> list[Selector]:
    """The elements an XPath finds from the element: ``.xpath()`` compiles its query on
    every call, and fields ask the same few queries of every page."""
    return [Selector(root=found) for found in _compiled(query)(element.root)]


def _chrome(element: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The element and its ancestors that are page furniture: what ``CHROME`` selects, read
    in Python, since the XPath calls its regex back from libxml2 once per ancestor."""
    return [
        node
        for node in (element, *element.iterancestors())
        if node.tag in ("nav", "footer", "aside")
        or (node.tag == "header" and next(node.iterancestors("article"), None) is None)
        or CHROME_CLASS_RE.search(f" {node.get('id') or ''} {node.get('class') or ''}")
    ]


def _string(element: Selector) -> str:
    """The element's XPath ``string()``, which is what lxml's ``text_content`` evaluates,
    without parsel's evaluator and result wrapping: fields read it thousands of times."""
    return element.root.text_content()


def _words_apart(element: Selector) -> str:
    """An element's text, with a space where a stamp set apart by style runs into the next
    sentence ("<span class=location-stamp>Nhật Bản</span>Núi lửa …"): a lower-case end
    against a capital start across two elements is two words, as a browser shows them."""
    texts = _compiled(".//text()")(element.root)
    out = texts[:1]
    for text in texts[1:]:
        before = out[-1][-1:]
        glued = before.isalpha() and before.islower() and text[:1].isupper()
        out.append(f" {text}" if glued else text)
    return "".join(out)


def _joined_text(element: Selector) -> str:
    """Text nodes joined by spaces: "Tác giả: X<br>Nguồn tin: Y" keeps its two lines apart."""
    return clean(" ".join(_compiled(".//text()")(element.root)))


def _links_home(heading: Selector, url: str) -> bool:
    """A heading that is one link to the home page: the site's name in its banner
    (``<h1><a href="/">BAN TUYÊN GIÁO …</a></h1>``), not a headline."""
    links = _select(heading, ".//a[@href]")
    if len(links) != 1:
        return False
    if clean(_string(links[0])) != clean(_string(heading)):
        return False
    target = urlsplit(urljoin(url, links[0].root.get("href").strip()))
    return target.netloc == urlsplit(url).netloc and HOME_PATH.fullmatch(target.path) is not None


def _headline_variants(headline: str | None) -> list[str]:
    """The page's own headline, folded, whole and without a " | Site name" part."""
    if not headline:
        return []
    parts = [fold(p) for p in TITLE_SUFFIX.split(clean(headline))]
    longest = max(parts, key=len)
    return [v for v in dict.fromkeys((fold(headline), longest)) if len(v) >= MIN_TITLE]


def _agreed_title(heading: str, headline: str | None) -> str:
    """The visible heading, checked against the page's own headline (JSON-LD, og:title).

    A kicker glued in front of the headline ("Exclusive" + "Headline") leaves the headline;
    a heading that is a section name ("Politik") where the headline is long gives way to
    the headline without its " | Site" part.
    """
    names = _headline_variants(headline)
    if not names:
        return heading
    folded = fold(heading)
    for name in names:
        if folded == name or (folded and folded in name and len(folded) * 5 >= len(name) * 3):
            return heading
    visible = clean(heading)
    for name in names:
        if len(name) * 2 >= len(folded) and (start := _headline_start(visible, name)) > 0:
            return visible[start:]  # the kicker stood in front of the headline
    if not heading or len(heading.split()) <= MAX_SECTION_WORDS:
        whole = clean(headline)
        parts = TITLE_SUFFIX.split(whole)
        return clean(max(parts, key=len)) if len(parts) > 1 else whole
    return heading


def _headline_start(visible: str, name: str) -> int:
    """Where the folded headline last starts in the visible heading, or -1. Case folding
    may change a text's length ("Große" folds to "grosse"), so a position found in the
    folded heading is looked for again among the visible heading's word starts."""
    lowered = visible.casefold()
    start = lowered.rfind(name)
    if start < 0 or len(lowered) == len(visible):
        return start
    starts = [m.start() + 1 for m in re.finditer(r"\s\S", visible)]
    return next((i for i in reversed(starts) if fold(visible[i:]).startswith(name)), -1)


def _day_by_htmldate(root: lxml_html.HtmlElement, url: str) -> datetime | None:
    """The original publication day as htmldate (trafilatura's date finder) reads it, for a
    page of no family where neither markup nor our Vietnamese date patterns found one: it
    knows "16. August 2019" and "October 27, 2021". A day, never a time."""
    tree = copy.deepcopy(root)
    # The page's clock ("Hôm nay: Thứ Ba, 02/12/2026") shows today's date, which htmldate
    # would take. The rest of the page stays: htmldate weighs its parts itself, and many
    # templates put the article's own heading and date in a <header> of the page.
    clocks = [e for e in tree.iter() if _is_clock(e)]
    for element in clocks:
        if element.getparent() is not None:
            element.drop_tree()
    try:
        from htmldate import find_date

        found = find_date(tree, url=url, original_date=True)
    except Exception:  # a third-party failure costs the date, not the page
        return None
    return dates.parse_iso_date(found) if found else None


def _is_clock(element: lxml_html.HtmlElement) -> bool:
    """A short element that shows the page's clock ("Hôm nay: Thứ Ba, 02/12/2026")."""
    if not isinstance(element.tag, str):
        return False
    text = element.text_content()
    return len(text) <= MAX_DATE_LINE and any(m.kind == dates.CLOCK for m in dates.find_dates(text))


def plain_path(url: str) -> str:
    """ "/menutop/Gi%E1%BB%9Bi%20thi%E1%BB%87u/" -> "/menutop/gioi-thieu/": words to match."""
    path = unicodedata.normalize("NFD", unquote(urlsplit(url).path).lower().replace("đ", "d"))
    return re.sub(r"\s+", "-", "".join(c for c in path if not unicodedata.combining(c)))


def _holds_the_page(zone: MainZone, root: lxml_html.HtmlElement) -> bool:
    """Whether a bound is nearly the whole page and bounds nothing: trafilatura kept the
    page's furniture too (a layout table, a small page it could not prune). A long article
    on a page of little furniture fills the page as well, but there the bound is nearly all
    text that trafilatura kept."""
    page = len(clean(root.xpath("string(//body)") or root.text_content()))
    bound = len(clean(zone.element.text_content()))
    return page > 0 and bound >= WHOLE_PAGE_SHARE * page and not zone.tight


def _article_zone(root: lxml_html.HtmlElement) -> MainZone | None:
    """trafilatura's zone of the article; asked again with its fallback extractors when its
    fast pass bounded a block that is mostly links (a menu it took for the text, as on a
    page whose article is a few paragraphs under a long navigation)."""
    zone = main_zone(root)
    if zone is not None and link_density(Selector(root=zone.element)) > MAX_LINK_DENSITY:
        return main_zone(root, fast=False) or zone
    return zone


def _may_hold_lead_photo(container: lxml_html.HtmlElement) -> bool:
    """Whether an image's block above the body can be the article's lead photo: one image
    and its caption. A block of several images is a strip of teasers or a gallery, and one
    whose text is mostly links is another story's teaser ("Most read", "Related")."""
    photos = [i for i in container.iter("img") if not IMAGE_NOT_CONTENT.search(image_url(i) or "")]
    if len(photos) > 1:
        return False
    has_text = bool(clean(container.text_content()))
    return not has_text or link_density(Selector(root=container)) <= MAX_LINK_DENSITY


def _slideshow_text(body: lxml_html.HtmlElement) -> set[lxml_html.HtmlElement]:
    """The text of slideshow widgets in a body of no family: their controls ("Image 1 of
    8", "Close", "Back to Gallery") and a copy of each caption per view; their photos stay.
    A gallery with ``<figcaption>``s (WordPress's) is read as figures, and one that holds
    most of the body's text is the article (a photo story told in its captions)."""
    text: set[lxml_html.HtmlElement] = set()
    whole = None  # the body's length, measured only once a slideshow is met
    for element in body.iter("div", "section", "ul"):
        own = f"{element.get('id') or ''} {element.get('class') or ''}"
        if element is body or not SLIDESHOW_CLASS.search(own) or element in text:
            continue
        if element.find(".//figcaption") is not None or element.find(".//img") is None:
            continue
        whole = whole or len(clean(body.text_content()))
        if 2 * len(clean(element.text_content())) >= whole:
            continue
        text.update(
            part
            for part in element.iterdescendants()
            if isinstance(part.tag, str) and part.tag != "img" and part.find(".//img") is None
        )
    return text


def _link_boxes(body: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The boxes of links inside a body of no family ("Related", "Most read", a tag cloud),
    with their heading and dates: a block of several links whose text is mostly links."""
    boxes: list[lxml_html.HtmlElement] = []
    for element in body.iter("div", "ul", "ol", "section", "aside", "table"):
        if element is body or any(b in boxes for b in element.iterancestors()):
            continue
        if sum(1 for a in element.iter("a") if a.get("href")) < MAX_BODY_ARTICLE_LINKS:
            continue
        if link_density(Selector(root=element)) > MAX_LINK_DENSITY:
            boxes.append(element)
    return boxes


def _more_precise(machine: str | None, visible: datetime | None) -> datetime | None:
    """The machine date, unless it is a bare day (or midnight) the visible date refines."""
    value = dates.parse_iso_date(machine) if machine else None
    if value is None or visible is None:
        return value or visible
    same_day = visible.date() == value.date()
    bare = not _to_the_minute(machine)
    return visible if bare and same_day and visible.time() != time(0, 0) else value


def _to_the_minute(machine: str | None) -> bool:
    """Whether a machine date gives a time of day: not a bare day, nor midnight."""
    value = dates.parse_iso_date(machine) if machine else None
    return (
        value is not None
        and bool(re.search(r"\d[T ]\d\d:\d\d", machine))
        and value.time() != time(0, 0)
    )


def _kept_blocks(blocks: list[Block], zone: MainZone | None, links: set[str]) -> list[Block]:
    """The blocks of a body of no family without its bare links ("Xem thêm", a related
    item, a "most read" list inside the article's block), unless trafilatura kept them.
    trafilatura also drops some real text (lists, bylines, captions), which our walker
    places, so a block it left out is dropped only when it is a bare link."""
    return [
        b
        for b in blocks
        if b.images
        or (
            re.search(r"[^\W_]", b.text)
            and ((zone is not None and zone.keeps(b.text)) or fold(b.text) not in links)
        )
    ]  # a block of bare punctuation (">" left of a breadcrumb, "|") is furniture


def _inside(element: Selector | None, container: Selector | None) -> bool:
    if element is None or container is None:
        return False
    root = container.root
    return element.root is root or any(a is root for a in element.root.iterancestors())


def _is_after(element: lxml_html.HtmlElement, other: lxml_html.HtmlElement) -> bool:
    """Whether ``element`` is inside or after ``other`` in document order."""
    return _position(element) >= _position(other)


def _position(element: lxml_html.HtmlElement) -> list[int]:
    """The element's path of child indexes from the root: sorts in document order."""
    path = []
    node, parent = element, element.getparent()
    while parent is not None:
        path.append(parent.index(node))
        node, parent = parent, parent.getparent()
    return path[::-1]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _paragraph_score(paragraph: lxml_html.HtmlElement) -> int:
    text = len(paragraph.text_content().strip())
    links = sum(len(a.text_content().strip()) for a in paragraph.iter("a"))
    return max(text - 2 * links, 0)


def _score(candidate: lxml_html.HtmlElement) -> int:
    """The text outside links of an element's own paragraphs."""
    return sum(
        _paragraph_score(child)
        for child in candidate
        if child.tag == "p" or (child.tag == "div" and len(child) == 0)
    )


def _paragraph_text(root: lxml_html.HtmlElement) -> int:
    """The text outside links of every paragraph of the page."""
    return sum(_paragraph_score(p) for p in root.iter("p"))


def _densest_text_element(scope: Selector) -> Selector | None:
    """The element whose own paragraphs hold the most text outside links."""
    best, best_score = None, 0
    for candidate in scope.root.iter("div", "td", "article", "section", "main", "span"):
        score = _score(candidate)
        if (
            score > best_score
            and not _in_furniture(candidate)
            and not OWN_CHROME.search(f" {candidate.get('id', '')} {candidate.get('class', '')}")
            and not is_hidden(candidate)  # a schema.org copy of the text, display:none
        ):
            best, best_score = candidate, score
    return Selector(root=best) if best is not None else None


def _in_furniture(element: lxml_html.HtmlElement) -> bool:
    """Inside a header, menu, sidebar or footer, or hidden. An ``<aside>`` or ``<header>``
    that holds the page's ``<main>`` or ``<article>`` is the page's main column, named
    oddly, not furniture."""
    for ancestor in element.iterancestors():
        if is_hidden(ancestor):
            return True
        if ancestor.tag in ("main", "article"):
            return any(is_hidden(a) for a in ancestor.iterancestors())
        if ancestor.tag in CHROME_TAGS:
            return True
    return False


def link_density(element: Selector) -> float:
    """The share of an element's text that is link text: an article's body is mostly not."""
    text = len(clean(_string(element)))
    links = len(clean(" ".join(_compiled(".//a//text()")(element.root))))
    return links / text if text else 1.0


def _related_by_heading(doc: Selector) -> list[Selector]:
    """Links that follow a heading labelled "Tin khác", "Tin liên quan", … in the page."""
    links: list[Selector] = []
    for heading in _compiled(SHORT_HEADINGS)(doc.root):
        # the label may sit in inline children: SharePoint's <h2><nobr><span>Tin khác</span>
        own = " ".join(heading.text_content().split())  # without the template's indent
        if len(own) > MAX_HEADING or fold(own) not in RELATED_LABELS:
            continue
        node = heading
        for _ in range(3):
            found = []
            for sibling in node.itersiblings():
                if not isinstance(sibling.tag, str):
                    continue  # a comment between the heading and its list
                anchors = [a for a in sibling.iter("a") if a.get("href")]
                label = fold(sibling.text_content()) if len(anchors) < 2 else ""
                if label in RELATED_LABELS:
                    continue
                if not anchors and label and len(label) < MAX_HEADING:
                    break  # the heading of the next, unrelated block
                found.extend(Selector(root=a) for a in anchors)
            if found:
                links.extend(found)
                break
            node = node.getparent()
            if node is None:
                break
    return links
