"""The main content of a page of no known template, located with trafilatura.

Our densest-block heuristic picks one element; on the open web the article is often split
over sibling blocks (a teaser div, the text div, a "more" div) and the densest one alone
kept 37 of 1,003 words on a real page. trafilatura, which is well kept and measured on
thousands of pages, is good at *which* text is the article; our block walker is good at
*what each block is* on these sites (an "Ảnh:" caption, a byline, "./.", a "Nguồn:"
credit). So trafilatura only chooses: its text marks the blocks that belong, the smallest
element holding nearly all of them bounds the walk, and our walker reads that element,
keeping the blocks trafilatura kept plus the images and captions it leaves out.

Only for templates of no family: a family's body selector is exact and stays first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lxml import html as lxml_html

from crawler.text import clean, fold

#: Elements whose own text can be an article paragraph.
TEXT_TAGS = ("p", "div", "li", "h2", "h3", "h4", "h5", "h6", "td", "blockquote", "pre", "dd")
#: Share of the matched text the chosen element must hold: one stray match elsewhere on the
#: page (a teaser repeating the lead) must not lift the bound to the whole page.
COVERAGE = 0.85
MIN_MATCHED_CHARS = 40  # below this, trafilatura found nothing we can place
#: Share of a bound's text that trafilatura kept above which the bound is tight.
TIGHT_SHARE = 0.9
MIN_SPAN = 12  # shorter texts ("Xem thêm", a date) match anywhere: they do not place the zone

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass
class MainZone:
    """The element that bounds the article's text, and the text trafilatura kept in it."""

    element: lxml_html.HtmlElement
    text: str  # case-folded, white space collapsed, punctuation kept
    weights: dict[lxml_html.HtmlElement, int]  # characters of kept text under each element
    total: int

    def share(self, element: lxml_html.HtmlElement) -> float:
        """The part of the kept text that lies inside ``element``."""
        return self.weights.get(element, 0) / self.total if self.total else 0.0

    @property
    def tight(self) -> bool:
        """Whether the bound is nearly all text that trafilatura kept: it holds the article
        and little else, even when it fills the page (a long article, little furniture)."""
        return self.total >= TIGHT_SHARE * len(clean(self.element.text_content()))

    def keeps(self, text: str) -> bool:
        """Whether a block's text is part of what trafilatura took for the article."""
        folded = fold(text)
        return bool(folded) and folded in self.text


def main_zone(root: lxml_html.HtmlElement, fast: bool = True) -> MainZone | None:
    """The zone of the article in ``root``, or None when trafilatura finds no article text.

    ``fast`` is trafilatura's own pass alone; without it, trafilatura also runs its
    fallback extractors (readability, jusText) and keeps the best text: slower, so it is
    asked only when the fast pass landed on page furniture."""
    try:
        import trafilatura
    except ImportError:  # an optional speed-up of accuracy, never a hard failure
        return None
    try:
        document = trafilatura.bare_extraction(
            # It prunes a copy: given a tree, trafilatura (2.3.1, pinned) copies it first,
            # so a copy of ours would be a second one.
            root,
            fast=fast,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
        )
    except Exception:  # a third-party failure costs the hint, not the page
        return None
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    kept = " ".join(_comparable(line) for line in lines)
    weights, total = _weights(root, kept)
    if total < MIN_MATCHED_CHARS:
        return None
    best = None
    for element, weight in weights.items():
        if weight >= COVERAGE * total and (best is None or _depth(element) > _depth(best)):
            best = element
    if best is not None and best.tag == "p" and best.getparent() is not None:
        best = best.getparent()  # a one-paragraph article: walk its container
    return MainZone(best, kept, weights, total) if best is not None else None


def _weights(
    root: lxml_html.HtmlElement, kept: str
) -> tuple[dict[lxml_html.HtmlElement, int], int]:
    """Characters of the kept text in each element that holds some, and their total."""
    weights: dict[lxml_html.HtmlElement, int] = {}
    total = 0
    for element in root.iter(*TEXT_TAGS):
        if not _has_own_text(element):
            continue
        text = _comparable(element.text_content())
        if len(text) >= MIN_SPAN and text in kept:
            weight = len(text)
        else:
            # Lines split by <br> next to something trafilatura dropped (a share button,
            # an ad slot): the element's own lines are placed one by one.
            weight = sum(len(line) for line in _own_lines(element) if line in kept)
        if not weight:
            continue
        total += weight
        weights[element] = weights.get(element, 0) + weight
        for ancestor in element.iterancestors():
            weights[ancestor] = weights.get(ancestor, 0) + weight
    return weights, total


def _own_lines(element: lxml_html.HtmlElement) -> list[str]:
    """The element's own text runs (its text and its children's tails) long enough to place."""
    runs = [element.text, *(child.tail for child in element)]
    return [line for line in map(_comparable, runs) if len(line) >= MIN_SPAN]


def _comparable(text: str) -> str:
    """Text as it is matched against trafilatura's: white space and case evened out, the
    punctuation kept. (:func:`fold` strips a line's final full stop, so an element of
    several lines, text split by ``<br>``, would never be found in the kept text.)"""
    return clean(text).casefold()


def _has_own_text(element: lxml_html.HtmlElement) -> bool:
    if clean(element.text):
        return True
    return any(clean(child.tail) or child.tag in ("a", "strong", "b", "em", "i", "span", "font")
               for child in element)  # fmt: skip


def _depth(element: lxml_html.HtmlElement) -> int:
    return sum(1 for _ in element.iterancestors())
