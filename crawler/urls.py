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
from collections import Counter
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from crawler.families import Profile

_JS_ESCAPE = re.compile(r"%u([0-9a-fA-F]{4})")


def decode_js_escapes(text: str) -> str:
    """Decode JavaScript ``escape()`` forms (``%u0103``), also when percent-encoded again."""
    text = text.replace("%25u", "%u").replace("%25U", "%u")
    return _JS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


#: Session ids that a server without cookies writes into its links: a Java portal's
#: ";jsessionid=", ASP.NET's cookieless "/(S(…))/" segment, and query keys such as
#: PHPSESSID. They name a visit, not a page; a server that mints one per answer would make
#: every link on every page new, and the crawl would never end.
SESSION_IN_PATH = re.compile(r"(?i);jsessionid=[^?#/;]*|/\((?:[A-Z]\([a-z0-9_-]{16,}\))+\)(?=/)")
SESSION_KEYS = re.compile(r"(?i)jsessionid|phpsessid|aspsessionid\w*|sessionid|session_id|sid")
#: A session's value is a long token; a short "sid=12" is a section id and stays.
SESSION_VALUE = re.compile(r"[A-Za-z0-9_-]{16,}")


def without_session(url: str) -> str:
    """The URL without the session ids of :data:`SESSION_IN_PATH` and :data:`SESSION_KEYS`."""
    url = SESSION_IN_PATH.sub("", url)
    parts = urlsplit(url)
    if not parts.query or not SESSION_KEYS.search(parts.query):
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v) for k, v in pairs if not (SESSION_KEYS.fullmatch(k) and SESSION_VALUE.fullmatch(v))
    ]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept, quote_via=quote, safe=":/")))


#: A path that repeats itself is a trap: a relative link written without its leading slash
#: ("chuyen-muc/tin-tuc.html") on a server that answers any path leads from /chuyen-muc/…
#: to /chuyen-muc/chuyen-muc/…, and so on without end. Heritrix refuses such paths too.
MAX_SEGMENT_REPEATS = 2
MAX_PATH_SEGMENTS = 20


def repeats_itself(url: str) -> bool:
    """Whether the URL's path holds one segment more than twice, or over 20 segments."""
    return _repeats(url, MAX_SEGMENT_REPEATS)


def _repeats(url: str, most: int) -> bool:
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if len(segments) > MAX_PATH_SEGMENTS:
        return True
    return any(count > most for count in Counter(segments).values())


def join_link(base: str, href: str) -> str:
    """The absolute URL a link names: without fragment and session ids, and a relative link
    that would repeat a segment of the page's path read from the site's root, as its author
    meant it ("chuyen-muc/tin-tuc.html" on /chuyen-muc/bai-1.html: /chuyen-muc/tin-tuc.html,
    not /chuyen-muc/chuyen-muc/tin-tuc.html)."""
    href = href.strip()
    url = without_session(urljoin(base, href).split("#", 1)[0])
    if _repeats(url, 1) and not urlsplit(href).scheme and not href.startswith(("/", ".")):
        from_root = without_session(urljoin(base, "/" + href).split("#", 1)[0])
        if not _repeats(from_root, 1):
            return from_root
    return url


def canonical_url(url: str, profile: Profile) -> str:
    """The URL without fragment, session ids, tracking parameters and portal state, in NFC.

    Query parameters keep their order: some CMSs read them positionally, and an id such
    as ``NewsId=`` must never be dropped (stripping every query, as some crawlers do,
    merges distinct ``?id=`` articles). For the same reason portal state is stripped only
    when what remains still names the content (a ``urile=wcm:path``): an article at
    ``/wps/portal/tin-tuc/!ut/p/z1/<state>/`` keeps its state, since without it every
    article of the category would reduce to the category's URL.
    """
    url = without_session(url)
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


def same_site(
    url: str,
    hosts: frozenset[str],
    paths: tuple[str, ...] = (),
    deny: frozenset[str] = frozenset(),
) -> bool:
    """Whether the URL's host:port is one of the site's (a subdomain counts as the site).

    ``paths``: the site is a path subsite of a larger portal (Quảng Ninh's
    ``/bannganh/<Ban>/``), so the URL's path must also lie under one of these prefixes.
    ``deny``: hosts never fetched even when they are subdomains of the site's
    (document systems, mail, single sign-on), with their own subdomains, on any port.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    if any(host == d or host.endswith("." + d) for d in deny):
        return False
    netloc = f"{host}:{parts.port}" if parts.port else host
    for allowed in hosts:
        if ":" in allowed:
            if netloc == allowed:
                break
        elif host == allowed or host.endswith("." + allowed):
            break
    else:
        return False
    # The host's robots.txt rules every subsite on it: a path subsite must read it too.
    if not paths or (parts.path == "/robots.txt" and not parts.query):
        return True
    return under_paths(parts.path, paths)


def under_paths(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a URL path lies under one of the prefixes (each ``/…/``), as a server sees it.

    The path is compared as IIS and most servers resolve it: percent-escapes decoded once,
    ``\\`` read as ``/``, ``.`` and ``..`` segments resolved, case ignored (SharePoint and
    IIS paths are case-insensitive), so ``/bannganh/A/../B/`` is not under ``/bannganh/A/``.
    A prefix's folder itself (``/bannganh/A`` without the slash) is under it.
    """
    resolved = resolve_path(unquote(path or "/").replace("\\", "/")).casefold()
    for prefix in prefixes:
        folder = prefix.casefold()
        if resolved.startswith(folder) or resolved == folder.rstrip("/"):
            return True
    return False


def resolve_path(path: str) -> str:
    """``path`` with its ``.`` and ``..`` segments removed (RFC 3986 §5.2.4)."""
    segments: list[str] = []
    parts = path.split("/")
    for index, segment in enumerate(parts):
        last = index == len(parts) - 1
        if segment == "..":
            if len(segments) > 1:
                segments.pop()
            if last:
                segments.append("")
        elif segment == ".":
            if last:
                segments.append("")
        else:
            segments.append(segment)
    resolved = "/".join(segments)
    return resolved if resolved.startswith("/") else "/" + resolved


def host_of(url: str) -> str:
    """The host and port a request goes to: what a server's load is counted by."""
    return urlsplit(url).netloc.lower()
