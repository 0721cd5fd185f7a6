"""Turn an article's body element into paragraphs, images, captions, byline and credit.

Editors of these sites type everything into one rich-text field: the photo, its "Ảnh: …"
caption, the byline as the last short paragraph, the "./." end mark and sometimes the
"Tin khác" list. The body is therefore read as a sequence of *blocks* (one per paragraph
or image) that keep the layout hints an editor gives (alignment, bold, italic), and the
roles are assigned from those hints, the same way on every CMS family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import html as lxml_html

from crawler.parsing.labels import (
    AUTHOR_LABEL,
    BYLINE_NAMES,
    CAPTION_LABEL,
    PHOTO_CREDIT_END,
    SOURCE_LABEL,
    SOURCE_TAIL,
    byline_name,
    source_name,
)
from crawler.text import clean, fold, is_upper

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "blockquote",
        "figure",
        "figcaption",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "dl",
        "dt",
        "dd",
        "center",
        "aside",
        "main",
        "nav",
        "tbody",
        "thead",
        "form",
    ]
)
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "iframe", "button", "select", "input", "textarea", "svg"]
)
CELL_TAGS = frozenset(("td", "th"))
ITALIC_TAGS = frozenset(("em", "i"))
BOLD_TAGS = frozenset(("strong", "b"))
#: Bold and italic set by style, as text pasted from a word processor carries them.
FONT_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)\b", re.I)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
FONT_ITALIC = re.compile(r"font-style\s*:\s*(?:italic|oblique)\b", re.I)
#: Classes that move an element off screen, for screen readers only.
SCREEN_READER_CLASS = re.compile(
    r"(?:^|\s)(?:sr-only|visually-?hidden|screen-reader-(?:text|only)|element-invisible"
    r"|text-hide|offscreen)(?:\s|$)",
    re.I,
)

#: Classes that editors and themes give to a caption under a photo.
CAPTION_CLASS = re.compile(
    r"caption|comment|chuthich|chu-thich|img-desc|image-desc|photo-desc", re.I
)
END_MARK = re.compile(r"\s*\./\.\s*$")
#: What a block's letters are counted without: bold or italic runs cover its letters.
NON_WORD = re.compile(r"\W")
SENTENCE_END = (".", "!", "?", "…", '"', "”", ")", ":")
ALIGN_STYLE = re.compile(r"text-align\s*:\s*(right|center)", re.I)
ALIGN_CLASS = re.compile(r"\b(?:text-)?(right|center)\b", re.I)
#: Blocks that are page furniture, whatever family put them into the body.
BOILERPLATE = re.compile(
    r"^(?:in tin bài|lưu tin bài|in bài viết|gửi email|gửi bài viết|bản in|cỡ chữ|chia sẻ|"
    r"chia sẻ bài viết|null|chi tiết bài viết|chi tiết tin|xuất bản thông tin|quay lại|"
    r"về đầu trang|lượt xem|print|email|facebook|zalo|twitter)\b.*$|^null\b"
    # an ad slot's or a share bar's label, alone on its line (the open web's)
    r"|^(?:advertisement|advert|anzeige|werbung|publicidad|publicité|pubblicità|reklama|"
    r"quảng cáo|share this|share this article|share this story)\s*:?$"
    # the article's keywords under its text ("Từ khóa: vé tàu Tết, đường sắt")
    r"|^(?:từ khóa|từ khoá|tags?|thẻ)\s*:.*$",
    re.I,
)
BYLINE_MAX_CHARS = 100
BYLINE_MAX_WORDS = 14
CAPTION_MAX_CHARS = 400
READ_MORE_MAX_CHARS = 250  # ">> Xem thêm: <a headline>", not a paragraph that opens so


@dataclass
class Block:
    """One paragraph-level piece of a body, with the layout hints that give it a role."""

    text: str
    images: list[str] = field(default_factory=list)
    align: str | None = None
    bold: bool = False
    italic: bool = False
    caption_class: bool = False
    figure_caption: bool = False

    @property
    def image_only(self) -> bool:
        return bool(self.images) and not self.text


@dataclass
class Body:
    paragraphs: list[str]
    images: list[dict[str, str | None]]
    captions: list[str]
    author: str | None
    source: str | None


def blocks_of(
    elements: Iterable[lxml_html.HtmlElement], exclude: set[lxml_html.HtmlElement]
) -> list[Block]:
    """The blocks of the given elements in document order, skipping the excluded ones.
    An ``<img>`` given itself is a photo taken out of a block that holds more."""
    out: list[Block] = []
    for element in elements:
        if element in exclude:
            continue
        figure = _in_figcaption(element)
        if element.tag == "img":
            photo = _Inline()
            _add_image(photo, element)
            photo.flush(out, element, None, figure)
        else:
            _walk(element, out, _layout(element, None), exclude, figure)
    return out


def _in_figcaption(element: lxml_html.HtmlElement) -> bool:
    """Whether the element is a ``<figcaption>`` or inside one. Asked once per walk: the
    walk carries the answer down, rather than each block climbing to the root again."""
    return element.tag == "figcaption" or any(
        a.tag == "figcaption" for a in element.iterancestors()
    )


def _layout(element: lxml_html.HtmlElement, inherited: str | None) -> str | None:
    style = element.get("style") or ""
    match = ALIGN_STYLE.search(style)
    if match:
        return match.group(1).lower()
    align = (element.get("align") or "").lower()
    if align in ("right", "center"):
        return align
    if element.tag == "center":
        return "center"
    match = ALIGN_CLASS.search(element.get("class") or "")
    return match.group(1).lower() if match else inherited


class _Inline:
    """Text and images gathered between two block boundaries."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.styled: dict[str, list[str]] = {"bold": [], "italic": []}
        self.images: list[str] = []
        self.missing_image = False

    def add(self, text: str | None, bold: bool = False, italic: bool = False) -> None:
        if not text:
            return
        self.parts.append(text)
        if bold:
            self.styled["bold"].append(text)
        if italic:
            self.styled["italic"].append(text)

    def flush(
        self, out: list[Block], element: lxml_html.HtmlElement, align: str | None, figure: bool
    ) -> None:
        text = clean("".join(self.parts))
        if text or self.images:
            letters = len(NON_WORD.sub("", text))

            def covers(parts: list[str]) -> bool:
                # most blocks have no bold or italic run: no second pass over their text
                return bool(letters and parts) and len(NON_WORD.sub("", "".join(parts))) >= letters

            out.append(
                Block(
                    text=text,
                    images=self.images,
                    align=align,
                    bold=covers(self.styled["bold"]),
                    italic=covers(self.styled["italic"]),
                    caption_class=_caption_class(element),
                    figure_caption=figure,
                )
            )
        self.__init__()


