"""Extract an article record from a page, one small method per field.

Like a Fundus publisher parser, each field is read by the family's selectors first and by
a generic heuristic when they find nothing; the variety of sites lives in
``families.toml``. A field that cannot be found is None (or an empty list), never a guess:
a wrong date is worse than none.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector

from crawler import dates
from crawler.families import Profile
from crawler.links import GENERIC_LISTING_PATH, is_article_link
from crawler.parsing.blocks import (
    Block,
    Body,
    blocks_of,
    is_byline_name,
    looks_like_name,
    read_body,
)
from crawler.parsing.labels import (
    AUTHOR_BLOCK,
    AUTHOR_LABEL,
    BOLD_LEAD_MIN_CHARS,
    CHROME_CLASS,
    CHROME_TAGS,
    GENERIC_DATE_CLASS,
    GENERIC_LEAD,
    IMAGE_NOT_CONTENT,
    NUMBERED_HEADING,
    POSTER_LABEL,
    RELATED_LABELS,
    SOURCE_LABEL,
    byline_name,
    strip_label,
)
from crawler.parsing.structured import Metadata, read_metadata
from crawler.text import clean, clean_or_none, fold
from crawler.urls import article_key, canonical_url, same_site

CHROME = (
    "ancestor-or-self::*[self::header or self::nav or self::footer or self::aside or "
    f"re:test(concat(' ', @id, ' ', @class), '{CHROME_CLASS}', 'i')]"
)
MIN_GENERIC_BODY_CHARS = 200
MAX_DATE_LINE = 150  # a meta line, not a sentence that mentions a date
MAX_HEADING = 60
MIN_TITLE, MAX_TITLE = 10, 300
GENERIC_TITLE = (
    "//h1 | //h2 | //*[re:test(@class, 'title|tieude|tieu-de|tieu_de|headline|tenbai', 'i')]"
)
NOT_A_TITLE = "ancestor::a | ancestor::li | " + CHROME
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "u", "td", "th")
MAX_LINK_DENSITY = 0.5
MAX_BODY_ARTICLE_LINKS = 3  # an article body rarely links to three other articles


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
        self.version = next((v for v in profile.versions if selector.css(v.when)), None)
        self.sel = (
            profile.selectors.merged(self.version.selectors) if self.version else profile.selectors
        )

    # -- elements ----------------------------------------------------------------------

    def _first(self, selectors: str, scope: Selector | None = None) -> Selector | None:
        """The first match of the first comma-separated alternative that matches."""
        root = scope if scope is not None else self.doc
        for alternative in _alternatives(selectors):
            for found in root.css(alternative):
                if found.root.text_content().strip() or found.root.find(".//img") is not None:
                    return found
        return None

    def _all(self, selectors: str, scope: Selector | None = None) -> list[Selector]:
        root = scope if scope is not None else self.doc
        for alternative in _alternatives(selectors):
            found = root.css(alternative)
            if found:
                return list(found)
        return []

    @cached_property
    def meta(self) -> Metadata:
        return read_metadata(self.doc)

    @cached_property
    def title_element(self) -> Selector | None:
        scoped = self._first(self.sel.title, self.scope_hint)
        return scoped or self._first(self.sel.title) or self._heading_above_body()

    def _heading_above_body(self) -> Selector | None:
        """For templates of no family: the heading-like element closest above the body."""
        body = self.body_element
        if body is None:
            return None
        body_at = _position(body.root)
        best = None
        for element in self.doc.xpath(GENERIC_TITLE):
            text = element.root.text_content().strip()
            if not MIN_TITLE <= len(text) <= MAX_TITLE or element.xpath(NOT_A_TITLE):
                continue
            if _position(element.root) < body_at and not _inside(element, body):
                best = element
        return best

    @cached_property
    def scope_hint(self) -> Selector | None:
        return self._first(self.sel.article) if self.sel.article else None

    @cached_property
    def body_element(self) -> Selector | None:
        if self.sel.body:
            found = self._first(self.sel.body, self.scope_hint) or self._first(self.sel.body)
            if found is not None:
                return found
        return _densest_text_element(self.scope_hint or self.doc)

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
        if self.title_element is not None:
            text = clean(self.title_element.xpath("string()").get())
            if text:
                return text
        return clean_or_none(self.meta.title)

    @cached_property
    def lead(self) -> str | None:
        element = self._first(self.sel.lead, self.scope) if self.sel.lead else None
        if element is None:
            element = next(
                (e for e in self.scope.xpath(GENERIC_LEAD) if e.root.text_content().strip()), None
            )
        if element is not None and not _inside(element, self.body_element):
            return clean_or_none(element.xpath("string()").get())
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
    def _excluded(self) -> set[lxml_html.HtmlElement]:
        """Elements inside the body that are not body: furniture, fields, related lists."""
        body = self.body_element
        if body is None:
            return set()
        excluded = {e.root for e in body.css(self.sel.drop)} if self.sel.drop else set()
        for element in self._field_elements:
            if _inside(element, body) and element.root is not body.root:
                excluded.add(element.root)
        for link in self._related_links:
            container = link.root.getparent()
            while container is not None and container.tag not in ("ul", "ol", "table", "div"):
                container = container.getparent()
            if container is not None and container is not body.root:
                excluded.add(container)
        return excluded

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
        return blocks_of([self.body_element.root, *self._body_overflow], self._excluded)

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
    def _lead_blocks(self) -> list[Block]:
        """The lead photo and its caption, shown between the heading and the body."""
        if self.sel.lead_image:
            found = [f.root for f in self._all(self.sel.lead_image, self.scope)]
        else:
            found = self._images_before_body()
        return blocks_of(
            [f for f in found if not _inside(Selector(root=f), self.body_element)], set()
        )

    def _images_before_body(self) -> list[lxml_html.HtmlElement]:
        body = self.body_element
        if body is None or self.scope.root is body.root:
            return []
        containers: list[lxml_html.HtmlElement] = []
        for image in self.scope.root.iter("img"):
            if image is body.root or _is_after(image, body.root):
                break
            container = image.getparent()
            while container is not None and container.tag not in ("figure", "div", "p", "td"):
                container = container.getparent()
            if container is None or container is self.scope.root:
                continue
            if IMAGE_NOT_CONTENT.search(image.get("src") or "") or Selector(root=image).xpath(
                CHROME
            ):
                continue
            if container not in containers:
                containers.append(container)
        return containers

    @cached_property
    def body(self) -> Body:
        lead = self.lead
        blocks = list(self._body_blocks)
        if blocks and lead and fold(blocks[0].text) == fold(lead) and not blocks[0].images:
            blocks.pop(0)
        if self.title:
            blocks = [b for b in blocks if b.images or fold(b.text) != fold(self.title)]
        body = read_body(self._lead_blocks + blocks, lead, RELATED_LABELS)
        for image in body.images:
            image["url"] = urljoin(self.url, image["url"] or "")
        body.images = [i for i in body.images if not IMAGE_NOT_CONTENT.search(i["url"] or "")]
        return body

    @cached_property
    def _date_elements(self) -> list[Selector]:
        found = self._all(self.sel.date, self.scope) if self.sel.date else []
        if not found:
            found = [e for e in self.scope.xpath(GENERIC_DATE_CLASS) if not e.xpath(CHROME)]
        return found

    @cached_property
    def _dates(self) -> tuple[datetime | None, datetime | None]:
        """(published, updated): the date elements, then machine dates, then the title's
        neighbourhood, where templates of no family print their date line."""
        published, updated = _read_dates(self._date_elements)
        if published is None and self.meta.published:
            published = dates.parse_iso_date(self.meta.published)
        if updated is None and self.meta.modified:
            updated = dates.parse_iso_date(self.meta.modified)
        if published is None:
            published, nearby_update = _read_dates(self._title_neighbours)
            updated = updated or nearby_update
        if published is None and updated is not None:
            # Small sites label their only date "Cập nhật": it is when the article went up.
            published, updated = updated, None
        if updated is not None and published is not None and updated <= published:
            updated = None
        return published, updated

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
            text = clean(element.xpath("string()").get())
            if label.match(text):
                return clean_or_none(strip_label(label, text))
        return None

    def _author_field(self) -> str | None:
        """The family's author field, labelled ("Tác giả: …") or bare ("Khánh Phúc")."""
        labelled = self._labelled(AUTHOR_LABEL)
        if labelled or not self.sel.author:
            return labelled
        for element in self._all(self.sel.author, self.scope):
            text = clean(element.xpath("string()").get())
            if looks_like_name(text) and not (POSTER_LABEL.match(text) or SOURCE_LABEL.match(text)):
                return text
        return None

    @cached_property
    def author(self) -> str | None:
        found = (
            self._author_field()
            or self._meta_line_author()
            or self._author_block_name()
            or self.body.author
            or self._labelled(POSTER_LABEL)
        )
        return byline_name(found) if found else None

    @cached_property
    def _author_block(self) -> Selector | None:
        """The element whose class names the byline: a block after the body (div.author_detail,
        div.tacgia, p.byline with its label span) or a span of the article header."""
        body = self.body_element
        for element in self.scope.xpath(AUTHOR_BLOCK):
            # An <article>'s own <header> holds its byline; the page's header does not.
            if element.xpath(CHROME) and not element.xpath(
                "ancestor::*[self::header or self::footer][ancestor::article]"
            ):
                continue
            if element.xpath("ancestor::li"):
                continue
            if body is not None and _inside(body, element):
                continue  # a wrapper around the whole article
            text = _joined_text(element)
            if POSTER_LABEL.match(text) or SOURCE_LABEL.match(text):
                continue
            if is_byline_name(byline_name(text)):
                return element
        return None

    def _author_block_name(self) -> str | None:
        if self._author_block is None:
            return None
        return clean_or_none(_joined_text(self._author_block))

    def _meta_line_author(self) -> str | None:
        """The name in a meta line: a labelled part ("Tác giả: X | 20/10/2025 08:30"), else
        the name that ends it ("Đăng ngày: … | Lượt xem: 1231 | Trần Thị Thủy")."""
        for element in self._date_elements:
            parts = [clean(p) for p in re.split(r"[|·•]", element.xpath("string()").get(""))]
            if len(parts) < 2:
                continue
            for part in parts:
                if AUTHOR_LABEL.match(part) and is_byline_name(byline_name(part)):
                    return byline_name(part)
            last = strip_label(AUTHOR_LABEL, parts[-1])
            if looks_like_name(last):
                return last
        return None

    @cached_property
    def source(self) -> str | None:
        return self._labelled(SOURCE_LABEL) or self.body.source

    @cached_property
    def category(self) -> str | None:
        items = [clean(e.xpath("string()").get()) for e in self._all(self.sel.category)]
        names: list[str] = []
        for item in items:
            names.extend(clean(p) for p in re.split(r"[»›>→]", item))
        home = {"trang chủ", "home", "trang chu", ""}
        names = [n for n in names if fold(n) not in home and fold(n) != fold(self.title)]
        if names:
            return names[-1]
        return clean_or_none(self.meta.section) or self.listing_category

    @cached_property
    def tags(self) -> list[str]:
        scope = self.scope
        found = self._all(self.sel.tags, scope) if self.sel.tags else []
        if not found and scope.root.getparent() is not None and self.sel.tags:
            found = self._all(self.sel.tags, Selector(root=scope.root.getparent()))
        tags = [clean(e.xpath("string()").get()) for e in found if not e.xpath(CHROME)]
        return _unique([t.lstrip("#") for t in tags if t]) or _unique(self.meta.tags)

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
                urls.append(urljoin(self.url, href).split("#", 1)[0])
        return _unique(urls)

    @cached_property
    def canonical(self) -> str:
        """``<link rel=canonical>`` when it points into the site, else the cleaned URL."""
        href = self.meta.canonical
        if href:
            absolute = urljoin(self.url, href.strip())
            if same_site(absolute, self.site_hosts):
                return canonical_url(absolute, self.profile)
        return canonical_url(self.url, self.profile)

    # -- the record ----------------------------------------------------------------------

    def is_article(self) -> bool:
        """Whether the page is an article at all (not a listing, an about page, a form).

        Print views repeat an article under another URL; they are marked noindex.
        """
        if not self.title or self.body_element is None:
            return False
        robots = " ".join(self.doc.xpath("//meta[@name='robots']/@content").getall()).lower()
        if "noindex" in robots:
            return False
        if self.profile.is_article_url(self.url):
            return bool(self.body.paragraphs or self.body.images)
        text = "\n".join(self.body.paragraphs)
        if (
            GENERIC_LISTING_PATH.search(urlsplit(self.url).path)
            or len(text) < MIN_GENERIC_BODY_CHARS
            or _link_density(self.body_element) > MAX_LINK_DENSITY
            or self._lists_articles()
        ):
            return False
        return self.published_at is not None or self.meta.is_article

    def _lists_articles(self) -> bool:
        """A listing: its main block links to several pages that look like articles."""
        urls = {
            urljoin(self.url, a.get("href") or "")
            for a in self.body_element.root.iter("a")
            if a.get("href")
        }
        found = sum(1 for url in urls if is_article_link(url, self.profile))
        return found >= MAX_BODY_ARTICLE_LINKS

    def record(self) -> dict[str, object] | None:
        if not self.is_article():
            return None
        body = self.body
        return {
            "id": article_key(self.canonical, self.profile),
            "url": self.canonical,
            "site": self.site_key,
            "title": self.title,
            "lead": self.lead,
            "body": "\n\n".join(body.paragraphs),
            "captions": body.captions,
            "images": body.images,
            "author": self.author,
            "source": self.source,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "category": self.category,
            "tags": self.tags,
            "related_urls": self.related_urls,
        }


