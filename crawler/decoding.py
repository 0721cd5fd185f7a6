"""Turn what a server sent into an HTML page we can read, or say why not.

Small servers send pages without a Content-Type, declare UTF-8 for Windows-1258 bytes
(the Vietnamese Windows code page, where tone marks are combining characters), or mix in
broken bytes; and some "article" URLs answer with a PDF or an image.
"""

from __future__ import annotations

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
    text = page.text
    broken = text.count("\ufffd")
    if broken <= max(3, len(text) * MAX_REPLACEMENT_SHARE):
        return page, None
    for encoding in FALLBACK_ENCODINGS:
        try:
            page.body.decode(encoding)
        except UnicodeDecodeError:
            continue
        kwargs = {"encoding": encoding, "request": page.request, "headers": None}
        return HtmlResponse(page.url, body=page.body, **kwargs), f"charset_was_{encoding}"
    return page, "broken_bytes"