def _caption_class(element: lxml_html.HtmlElement) -> bool:
    """A caption by its class, or by the class of a wrapper it fills alone (SharePoint's
    ``<div class="caption"><div class="ms-rtestate-field">…</div></div>``)."""
    parent = element.getparent()
    wrapped = parent is not None and len(parent) == 1 and not (parent.text or "").strip()
    classed = [element, parent] if wrapped else [element]
    return any(CAPTION_CLASS.search(e.get("class") or "") for e in classed)


def _walk(
    element: lxml_html.HtmlElement,
    out: list[Block],
    align: str | None,
    exclude: set[lxml_html.HtmlElement],
    figure: bool,
) -> None:
    """Blocks of the element's children; ``figure``: the element is in a ``<figcaption>``."""
    inline = _Inline()
    bold, italic = _styled(element, False, False)
    inline.add(element.text, bold, italic)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "noscript":
            _add_noscript_images(inline, child)
        elif tag in SKIP_TAGS or not tag or child in exclude or is_hidden(child):
            pass
        elif tag in BLOCK_TAGS or _holds_blocks(child):
            # An unclosed <font> or <span> around paragraphs is a container, as a browser
            # shows it, not one long inline run.
            inline.flush(out, element, align, figure)
            _walk(child, out, _layout(child, align), exclude, figure or tag == "figcaption")
        elif tag == "br":
            if inline.parts and inline.parts[-1] == "\n":
                inline.flush(out, element, align, figure)
            else:
                inline.add("\n")
        elif tag == "img":
            _add_image(inline, child)
        else:
            if tag in CELL_TAGS:
                inline.add(" ")  # a row's cells are words apart, as a browser shows them
            _add_inline(inline, child, bold, italic)
        inline.add(child.tail, bold, italic)
    inline.flush(out, element, align, figure)


def is_hidden(element: lxml_html.HtmlElement) -> bool:
    """Whether a browser shows nothing of the element: ``hidden``, or a style of
    ``display: none`` / ``visibility: hidden`` (schema.org microdata copies of the
    headline, the author and the dates; a gallery's off-screen template)."""
    return element.get("hidden") is not None or bool(
        HIDDEN_STYLE.search(element.get("style") or "")
    )


