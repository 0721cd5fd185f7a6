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

#: (attribute, text): the page has an element with that attribute whose value holds the
#: text; a text of None asks only for the attribute.
Need = tuple[str, str | None]


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


class PageAttributes:
    """A page's values of each attribute an alternative needs, read once per attribute."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._values: dict[str, tuple[bool, str]] = {}
        self._allowed: dict[Alternative, bool] = {}  # a list is asked for in several scopes

    def allows(self, alternative: Alternative) -> bool:
        """False when the page lacks what every match of the alternative carries."""
        allowed = self._allowed.get(alternative)
        if allowed is None:
            allowed = all(self._carries(name, text) for name, text in alternative.needs)
            self._allowed[alternative] = allowed
        return allowed

    def _carries(self, name: str, text: str | None) -> bool:
        if name not in self._values:
            values = _attribute_values(name)(self.root)
            # Joined by a character no selector text holds: a text found across two
            # values only costs the walk that would have been made anyway.
            self._values[name] = (bool(values), "\0".join(values))
        present, joined = self._values[name]
        return present and (text is None or text in joined)


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
        own = (("class", tree.class_name),)
    elif isinstance(tree, css_parser.Hash):
        own = (("id", tree.id),)
    elif isinstance(tree, css_parser.Attrib):
        name = tree.attrib.lower()  # as the HTML translator reads it
        plain = tree.namespace is None and not tree.flag and _NAME.match(name)
        if plain and tree.operator in _CARRYING:
            value = None if tree.operator == "exists" else tree.value
            own = ((name, getattr(value, "value", value)),)
    inner = getattr(tree, "selector", None)
    return (_needs(inner) if inner is not None else ()) + own
