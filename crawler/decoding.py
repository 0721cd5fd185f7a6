"""Turn what a server sent into an HTML page we can read, or say why not.

Small servers send pages without a Content-Type, declare UTF-8 for Windows-1258 bytes
(the Vietnamese Windows code page, where tone marks are combining characters), declare a
Western code page (a web server's default "ISO-8859-1") for UTF-8 bytes, keep the old
``<meta charset>`` (GB2312, Shift_JIS, a code page) of a page converted to UTF-8, or mix in
broken bytes; and some "article" URLs answer with a PDF or an image.
"""

from __future__ import annotations

import codecs

from scrapy.http import HtmlResponse, Response

#: Share of U+FFFD replacement characters above which a declared charset is not believed.
MAX_REPLACEMENT_SHARE = 0.001
FALLBACK_ENCODINGS = ("cp1258", "cp1252")
BINARY_MAGIC = (b"%PDF", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def readable_html(response: Response) -> tuple[HtmlResponse | None, str | None]:
    """(the page as HTML, or None; the problem met, named for the stats, or None)."""
    if isinstance(response, HtmlResponse):
        return _repaired(response)
    head = response.body[:1024].lstrip()
    if head.startswith(BINARY_MAGIC) or not _looks_like_html(head):
        return None, "not_html"
    page = HtmlResponse(response.url, body=response.body, request=response.request)
    page, problem = _repaired(page)
    return page, problem or "html_without_content_type"


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower()
    return lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in lowered


def _repaired(page: HtmlResponse) -> tuple[HtmlResponse, str | None]:
    # UTF-8 bytes read in another charset give mojibake ("BÃ i" for "Bài", "鏂扮數" for
    # "新电"), not replacement characters, so the bytes are checked the other way round.
    if codecs.lookup(page.encoding).name != "utf-8" and _is_utf8(page.body):
        return _reread(page, "utf-8"), "charset_was_utf-8"
    text = page.text
    broken = text.count("\ufffd")
    if broken <= max(3, len(text) * MAX_REPLACEMENT_SHARE):
        return page, None
    for encoding in FALLBACK_ENCODINGS:
        try:
            page.body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _reread(page, encoding), f"charset_was_{encoding}"
    return page, "broken_bytes"


def _reread(page: HtmlResponse, encoding: str) -> HtmlResponse:
    """The page decoded as ``encoding``, without the headers that named another."""
    return HtmlResponse(
        page.url, body=page.body, encoding=encoding, request=page.request, headers=None
    )


def _is_utf8(body: bytes) -> bool:
    """Whether the bytes are UTF-8 beyond ASCII: text in another charset (a code page of
    one byte a character, GBK, Shift_JIS, EUC-KR) is almost never valid UTF-8 once it holds
    a letter outside ASCII."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
