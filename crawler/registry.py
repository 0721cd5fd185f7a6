"""The site registry: the built-in ``sites.toml`` plus any file a user gives with ``--sites``.

A user's entry adds a site or overrides keys of a built-in one. Entries are checked when
they are read, so that a mistake stops the command with one line saying what to fix,
before any request is made.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.families import Profile, Selectors, family_names, profile
from crawler.urls import same_site

#: A key names output folders and files, so it may hold no path separator or dot-dot.
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KNOWN_KEYS = {
    "name", "province", "province_before", "cms", "start_urls", "allowed_domains",
    "allowed_paths", "active", "selectors", "merged_into", "note", "versions", "evidence",
    "confidence",
}  # fmt: skip
#: Top-level keys of a sites file: the sites, and hosts never to fetch (added, never removed).
TOP_KEYS = {"sites", "never_crawl"}
#: How sure the research is of a site: seen, seen but uncertain, or only inferred.
CONFIDENCE = ("seen", "weak", "inferred")
TEXT_KEYS = ("province", "province_before", "merged_into", "note", "evidence")


class RegistryError(ValueError):
    """A sites file that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: frozenset[str]
    province: str | None = None
    cms: str | None = None  # None: detected from the pages
    active: bool = True
    merged_into: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    versions: tuple[dict[str, Any], ...] = ()  # template versions, as in families.toml
    province_before: str | None = None  # the province before the 2025 merges
    allowed_paths: tuple[str, ...] = ()  # a path subsite of a portal: its path prefixes
    never_crawl: frozenset[str] = frozenset()  # hosts refused even inside allowed_domains
    evidence: str | None = None
    confidence: str = "seen"
    note: str | None = None

    def matches(self, url: str) -> bool:
        """Whether the URL belongs to this site: its hosts, its paths, no never-crawl host."""
        return same_site(url, self.allowed_domains, self.allowed_paths, self.never_crawl)

    def as_dict(self) -> dict[str, Any]:
        """The entry as ``tinkhac sites --json`` prints it."""
        return {
            "key": self.key,
            "name": self.name,
            "province": self.province,
            "province_before": self.province_before,
            "state": "active" if self.active else "archived",
            "active": self.active,
            "merged_into": self.merged_into,
            "cms": self.cms,
            "start_urls": list(self.start_urls),
            "allowed_domains": sorted(self.allowed_domains),
            "allowed_paths": list(self.allowed_paths),
            "confidence": self.confidence,
            "evidence": self.evidence,
            "note": self.note,
        }

    def profile(self, detected: str | None = None) -> Profile:
        """The rules to crawl this site with: its family's, then its own selectors."""
        family = profile(self.cms or detected or "generic")
        return family.with_selectors(self.selectors).with_versions(list(self.versions))