def _read_dates(elements: list[Selector]) -> tuple[datetime | None, datetime | None]:
    """The first published and the first updated date the elements show."""
    published = updated = None
    for element in elements:
        text = element.xpath("@content").get() or element.xpath("string()").get() or ""
        if re.match(r"\s*\d{4}-\d\d", text):
            published = published or dates.parse_iso_date(text.strip())
            continue
        for mention in dates.find_dates(text):
            if mention.kind == "updated":
                updated = updated or mention.value
            elif mention.kind != "clock" and published is None:
                published = mention.value
    return published, updated


def _joined_text(element: Selector) -> str:
    """Text nodes joined by spaces: "Tác giả: X<br>Nguồn tin: Y" keeps its two lines apart."""
    return clean(" ".join(element.xpath(".//text()").getall()))


def _alternatives(selectors: str) -> list[str]:
    return [s.strip() for s in selectors.split(",") if s.strip()]


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


def _densest_text_element(scope: Selector) -> Selector | None:
    """The element whose own paragraphs hold the most text outside links."""
    best, best_score = None, 0
    for candidate in scope.root.iter("div", "td", "article", "section", "main", "span"):
        score = 0
        for child in candidate:
            if child.tag != "p" and not (child.tag == "div" and len(child) == 0):
                continue
            text = len(child.text_content().strip())
            links = sum(len(a.text_content().strip()) for a in child.iter("a"))
            score += max(text - 2 * links, 0)
        if score > best_score and not any(a.tag in CHROME_TAGS for a in candidate.iterancestors()):
            best, best_score = candidate, score
    return Selector(root=best) if best is not None else None


def _link_density(element: Selector) -> float:
    text = len(clean(element.xpath("string()").get()))
    links = len(clean(" ".join(element.xpath(".//a//text()").getall())))
    return links / text if text else 1.0


def _related_by_heading(doc: Selector) -> list[Selector]:
    """Links that follow a heading labelled "Tin khác", "Tin liên quan", … in the page."""
    links: list[Selector] = []
    for heading in doc.root.iter(*HEADING_TAGS):
        own = heading.text or ""
        if len(own) > MAX_HEADING or fold(own) not in RELATED_LABELS:
            continue
        node = heading
        for _ in range(3):
            found = []
            for sibling in node.itersiblings():
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
