"""The CSS selector lists of the profiles, compiled once per process.

A profile's selector is a comma-separated list of alternatives tried in order. parsel's
``.css()`` translates, looks up and wraps every alternative on every page, and the parser
asks for a dozen lists per page; here each list is split and compiled to lxml XPath once,
with parsel's own translator (so an alternative means what ``.css()`` would make of it),
and the caller gets bare elements and wraps only those it keeps.
"""

from __future__ import annotations

from functools import cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()


@cache
def alternatives(selectors: str) -> tuple[etree.XPath, ...]:
    """The comma-separated alternatives of a selector list, each compiled, in order."""
    return tuple(
        etree.XPath(_TRANSLATOR.css_to_xpath(alternative.strip()))
        for alternative in selectors.split(",")
        if alternative.strip()
    )


@cache
def union(selectors: str) -> etree.XPath:
    """The whole list as one XPath: what any alternative matches, in document order."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(selectors))