def fold(name: str | None) -> str:
    """A province name for comparison: NFC, no diacritics, no case ("Đắk Lắk" = "dak lak")."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("đ", "d").replace("Đ", "D").casefold().split())


def builtin_text() -> str:
    return resources.files("crawler").joinpath("sites.toml").read_text(encoding="utf-8")


def load_sites(user_file: str | Path | None = None) -> dict[str, Site]:
    """The built-in sites, with the user's file (if any) merged over them."""
    builtin = tomllib.loads(builtin_text())
    entries = _entries(builtin, "the built-in sites.toml")
    never = _never_crawl(builtin, "the built-in sites.toml")
    if user_file is not None:
        path = Path(user_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RegistryError(f"cannot read sites file {path}: {exc.strerror}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(f"sites file {path} is not valid TOML: {exc}") from exc
        for key, entry in _entries(data, str(path)).items():
            entries[key] = {**entries.get(key, {}), **entry}
        never |= _never_crawl(data, str(path))
    sites = {key: _site(key, entry, never) for key, entry in entries.items()}
    for site in sites.values():
        if site.merged_into is not None and site.merged_into not in sites:
            raise RegistryError(
                f"[sites.{site.key}]: merged_into {site.merged_into!r} is not a site key; "
                "name the registry key of the site that continues this one"
            )
    return sites


def _never_crawl(data: dict[str, Any], origin: str) -> frozenset[str]:
    hosts = data.get("never_crawl", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise RegistryError(f"{origin}: 'never_crawl' must be a list of host names")
    return frozenset(h.lower() for h in hosts)


def _entries(data: dict[str, Any], origin: str) -> dict[str, dict[str, Any]]:
    unknown_top = set(data) - TOP_KEYS
    if unknown_top:
        raise RegistryError(
            f"{origin}: unknown top-level key(s) {', '.join(sorted(unknown_top))}; a sites "
            "file holds [sites.<key>] tables and an optional never_crawl list of hosts"
        )
    sites = data.get("sites")
    if not isinstance(sites, dict):
        raise RegistryError(f"{origin}: expected a [sites.<key>] table for each site")
    for key, entry in sites.items():
        if not KEY_PATTERN.match(key):
            raise RegistryError(
                f"{origin}: site key {key!r} is not allowed; use lower-case letters, digits, "
                "'-' and '_' (it names output files)"
            )
        if not isinstance(entry, dict):
            raise RegistryError(f"{origin}: [sites.{key}] must be a table")
        unknown = set(entry) - KNOWN_KEYS
        if unknown:
            raise RegistryError(
                f"{origin}: [sites.{key}] has unknown key(s) {', '.join(sorted(unknown))}; "
                f"known keys: {', '.join(sorted(KNOWN_KEYS))}"
            )
    return {key: dict(entry) for key, entry in sites.items()}


def _site(key: str, entry: dict[str, Any], never: frozenset[str] = frozenset()) -> Site:
    where = f"[sites.{key}]"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where}: 'name' is required (the organisation's name)")
    start_urls = entry.get("start_urls")
    if not isinstance(start_urls, list) or not start_urls:
        raise RegistryError(f"{where}: 'start_urls' must be a non-empty list of http(s) URLs")
    for url in start_urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: start URL {url!r} is not an http(s) URL")
    cms = entry.get("cms")
    if cms is not None and cms not in family_names():
        raise RegistryError(f"{where}: cms {cms!r} is unknown; use one of {family_names()}")
    selectors = entry.get("selectors", {})
    versions = entry.get("versions", [])
    try:
        Selectors().merged(selectors)
        profile("generic").with_versions(versions)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RegistryError(f"{where}: {exc}") from exc
    extra = entry.get("allowed_domains") or []
    if not isinstance(extra, list) or not all(isinstance(d, str) and d for d in extra):
        raise RegistryError(f"{where}: 'allowed_domains' must be a list of host names")
    # A site may always fetch its own start URLs, also when a user's file moves them.
    domains = [*extra, *(_netloc(u) for u in start_urls)]
    active = entry.get("active", True)
    if not isinstance(active, bool):
        raise RegistryError(f"{where}: 'active' must be true or false")
    for text_key in TEXT_KEYS:
        value = entry.get(text_key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise RegistryError(f"{where}: {text_key!r} must be a non-empty string")
    confidence = entry.get("confidence", "seen")
    if confidence not in CONFIDENCE:
        raise RegistryError(f"{where}: confidence {confidence!r} is unknown; use {CONFIDENCE}")
    paths = entry.get("allowed_paths") or []
    if not isinstance(paths, list) or not all(
        isinstance(p, str) and p.startswith("/") and ".." not in p for p in paths
    ):
        raise RegistryError(
            f"{where}: 'allowed_paths' must be a list of path prefixes like '/bannganh/VPTUQN/'"
        )
    paths = tuple(p if p.endswith("/") else p + "/" for p in paths)
    if any(not same_site(f"http://{d}/", frozenset({d}), deny=never) for d in domains):
        raise RegistryError(
            f"{where}: a never-crawled host is among its hosts ({', '.join(domains)}); "
            "remove it from start_urls and allowed_domains"
        )
    for url in start_urls:
        if not same_site(url, frozenset(d.lower() for d in domains), paths):
            raise RegistryError(f"{where}: start URL {url!r} is outside its allowed_paths")
    return Site(
        key=key,
        name=name.strip(),
        start_urls=tuple(start_urls),
        allowed_domains=frozenset(d.lower() for d in domains),
        province=entry.get("province"),
        cms=cms,
        active=active,
        merged_into=entry.get("merged_into"),
        selectors=dict(selectors),
        versions=tuple(versions),
        province_before=entry.get("province_before"),
        allowed_paths=paths,
        never_crawl=never,
        evidence=entry.get("evidence"),
        confidence=confidence,
        note=entry.get("note"),
    )


def _netloc(url: str) -> str:
    """The host a start URL allows; with its port when it has one (a local replica)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host
