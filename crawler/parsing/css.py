"""The CSS selector lists of the profiles, compiled once per process.

A profile's selector is a comma-separated list of alternatives tried in order, and the
parser asks for a dozen lists per page (the generic breadcrumb list alone has eleven
alternatives): evaluated one by one, each alternative is a walk of the whole tree, and
most find nothing. So each list is split and compiled to lxml XPath once, with parsel's
own translator (an alternative means what ``.css()`` would make of it), together with
the attribute values any match of it must carry (``[class*=breadcrumb] a`` needs a
``class`` holding "breadcrumb"); :class:`PageAttributes` reads a page's values of an
attribute once, and an alternative whose values the page does not carry is not walked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from cssselect import parser as css_parser
from lxml import etree
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
#: Attribute operators whose match carries the attribute with the value in it (``!=`` also
#: matches elements without the attribute; a flag such as ``i`` changes the case).
_CARRYING = frozenset(("exists", "=", "~=", "|=", "^=", "$=", "*="))
_NAME = re.compile(r"^[a-z_][a-z0-9_.-]*$")

#: (attribute, text, how): the page has an element with that attribute whose value holds
#: the text (a text of None asks only for the attribute): anywhere in it ("in": ``*=``,
#: ``^=``…), as one of its space-separated words ("word": ``.class``, ``~=``) or as the
#: whole value ("all": ``#id``, ``=``). The two last are exact, so they skip more walks.
Need = tuple[str, str | None, str]
_HOW = {"=": "all", "~=": "word"}


@dataclass(frozen=True, eq=False)  # one per alternative of a list: known by identity
class Alternative:
    xpath: etree.XPath
    needs: tuple[Need, ...]


@cache
def alternatives(selectors: str) -> tuple[Alternative, ...]:
    """The comma-separated alternatives of a selector list, each compiled, in order."""
    return tuple(
        Alternative(etree.XPath(_TRANSLATOR.css_to_xpath(alternative)), _needs_of(alternative))
        for alternative in (a.strip() for a in selectors.split(","))
        if alternative
    )


@cache
def union(selectors: str) -> etree.XPath:
    """The whole list as one XPath: what any alternative matches, in document order."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(selectors))


def matches(
    selectors: str, root: etree._Element, page: PageAttributes
) -> Iterator[list[etree._Element]]:
    """The elements under ``root`` that each alternative the page can match finds, in turn."""
    for alternative in alternatives(selectors):
        if page.allows(alternative):
            yield alternative.xpath(root)


#: An element's class and id, as one XPath string.
CLASS_AND_ID = "concat(@class, ' ', @id)"


@dataclass(frozen=True)
class WordQuery:
    """An XPath whose ``re:test`` of an element's class or id looks for words, made fast.

    ``re:test`` calls Python back from libxml2 for each element it is asked of, which on a
    page of a thousand elements costs more than the rest of the query. So the query stands
    behind ``{words}``, a test libxml2 makes by itself: that the element's class or id
    holds one of the spellings of the words that the page holds (:meth:`PageAttributes.
    spelled`). Each alternative of the regex holds one of the words, so the regex then
    runs only on the elements that can match it, and finds what it found before.
    """

    query: str
    words: tuple[str, ...]

    @property
    def everywhere(self) -> str:
        """The query for a page whose spellings are not read."""
        return self.query.replace("{words}", "true()")


