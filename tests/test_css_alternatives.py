"""The compiled selector lists of crawler/parsing/css.py find what parsel's ``.css()`` finds.

An alternative is skipped when the page lacks an attribute value every match of it needs:
on every replica article page and every selector list of the families, a skipped
alternative must be one that finds nothing, and one that is walked finds parsel's elements.
"""

from __future__ import annotations

from dataclasses import fields

import pytest
from parsel import Selector

from crawler.families import family_names, profile
from crawler.parsing import css
from crawler.parsing.article import GENERIC_TITLE, NOT_THE_ARTICLE
from crawler.parsing.labels import (
    AUTHOR_BLOCK,
    AUTHOR_CLASS_WORDS,
    GENERIC_DATE_CLASS,
    GENERIC_LEAD,
)
from crawler.replica_server import load_replicas

BASE = "http://127.0.0.1:8000"


def _pages() -> list[str]:
    pages = []
    for replica in load_replicas():
        replica.base_url = BASE
        for record in replica.expected():
            status, path = replica.resolve(record["url"][len(BASE) :])
            if status == 200:
                pages.append(path.read_bytes().decode("utf-8", "replace"))
    return pages


def _selector_lists() -> list[str]:
    lists = set()
    for name in family_names():
        family = profile(name)
        for selectors in [
            family.selectors,
            *(family.selectors.merged(v.selectors) for v in family.versions),
        ]:
            lists.update(getattr(selectors, f.name) for f in fields(selectors))
    return sorted(s for s in lists if s)


@pytest.mark.parametrize(
    ("alternative", "needs"),
    [
        ("[class*=breadcrumb] a", (("class", "breadcrumb", "in"),)),
        ("#news-bodyhtml", (("id", "news-bodyhtml", "all"),)),
        (
            ".news_column .h5 a[href*='/tag/']",
            (("class", "news_column", "word"), ("class", "h5", "word"), ("href", "/tag/", "in")),
        ),
        ("h1[itemprop=headline]", (("itemprop", "headline", "all"),)),
        ("a[rel~=tag]", (("rel", "tag", "word"),)),
        ("[itemprop]", (("itemprop", None, "in"),)),
        ("div:not(.x) > p", ()),  # what :not() names is what a match lacks
        ("a[rel!=tag]", ()),  # matches links without a rel too
        ("[class*=Tag i]", ()),  # any case
        ("h1", ()),
    ],
)
def test_needs_of_an_alternative(alternative, needs):
    assert css._needs_of(alternative) == needs


def test_a_skipped_alternative_finds_nothing_and_a_walked_one_finds_what_parsel_finds():
    lists = _selector_lists()
    skipped = 0
    for html in _pages():
        doc = Selector(text=html)
        page = css.PageAttributes(doc.root)
        for selectors in lists:
            for text, alternative in zip(
                [a.strip() for a in selectors.split(",") if a.strip()],
                css.alternatives(selectors),
                strict=True,
            ):
                expected = [found.root for found in doc.css(text)]
                if page.allows(alternative):
                    assert alternative.xpath(doc.root) == expected, text
                else:
                    skipped += 1
                    assert expected == [], f"{text} was skipped on a page it matches"
    assert skipped > 0  # the test sees the skip at work


#: Mixed case, a word in an id, a class that is not ASCII, a word split by the join.
ODD_PAGES = [
    '<div class="Post-AUTHOR">Như Uyên</div><p id="ByLine">X</p><p class="tieuDe">Tiêu đề</p>',
    '<div class="tác-giả author">Như Uyên</div><span class="NgayDang">02/12/2026</span>',
    '<div class="auth" id="or">X</div><p class="intro-Text Sapo">Lead</p>',
]
WORD_QUERIES = [AUTHOR_BLOCK, GENERIC_DATE_CLASS, GENERIC_LEAD, GENERIC_TITLE]


def test_a_word_query_spelled_for_a_page_finds_what_its_regex_finds():
    """``PageAttributes.spelled`` only spares regex calls: the query finds the same
    elements on every replica page and on pages spelled oddly."""
    for html in [*_pages(), *ODD_PAGES]:
        doc = Selector(text=html)
        page = css.PageAttributes(doc.root)
        for query in WORD_QUERIES:
            spelled = [found.root for found in doc.xpath(page.spelled(query))]
            assert spelled == [found.root for found in doc.xpath(query.everywhere)], query.words


def test_the_spellings_of_words_on_a_page():
    page = css.PageAttributes(Selector(text=ODD_PAGES[0]).root)
    assert page.spellings(AUTHOR_CLASS_WORDS) == ("AUTHOR", "ByLine")
    assert page.spellings(("comment",)) == ()
    assert css.PageAttributes(Selector(text=ODD_PAGES[1]).root).spellings(("author",)) is None


@pytest.mark.parametrize(
    ("words", "query"),
    [
        (AUTHOR_CLASS_WORDS, AUTHOR_BLOCK.everywhere),
        (("comment",), f"//*[{NOT_THE_ARTICLE.split('[', 1)[1]}"),
    ],
)
def test_a_page_that_names_no_word_gives_the_regex_query_nothing(words, query):
    """``PageAttributes.names`` spares a regex walk only where it would find nothing."""
    spared = 0
    for html in _pages():
        doc = Selector(text=html)
        if not css.PageAttributes(doc.root).names(words):
            spared += 1
            assert doc.xpath(query) == [], query
    assert spared > 0
    named = Selector(text='<p class="x Byline">X</p><div id="Comments-1">Y</div>')
    assert css.PageAttributes(named.root).names(words)  # case aside, in a class or an id