def is_screen_reader_text(element: lxml_html.HtmlElement) -> bool:
    """Whether the element is moved off screen for screen readers by its class ("sr-only",
    "visually-hidden", WordPress's "screen-reader-text"): "Navigation mit Access Keys",
    "Hauptinhalt", headings a sighted reader never sees."""
    return bool(SCREEN_READER_CLASS.search(element.get("class") or ""))


def _styled(element: lxml_html.HtmlElement, bold: bool, italic: bool) -> tuple[bool, bool]:
    """Whether the element's text is bold and italic: by its tag, its style, or its parent."""
    tag = element.tag if isinstance(element.tag, str) else ""
    style = element.get("style") or ""
    return (
        bold or tag in BOLD_TAGS or bool(FONT_BOLD.search(style)),
        italic or tag in ITALIC_TAGS or bool(FONT_ITALIC.search(style)),
    )


def is_paragraph(element: lxml_html.HtmlElement) -> bool:
    """A ``<p>``, or a ``<div>`` that holds no blocks: one paragraph of text."""
    return element.tag == "p" or (element.tag == "div" and not _holds_blocks(element))


def _holds_blocks(element: lxml_html.HtmlElement) -> bool:
    return any(
        isinstance(node.tag, str) and node.tag in BLOCK_TAGS for node in element.iterdescendants()
    )