class PageAttributes:
    """A page's values of each attribute an alternative needs, read once per attribute."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._values: dict[str, list[str]] = {}
        self._indexes: dict[tuple[str, str], str | frozenset[str]] = {}
        self._allowed: dict[Alternative, bool] = {}  # a list is asked for in several scopes
        self._spellings: dict[tuple[str, ...], tuple[str, ...] | None] = {}

    def allows(self, alternative: Alternative) -> bool:
        """False when the page lacks what every match of the alternative carries."""
        allowed = self._allowed.get(alternative)
        if allowed is None:
            allowed = all(self.carries(*need) for need in alternative.needs)
            self._allowed[alternative] = allowed
        return allowed

    def names(self, words: tuple[str, ...]) -> bool:
        """Whether a class or id of the page holds one of the (lower-case) words, case
        aside: a regex test of each element's class and id for them finds nothing where
        this is False."""
        return self.spellings(words) != ()

    def spellings(self, words: tuple[str, ...]) -> tuple[str, ...] | None:
        """The spellings, case apart, in which the (lower-case) words stand in the page's
        classes and ids ("author", "Author"); None when some class or id is not ASCII,
        where lowering a text may change its length and so cannot show its spellings.
        (Words, not a regex: a case-blind regex of alternatives scans a text ten times
        slower than ``find``.)"""
        if words not in self._spellings:
            joined = f"{self._index('class', 'in')}\0{self._index('id', 'in')}"
            found: set[str] | None = None
            if joined.isascii():
                lowered, found = joined.lower(), set()
                for word in words:
                    at = lowered.find(word)
                    while at >= 0:
                        found.add(joined[at : at + len(word)])
                        at = lowered.find(word, at + 1)
            self._spellings[words] = None if found is None else tuple(sorted(found))
        return self._spellings[words]

    def spelled(self, query: WordQuery) -> str:
        """The query for this page: its word test made of ``contains()``, one per spelling
        the page holds (``false()`` for none), or ``true()`` where those are unknown."""
        spellings = self.spellings(query.words)
        if spellings is None:
            test = "true()"
        else:
            test = " or ".join(f"contains({CLASS_AND_ID}, '{s}')" for s in spellings)
        return query.query.replace("{words}", f"({test or 'false()'})")

    def carries(self, name: str, text: str | None = None, how: str = "in") -> bool:
        """Whether an element of the page has the attribute with the text in its value,
        as ``how`` says (see :data:`Need`)."""
        if not self._read(name):
            return False
        return text is None or text in self._index(name, how)

    def _read(self, name: str) -> list[str]:
        if name not in self._values:
            self._values[name] = _attribute_values(name)(self.root)
        return self._values[name]

    def _index(self, name: str, how: str) -> str | frozenset[str]:
        """What ``text in`` asks of: the values joined by a character no selector text
        holds (a text found across two values only costs the walk that would have been
        made anyway), or the set of their words, or of the values themselves."""
        key = (name, how)
        if key not in self._indexes:
            values = self._read(name)
            if how == "word":
                index: str | frozenset[str] = frozenset(
                    word for value in values for word in value.split()
                )
            elif how == "all":
                index = frozenset(values)
            else:
                index = "\0".join(values)
            self._indexes[key] = index
        return self._indexes[key]


@cache
def _attribute_values(name: str) -> etree.XPath:
    return etree.XPath(f"//@{name}", smart_strings=False)


def _needs_of(alternative: str) -> tuple[Need, ...]:
    """What every match of a selector carries; nothing when it cannot be told for sure."""
    try:
        parsed = css_parser.parse(alternative)
    except css_parser.SelectorError:
        return ()  # etree.XPath has already refused it, or will
    return _needs(parsed[0].parsed_tree) if len(parsed) == 1 else ()


def _needs(tree: object) -> tuple[Need, ...]:
    """The needs of a parsed selector: its classes, ids and carried attributes, down the
    chain of each compound and along both sides of each combinator. The arguments of
    ``:not()``, ``:is()`` or ``:has()`` need nothing: only their subject must match."""
    if isinstance(tree, css_parser.CombinedSelector):
        return _needs(tree.selector) + _needs(tree.subselector)
    own: tuple[Need, ...] = ()
    if isinstance(tree, css_parser.Class):
        # (str.split cuts at more spaces than XPath's normalize-space: a class that holds
        # one of those is looked for as text)
        word = tree.class_name.split() == [tree.class_name]
        own = (("class", tree.class_name, "word" if word else "in"),)
    elif isinstance(tree, css_parser.Hash):
        own = (("id", tree.id, "all"),)
    elif isinstance(tree, css_parser.Attrib):
        name = tree.attrib.lower()  # as the HTML translator reads it
        plain = tree.namespace is None and not tree.flag and _NAME.match(name)
        if plain and tree.operator in _CARRYING:
            value = None if tree.operator == "exists" else tree.value
            own = ((name, getattr(value, "value", value), _HOW.get(tree.operator, "in")),)
    inner = getattr(tree, "selector", None)
    return (_needs(inner) if inner is not None else ()) + own
