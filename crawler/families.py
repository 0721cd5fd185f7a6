"""CMS family profiles: the data in ``families.toml`` as typed objects, and detection.

A site is crawled with one :class:`Profile`: its family's rules merged over the generic
ones, then the site's own selector overrides. The spider and the parsers read only the
profile, so a new province is configuration, never a new branch in the code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from typing import Any

from crawler.text import clean

FINGERPRINT_WINDOW = 65536
#: Fields whose generic selectors stay behind a family's own: breadcrumbs, tags and page
#: furniture come in forms every CMS shares, so a site of the family whose theme marks
#: them otherwise still gets the generic reading.
GENERIC_BEHIND = frozenset(("category", "tags", "drop"))


@dataclass(frozen=True)
class Selectors:
    """CSS selectors, one per field; empty means "use the generic heuristic"."""

    article: str = ""  # the article's root element: the scope of the other selectors
    title: str = ""
    lead: str = ""
    lead_image: str = ""  # the lead photo block shown above the body
    body: str = ""
    date: str = ""  # elements whose text holds the publication date
    updated: str = ""
    author: str = ""
    source: str = ""
    category: str = ""  # breadcrumb items; the last one that is not the title is the category
    tags: str = ""
    related: str = ""  # the links of the related ("Tin khác") block
    drop: str = ""  # furniture inside the article, removed before the body is read

    def merged(self, overrides: dict[str, str]) -> Selectors:
        unknown = set(overrides) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown selector(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v})


@dataclass(frozen=True)
class Version:
    """A template version of a family or site, chosen by what the page looks like."""

    name: str
    when: str
    selectors: dict[str, str]


@dataclass(frozen=True)
class Pager:
    """How a family's listings link their next page (``[generic.pager]`` in families.toml)."""

    next_xpaths: tuple[str, ...] = ()
    next_labels: frozenset[str] = frozenset()  # NFC, case-folded
    query_keys: re.Pattern[str] | None = None
    offset_keys: re.Pattern[str] | None = None
    path_forms: tuple[re.Pattern[str], ...] = ()
    container: str = ""  # a regex on class and id
    current_xpath: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    fingerprints: tuple[re.Pattern[str], ...] = ()
    article_urls: tuple[re.Pattern[str], ...] = ()
    listing_urls: tuple[re.Pattern[str], ...] = ()
    deny_urls: tuple[re.Pattern[str], ...] = ()
    id_patterns: tuple[re.Pattern[str], ...] = ()
    strip_url: tuple[re.Pattern[str], ...] = ()
    tracking_params: re.Pattern[str] | None = None
    content_id: tuple[str, ...] = ()
    pager: Pager = field(default_factory=Pager)
    selectors: Selectors = field(default_factory=Selectors)
    versions: tuple[Version, ...] = ()

    def with_selectors(self, overrides: dict[str, str]) -> Profile:
        return replace(self, selectors=self.selectors.merged(overrides)) if overrides else self

    def with_versions(self, versions: list[dict[str, Any]]) -> Profile:
        """A site's own template versions, tried before its family's."""
        own = tuple(_version(v) for v in versions)
        return replace(self, versions=own + self.versions) if own else self

    def is_article_url(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_urls)

    def is_listing_url(self, url: str) -> bool:
        return any(p.search(url) for p in self.listing_urls)

    def is_denied(self, url: str) -> bool:
        return any(p.search(url) for p in self.deny_urls)


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@cache
def _raw_families() -> dict[str, dict[str, Any]]:
    text = resources.files("crawler").joinpath("families.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def family_names() -> list[str]:
    return list(_raw_families())


@cache
def profile(name: str) -> Profile:
    """The profile of a family: its own keys over the generic ones (lists are joined)."""
    raw = _raw_families()
    if name not in raw:
        raise KeyError(f"unknown CMS family {name!r}; known: {', '.join(raw)}")
    generic, own = raw["generic"], raw[name] if name != "generic" else {}

    def joined(key: str) -> list[str]:
        # A family's id patterns and canonical rules come before the generic fallbacks.
        return list(own.get(key, [])) + list(generic.get(key, []))

    base = generic.get("selectors", {})
    own_selectors = own.get("selectors", {})
    selectors = (
        Selectors()
        .merged(base)
        .merged(
            {
                name: _joined(value, base.get(name, "")) if name in GENERIC_BEHIND else value
                for name, value in own_selectors.items()
            }
        )
    )
    return Profile(
        name=name,
        fingerprints=_compile(own.get("fingerprints", [])),
        article_urls=_compile(own.get("article_urls", [])),
        listing_urls=_compile(own.get("listing_urls", [])),
        deny_urls=_compile(joined("deny_urls")),
        id_patterns=_compile(joined("id_patterns")),
        strip_url=_compile(joined("strip_url")),
        tracking_params=_any_of(joined("tracking_params")),
        content_id=tuple(joined("content_id")),
        pager=_pager(own.get("pager", {}), generic.get("pager", {})),
        selectors=selectors,
        versions=tuple(_version(v) for v in own.get("versions", [])),
    )


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any of the patterns whole, or None for none."""
    return re.compile(rf"^(?:{'|'.join(patterns)})$", re.I) if patterns else None


def _pager(own: dict[str, Any], generic: dict[str, Any]) -> Pager:
    """A family's pager forms before the generic ones; a scalar of its own replaces."""

    def joined(key: str) -> list[str]:
        return list(own.get(key, [])) + list(generic.get(key, []))

    return Pager(
        next_xpaths=tuple(joined("next_xpaths")),
        next_labels=frozenset(clean(t).casefold() for t in joined("next_labels")),
        query_keys=_any_of(joined("query_keys")),
        offset_keys=_any_of(joined("offset_keys")),
        path_forms=tuple(re.compile(p, re.I) for p in joined("path_forms")),
        container=own.get("container", generic.get("container", "")),
        current_xpath=own.get("current_xpath", generic.get("current_xpath", "")),
    )


def _joined(first: str, fallback: str) -> str:
    """Comma-separated CSS alternatives: ``first``'s, then ``fallback``'s not already there."""
    if not fallback:
        return first
    mine = {a.strip() for a in first.split(",")}
    rest = [a.strip() for a in fallback.split(",") if a.strip() not in mine]
    return ", ".join([first, *rest]) if rest else first


def _version(data: dict[str, Any]) -> Version:
    """A version table: ``name``, ``when`` (a CSS selector), ``selectors``."""
    missing = {"name", "when"} - set(data)
    if missing:
        raise ValueError(f"a template version needs {', '.join(sorted(missing))}")
    selectors = data.get("selectors", {})
    Selectors().merged(selectors)  # refuses unknown selector names
    return Version(data["name"], data["when"], selectors)


def detect(html: str) -> str:
    """The family whose fingerprints a page carries the most of (the first one on a tie),
    else "generic".

    Each fingerprint is a search of up to 64 KiB, so a family stops being searched as soon
    as its fingerprints left could no longer beat the best count; a page of no family
    (most of the open web) is searched for every one of them.
    """
    head = html[:FINGERPRINT_WINDOW]
    best, best_hits = "generic", 0
    for name in family_names():
        if name == "generic":
            continue
        tests = _fingerprint_tests(name)
        hits, left = 0, len(tests)
        for found_in in tests:
            if hits + left <= best_hits:
                break
            left -= 1
            hits += found_in(head)
        if hits > best_hits:
            best, best_hits = name, hits
    return best


#: A regex that is plain text: no operator, only punctuation escaped ("Liferay\\.ThemeDisplay").
_PLAIN = re.compile(r"(?:[^.^$*+?{}\[\]|()\\]|\\[^0-9A-Za-z])*")
_ESCAPE = re.compile(r"\\(.)", re.S)


@cache
def _fingerprint_tests(name: str) -> tuple[Callable[[str], bool], ...]:
    """Whether a page's head shows each of the family's fingerprints. Most fingerprints are
    plain text (``id="news-bodyhtml"``, ``/wps/portal/``): a substring test finds them
    several times faster than the regex engine, which walks the head character by
    character; the others stay regexes."""
    return tuple(_found_in(pattern) for pattern in profile(name).fingerprints)


def _found_in(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    if pattern.flags == re.UNICODE and _PLAIN.fullmatch(pattern.pattern):
        text = _ESCAPE.sub(r"\1", pattern.pattern)
        return lambda head: text in head
    prefix = _literal_prefix(pattern)
    if prefix:  # every match starts with it: a page without it needs no regex walk
        return lambda head: prefix in head and pattern.search(head) is not None
    return lambda head: pattern.search(head) is not None


def _literal_prefix(pattern: re.Pattern[str]) -> str:
    """The plain text every match of a regex starts with ("/Portals/" of
    ``/Portals/(_default|\\d+)/``), or "" when that cannot be told simply: a flag, an
    alternation outside a group, a quantifier right after the text."""
    if pattern.flags != re.UNICODE or _top_level_alternation(pattern.pattern):
        return ""
    plain = _PLAIN.match(pattern.pattern).group()
    if pattern.pattern[len(plain) : len(plain) + 1] in ("?", "*", "+", "{"):
        return ""
    return _ESCAPE.sub(r"\1", plain)


def _top_level_alternation(pattern: str) -> bool:
    """Whether a regex has a "|" outside its groups (one inside a character class is a
    character)."""
    depth, escaped, in_class = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False
