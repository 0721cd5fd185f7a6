"""Misbehaviours a replica can be told to show on given URLs (its ``[faults]`` table).

Government servers hang, fail in storms, answer 429, cut connections, lie about their
charset, send 50 MB or a gzip bomb, loop redirects and serve PDFs where pages should be.
Each fault here is one small function of the request handler, so a test can put any of
them on any URL of a replica and watch the crawler survive it.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

#: How often each (replica, path) was asked for: storms recover after some attempts.
HITS: Counter[tuple[str, str]] = Counter()

HANG_SECONDS = 6.0
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 64 * 1024 * 1024  # four times Scrapy's default DOWNLOAD_MAXSIZE


def _send(handler: Any, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _page(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode()


def hang(handler: Any, arg: str) -> None:
    """Answer nothing for longer than any sane download timeout."""
    time.sleep(float(arg or HANG_SECONDS))


def status(handler: Any, arg: str) -> None:
    """``503`` always; ``503:2`` fails twice, then serves the page (a storm that passes)."""
    code, _, recover_after = arg.partition(":")
    hits = HITS[(handler.replica_name, handler.path)]
    if recover_after and hits > int(recover_after):
        handler.serve_normally()
        return
    _send(handler, int(code), _page(f"Error {code}"), {"Content-Type": "text/html"})


def too_many(handler: Any, arg: str) -> None:
    """429 with ``Retry-After`` on the first request, then the page."""
    if HITS[(handler.replica_name, handler.path)] > 1:
        handler.serve_normally()
        return
    _send(handler, 429, _page("Too many requests"), {"Retry-After": arg or "1"})


def cut(handler: Any, arg: str) -> None:
    """Promise 100 kB, send 200 bytes, close the connection."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b"<html><body><h1>" + b"x" * 180)
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(2)


def huge(handler: Any, arg: str) -> None:
    """A 50 MB page, streamed."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(HUGE_BYTES))
    handler.end_headers()
    chunk = b"<p>" + b"a" * 1021
    for _ in range(HUGE_BYTES // len(chunk)):
        handler.wfile.write(chunk)


def gzip_bomb(handler: Any, arg: str) -> None:
    """Some 60 kB of gzip that inflate to 64 MB."""
    body = _bomb()
    _send(handler, 200, body, {"Content-Type": "text/html", "Content-Encoding": "gzip"})


def soft_error(handler: Any, arg: str) -> None:
    """``200 OK`` and an error page: the database is down, or the article is gone for now."""
    body = (
        "<html><head><meta charset='utf-8'><title>Lỗi hệ thống</title></head><body>"
        "<nav><a href='/'>Trang chủ</a> <a href='/chuyen-muc/tin-tuc.aspx'>Tin tức</a></nav>"
        "<h2>Thông báo</h2><p>Không kết nối được cơ sở dữ liệu. Xin thử lại sau.</p>"
        "</body></html>"
    ).encode()
    _send(handler, 200, body, {"Content-Type": "text/html; charset=utf-8"})


def relative_links(handler: Any, arg: str) -> None:
    """A listing whose menu links are relative with no leading slash, on a server that
    answers any path below: followed as written, each page leads one folder deeper."""
    articles = "".join(
        f'<li><a href="/bai-viet/{slug}.aspx">Bài {slug[-4:]}</a></li>' for slug in arg.split(",")
    )
    body = (
        "<html><head><meta charset='utf-8'><title>Tin địa phương</title></head><body>"
        "<nav class='menu'><a href='chuyen-muc/lac/tin-dia-phuong.aspx'>Tin địa phương</a> "
        "<a href='chuyen-muc/lac/tin-co-so.aspx'>Tin cơ sở</a></nav>"
        f"<h2>Tin địa phương</h2><ul class='list'>{articles}</ul></body></html>"
    ).encode()
    _send(handler, 200, body, {"Content-Type": "text/html; charset=utf-8"})


def redirect(handler: Any, arg: str) -> None:
    """A 302 to ``arg``: to itself (a loop), or to another host."""
    _send(handler, 302, b"", {"Location": arg})


def served_as(handler: Any, arg: str) -> None:
    """The route's file, with a Content-Type that lies or is missing (``arg``, may be empty)."""
    handler.serve_normally(content_type=arg)


def trap(handler: Any, arg: str) -> None:
    """A listing that never ends: every page links to the next and to fresh articles."""
    query = handler.path.partition("?")[2]
    number = int(query.rpartition("page=")[2] or 1) if "page=" in query else 1
    base = handler.path.partition("?")[0]
    items = "".join(
        f'<li><a href="/bai-viet/bay-{number}-{k}-9{number:05d}{k}.aspx">'
        f"Tin bẫy {number}.{k}</a></li>"
        for k in range(2)
    )
    body = (
        f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>"
        f'<a rel="next" href="{base}?page={number + 1}">Trang sau</a></body></html>'
    ).encode()
    _send(handler, 200, body, {"Content-Type": "text/html; charset=utf-8"})


def find(faults: dict[str, str], target: str) -> str | None:
    """The fault for a request target: an exact key, or a key ending in ``*`` as a prefix."""
    if target in faults:
        return faults[target]
    for key, fault in faults.items():
        if key.endswith("*") and target.startswith(key[:-1]):
            return fault
    return None


FAULTS: dict[str, Callable[[Any, str], None]] = {
    "trap": trap,
    "hang": hang,
    "status": status,
    "429": too_many,
    "cut": cut,
    "huge": huge,
    "gzip_bomb": gzip_bomb,
    "redirect": redirect,
    "soft_error": soft_error,
    "relative_links": relative_links,
    "served_as": served_as,
}

_BOMB: list[bytes] = []


def _bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9))
    return _BOMB[0]
