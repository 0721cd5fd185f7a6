"""URL canonicalisation and article keys.

The same article reaches a crawler under many URLs: NukeViet serves it under any category
alias, WebSphere Portal wraps it in a fresh ``!ut/p/…`` navigation state on every page,
SharePoint adds the listing's ``CategoryId``, share buttons add ``utm_*``. The article key
(the CMS's own id) is what identifies an article; the canonical URL is what a record shows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from crawler.families import Profile

_JS_ESCAPE = re.compile(r"%u([0-9a-fA-F]{4})")


def decode_js_escapes(text: str) -> str:
    """Decode JavaScript ``escape()`` forms (``%u0103``), also when percent-encoded again."""
    text = text.replace("%25u", "%u").replace("%25U", "%u")
    return _JS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def canonical_url(url: str, profile: Profile) -> str:
    """The URL without fragment, tracking parameters and portal state, in NFC.

    Query parameters keep their order: some CMSs read them positionally, and an id such
    as ``NewsId=`` must never be dropped (stripping every query, as some crawlers do,
    merges distinct ``?id=`` articles). For the same reason portal state is stripped only
    when what remains still names the content (a ``urile=wcm:path``): an article at
    ``/wps/portal/tin-tuc/!ut/p/z1/<state>/`` keeps its state, since without it every
    article of the category would reduce to the category's URL.
    """
    stripped = url
    for pattern in profile.strip_url:
        stripped = pattern.sub("", stripped)
    if stripped != url and url_id(stripped, profile) is not None:
        url = stripped
    parts = urlsplit(url)
    query = parts.query
    if query and profile.tracking_params is not None:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not profile.tracking_params.match(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept, quote_via=quote, safe=":/")
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def url_id(url: str, profile: Profile) -> str | None:
    """The CMS's id of the content a URL names (``-1201.html``, ``NewsId=``), or None."""
    decoded = unicodedata.normalize("NFC", unquote(decode_js_escapes(url)))
    for pattern in profile.id_patterns:
        match = pattern.search(decoded)
        if match:
            return match.group(1).strip("/")
    return None


def article_key(url: str, profile: Profile) -> str:
    """The article's stable id within its site: the CMS id in the URL, else a URL hash."""
    found = url_id(url, profile)
    if found is not None:
        return found
    digest = hashlib.sha1(canonical_url(url, profile).encode("utf-8")).hexdigest()
    return f"u{digest[:16]}"


def same_site(url: str, hosts: frozenset[str]) -> bool:
    """Whether the URL's host:port is one of the site's (a subdomain counts as the site)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    for allowed in hosts:
        if ":" in allowed:
            if netloc == allowed:
                return True
        elif host == allowed or host.endswith("." + allowed):
            return True
    return False