def _add_inline(inline: _Inline, element: lxml_html.HtmlElement, bold: bool, italic: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "noscript":
        _add_noscript_images(inline, element)
        return
    if tag in SKIP_TAGS or not tag or is_hidden(element):
        return
    if tag == "img":
        _add_image(inline, element)
        return
    bold, italic = _styled(element, bold, italic)
    inline.add(element.text, bold, italic)
    for child in element:
        if child.tag == "br":
            inline.add(" ")
        else:
            _add_inline(inline, child, bold, italic)
        inline.add(child.tail, bold, italic)


#: Where lazy-loading scripts keep the real address of an image, most explicit first.
LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-full-src")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "srcset")


def image_url(element: lxml_html.HtmlElement) -> str | None:
    """An ``<img>``'s real address: a lazy-loading attribute, the largest ``srcset``
    candidate, then ``src``; a ``data:`` placeholder never wins."""
    for name in LAZY_SRC:
        value = (element.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    for name in LAZY_SRCSET:
        value = largest_in_srcset(element.get(name) or "")
        if value:
            return value
    src = (element.get("src") or "").strip()
    return src if src and not src.startswith("data:") else None


def largest_in_srcset(srcset: str) -> str | None:
    """ "a.jpg 480w, b.jpg 1024w" -> "b.jpg"; density descriptors ("2x") rank alike."""
    best, best_size = None, -1.0
    for candidate in re.split(r",\s+", srcset.strip()):
        parts = candidate.split()
        if not parts or parts[0].startswith("data:"):
            continue
        size = 0.0
        if len(parts) > 1:
            match = re.match(r"([\d.]+)[wx]$", parts[1])
            size = float(match.group(1)) * (1 if parts[1].endswith("w") else 1000) if match else 0
        if size > best_size:
            best, best_size = parts[0], size
    return best


def _picture_source(element: lxml_html.HtmlElement) -> str | None:
    """The largest ``<source>`` of the ``<picture>`` around an ``<img>`` that names no
    address itself: a browser shows that source. (libxml2 does not know ``<source>`` is
    void and nests the ``<img>`` inside it.)"""
    picture = next((a for a in element.iterancestors() if a.tag in ("picture", "p", "div")), None)
    if picture is None or picture.tag != "picture":
        return None
    for source in picture.iter("source"):
        for name in LAZY_SRCSET:
            found = largest_in_srcset(source.get(name) or "")
            if found:
                return found
    return None


def _add_image(inline: _Inline, element: lxml_html.HtmlElement) -> None:
    src = image_url(element) or _picture_source(element)
    if src:
        inline.images.append(src)
    else:
        inline.missing_image = True  # a script would fill it: a <noscript> copy may follow


def _add_noscript_images(inline: _Inline, element: lxml_html.HtmlElement) -> None:
    """The ``<noscript>`` fallback of a lazy image whose own tag gave no address."""
    if not inline.missing_image:
        return
    images = list(element.iter("img"))
    if not images and element.text and "<img" in element.text:
        images = list(lxml_html.fragment_fromstring(element.text, create_parent="div").iter("img"))
    for image in images:
        src = image_url(image)
        if src and src not in inline.images:
            inline.images.append(src)
            inline.missing_image = False


def link_texts(element: lxml_html.HtmlElement) -> set[str]:
    """The folded texts of the links under ``element``: a block that is one of them is a
    "read more" or a related item, not article text."""
    return {fold(a.text_content()) for a in element.iter("a")} - {""}


def is_caption_text(text: str) -> bool:
    return bool(CAPTION_LABEL.match(text))


def strip_caption_label(text: str) -> str:
    """'Ảnh: X' -> 'X'; '(Ảnh: X)' -> 'X'."""
    if not CAPTION_LABEL.match(text):
        return text
    stripped = CAPTION_LABEL.sub("", text, count=1)
    if text.lstrip().startswith("(") and stripped.endswith(")"):
        stripped = stripped[:-1]
    return clean(stripped)


def looks_like_byline(block: Block) -> bool:
    """A short last line without a sentence end, set apart by style or written as a name.

    "Nguyễn Thái Sơn / Ban Tuyên giáo Tỉnh ủy" right-aligned is a byline; so is a bare
    "Như Uyên", a labelled "Tin, ảnh: Diễm My" and a collective "Nhóm PV"; a short closing
    sentence is not.
    """
    text = block.text
    if not text or block.images or len(text) > BYLINE_MAX_CHARS:
        return False
    if AUTHOR_LABEL.match(text) or fold(text) in BYLINE_NAMES:
        return is_byline_name(byline_name(text))
    if re.search(r"[.:;?!…。！？；：]$|\d{3,}", text):  # a sentence's end, CJK's too
        return False
    styled = block.align == "right" or block.bold or is_upper(text)
    if styled:
        return len(_name_words(text)) <= BYLINE_MAX_WORDS
    return looks_like_name(text)


def is_byline_name(text: str) -> bool:
    """What a labelled byline or an author block names: a few words, not a sentence or a date."""
    if fold(text) in BYLINE_NAMES:
        return True  # "Nhóm phóng viên": a collective name is written in lower case
    if not text or len(text) > BYLINE_MAX_CHARS or re.search(r"[:;?!…]$|\d{3,}", text):
        return False
    if text.endswith(".") and not re.search(r"\b[A-ZĐ][A-Za-z]{0,3}\.$", text):  # "PV.", "TS."
        return False
    words = _name_words(text)
    capitalised = sum(1 for w in words if w[0].isupper())
    return (
        0 < len(words) <= BYLINE_MAX_WORDS
        and capitalised * 2 >= len(words)  # names, not a sentence
        and not is_boilerplate(text)
    )


def _name_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,/–—-]+", text) if w and w.lower() != "và"]


#: The lower-case particles of Western names ("Jose de la Cruz", "Ludwig van Beethoven"):
#: a name still, after a single given name ("Alle Artikel von Tanja Karrasch" is a label,
#: each particle being a preposition too) and before a capitalised surname.
NAME_PARTICLES = frozenset(("de", "la", "del", "della", "di", "da", "dos", "das", "du", "van"))
NAME_PARTICLES |= {"von", "der", "den", "ter", "zu", "le", "bin", "ibn", "al", "y"}


def looks_like_name(text: str) -> bool:
    """ "Trần Thị Thanh Thủy", "Hữu Bằng - Thanh Hiểu": a few capitalised words."""
    words = _name_words(text)
    if not 0 < len(words) <= 6:
        return False
    inner = words[1:-1]
    particles = next((i for i, w in enumerate(inner) if w not in NAME_PARTICLES), len(inner))
    rest = [words[0], *inner[particles:], words[-1]]
    return all(w[0].isupper() for w in rest) and not is_boilerplate(text)


def is_boilerplate(text: str) -> bool:
    return bool(BOILERPLATE.match(fold(text)))


def read_body(blocks: list[Block], lead: str | None, related_labels: frozenset[str]) -> Body:
    """Assign roles to blocks: paragraphs, images with captions, byline and credit."""
    blocks = list(_until_related(blocks, related_labels))
    images: list[dict[str, str | None]] = []
    captions: list[str] = []
    texts: list[Block] = []
    previous_image_only = previous_caption = False
    centred = _centred_body(blocks)
    for block in blocks:
        if block.images:
            images.extend({"url": src, "caption": None} for src in block.images)
        if not block.text:
            previous_image_only = block.image_only
            continue
        # A caption may share its block with its photo (<div><img><em>…</em></div>).
        after_image = previous_image_only or bool(block.images)
        if previous_caption and block.figure_caption and is_caption_text(block.text):
            # the photo credit on a line of its own under the caption, in one <figcaption>
            _extend_caption(images, captions, block.text)
        elif _is_caption(block, after_image, centred) and not is_boilerplate(block.text):
            caption = strip_caption_label(block.text)
            captions.append(caption)
            _pair_caption(images, caption)
            previous_caption = block.figure_caption
            previous_image_only = False
            continue
        elif not is_boilerplate(block.text):
            texts.append(block)
        previous_image_only = previous_caption = False

    author, source = _take_credits(texts)
    paragraphs = [b.text for b in texts]
    if paragraphs and lead and fold(paragraphs[0]) == fold(lead):
        paragraphs.pop(0)
    return Body(paragraphs, images, captions, author, source)


def _until_related(blocks: list[Block], related_labels: frozenset[str]) -> Iterator[Block]:
    """The blocks before the related block's heading, without the one-line pointers to
    other articles that editors put between paragraphs (">> Xem thêm: <title>")."""
    for block in blocks:
        folded = fold(block.text)
        if folded in related_labels:
            return
        label, colon, _ = folded.partition(":")
        pointer = colon and label.strip(" :.-–—»>|()[]") in related_labels
        if pointer and not block.images and len(block.text) <= READ_MORE_MAX_CHARS:
            continue
        yield block


def _is_caption(block: Block, after_image: bool, centred_body: bool) -> bool:
    """A caption: labelled, in a <figcaption>, or a short line under a photo set apart from
    the paragraphs (a caption class, italics, or centring where the text is not centred)."""
    if is_caption_text(block.text) or block.figure_caption:
        return True
    if len(block.text) > CAPTION_MAX_CHARS:
        return False
    centred = block.align == "center" and not centred_body
    styled = block.caption_class or block.italic or centred
    return after_image and (styled or bool(PHOTO_CREDIT_END.search(block.text)))


def _centred_body(blocks: list[Block]) -> bool:
    """Whether most of the text is centred (a blog whose every line is): there, centring
    does not set a photo's caption apart from the paragraphs."""
    texts = [b for b in blocks if b.text]
    return sum(b.align == "center" for b in texts) * 2 > len(texts)


def _pair_caption(images: list[dict[str, str | None]], caption: str) -> None:
    """A caption belongs to the latest image still without one."""
    for image in reversed(images):
        if image["caption"] is None:
            image["caption"] = caption
            return
        break


def _extend_caption(images: list[dict[str, str | None]], captions: list[str], line: str) -> None:
    """Add a credit line to the caption just read, and to its photo."""
    joined = f"{captions[-1]} {line}"
    for image in reversed(images):
        if image["caption"] == captions[-1]:
            image["caption"] = joined
            break
    captions[-1] = joined


def _take_credits(texts: list[Block]) -> tuple[str | None, str | None]:
    """Pop the byline and the credit off the end of the body, and the './.' end mark."""
    author = source = None
    _strip_end_mark(texts)
    for _ in range(3):
        if not texts:
            break
        last = texts[-1]
        if source is None and _is_credit(last.text):
            source = source_name(last.text)
        elif author is None and looks_like_byline(last):
            author = byline_name(last.text)
            credited = SOURCE_TAIL.search(last.text)
            source = source or (clean(credited.group(1)) if credited else None)
        else:
            break
        texts.pop()
        _strip_end_mark(texts)
    return author, source


def _is_credit(text: str) -> bool:
    """ "Nguồn: Báo Long An", "Theo Báo Hưng Yên": a short last line, not a sentence."""
    return bool(SOURCE_LABEL.match(text)) and len(text) <= 80 and not text.endswith(".")


def _strip_end_mark(texts: list[Block]) -> None:
    """Drop the "./." end mark; "…phát triển./." keeps its sentence's own full stop."""
    while texts:
        stripped = END_MARK.sub("", texts[-1].text)
        if stripped == texts[-1].text:
            return
        if stripped:
            texts[-1].text = stripped if stripped.endswith(SENTENCE_END) else stripped + "."
            return
        texts.pop()
