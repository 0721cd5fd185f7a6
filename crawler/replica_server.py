"""Serve the bundled replica sites over real HTTP on the loopback interface.

Each replica gets its own loopback address (127.0.0.11, 127.0.0.12, …) so that, as on the
real web, every site is its own host and the crawler's per-site boundary and per-domain
politeness apply unchanged. See ``crawler/replicas/README.md`` for the folder format.

Run ``python -m crawler.replica_server`` to serve them by hand; the tests and
``tinkhac demo`` use :class:`ReplicaServer` as a context manager.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import mimetypes
import re
import secrets
import threading
import time
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.registry import load_sites
from crawler.replica_faults import FAULTS, HITS, find
from crawler.urls import SESSION_IN_PATH, decode_js_escapes

FIRST_HOST_OCTET = 11
CHARSET_META = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.I)


@dataclass
class Replica:
    """One replica site folder: its entry, its routes and its expected records."""

    name: str
    folder: Path
    config: dict[str, Any]
    base_url: str = ""
    requests: list[str] = field(default_factory=list)
    #: (time.monotonic(), path) of every request, as it arrived: the politeness tests' log.
    request_times: list[tuple[float, str]] = field(default_factory=list)
    #: (regex, replacement) applied to every page served: an edit or redesign between runs.
    rewrites: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: URL parts of articles not published yet: 404, and every link to them removed.
    hidden: list[str] = field(default_factory=list)

    def render(self, body: bytes) -> bytes:
        for pattern, replacement in self.rewrites:
            body = re.sub(pattern, replacement, body, flags=re.S)
        if self.config.get("session_ids"):
            # A Java portal without cookies: every answer mints a session id and writes it
            # into each of its links (and accepts it back, see normalise_target).
            session = b";jsessionid=" + secrets.token_hex(8).upper().encode()
            body = re.sub(rb'(href="/[^"?#;]*)', lambda m: m.group(1) + session, body)
        for part in self.hidden:
            link = rb"<a\b[^>]*href=\"[^\"]*" + re.escape(part.encode()) + rb"[^\"]*\"[^>]*>.*?</a>"
            body = re.sub(link, b"", body, flags=re.S)
        return body

    def is_hidden(self, target: str) -> bool:
        return any(part in target for part in self.hidden)

    @property
    def key(self) -> str:
        return self.config["key"]

    @property
    def pages(self) -> Path:
        return self.folder / "pages"

    def resolve(self, target: str) -> tuple[int, Path | str | None]:
        """(status, file or redirect location) for a request target."""
        key = normalise_target(target)
        redirects = self.config.get("redirects", {})
        if key in redirects:
            return 301, redirects[key]
        routes = self.config.get("routes", {})
        if key in routes:
            return 200, self.pages / routes[key]
        path = key.split("?", 1)[0]
        candidate = (self.pages / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.pages.resolve()):
            return 404, None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return (200, candidate) if candidate.is_file() else (404, None)

    def expected(self) -> list[dict[str, Any]]:
        """The expected records, with ``{base}`` replaced by the served address."""
        records = []
        for path in sorted((self.folder / "expected").glob("*.json")):
            text = path.read_text(encoding="utf-8").replace("{base}", self.base_url)
            records.append(json.loads(text))
        return records

    def site_entry(self) -> dict[str, Any]:
        """The replica as a sites-file entry: its served address is its only host."""
        return {
            "name": self.config["name"],
            "province": self.config.get("province"),
            "start_urls": [self.base_url + p for p in self.config.get("start_paths", ["/"])],
            "allowed_domains": [urlsplit(self.base_url).netloc],
        }


def normalise_target(target: str) -> str:
    """The request target as replica routes are written: decoded, NFC."""
    parts = urlsplit(target)
    path = unquote(decode_js_escapes(SESSION_IN_PATH.sub("", parts.path)))
    query = unquote(decode_js_escapes(parts.query))
    key = path + (f"?{query}" if query else "")
    return unicodedata.normalize("NFC", key)


def replicas_root() -> Path:
    return Path(str(resources.files("crawler").joinpath("replicas")))


def load_replicas(root: Path | None = None) -> list[Replica]:
    root = root or replicas_root()
    found = []
    for config_path in sorted(root.glob("*/replica.toml")):
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        found.append(Replica(config_path.parent.name, config_path.parent, config))
    return found


def _handler_for(replica: Replica, server: ReplicaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ReplicaServer/1"
        replica_name = replica.name

        def do_GET(self) -> None:
            replica.requests.append(self.path)
            replica.request_times.append((time.monotonic(), self.path))
            if server.delay:
                time.sleep(server.delay)
            fault = find(replica.config.get("faults", {}), normalise_target(self.path))
            # The crawler may go away mid-answer (a timeout, a test's kill): fine.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if fault:
                    kind, _, arg = fault.partition(":")
                    HITS[(replica.name, self.path)] += 1
                    FAULTS[kind](self, arg)
                else:
                    self.serve_normally()

        def serve_normally(self, content_type: str | None = None) -> None:
            status, target = replica.resolve(self.path)
            if replica.is_hidden(self.path):
                status, target = 404, None
            if status == 301:
                self.send_response(301)
                self.send_header("Location", str(target))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if target is None:
                self._send(
                    404, "text/html; charset=utf-8", b"<html><body><h1>404</h1></body></html>"
                )
                return
            body = replica.render(Path(target).read_bytes())
            if content_type is None:
                content_type = _content_type(Path(target), body)
            self._send(200, content_type, body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def _content_type(path: Path, body: bytes) -> str:
    if path.suffix in (".html", ".htm", ".aspx", "") or path.name.endswith(".html"):
        match = CHARSET_META.search(body[:4096])
        charset = match.group(1).decode("ascii") if match else "utf-8"
        return f"text/html; charset={charset}"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


class ReplicaServer:
    """Serve every replica on its own loopback address, in threads, until closed."""

    def __init__(self, replicas: list[Replica] | None = None, delay: float = 0.0) -> None:
        """``delay`` seconds are waited before each answer: a slow server, for kill tests."""
        self.replicas = replicas if replicas is not None else load_replicas()
        self.delay = delay
        self._servers: list[ThreadingHTTPServer] = []

    def __enter__(self) -> ReplicaServer:
        for offset, replica in enumerate(self.replicas):
            host = f"127.0.0.{FIRST_HOST_OCTET + offset}"
            server = ThreadingHTTPServer((host, 0), _handler_for(replica, self))
            server.daemon_threads = True
            replica.base_url = f"http://{host}:{server.server_address[1]}"
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def sites_toml(self, exclusive: bool = False) -> str:
        """A sites file for the served replicas, for ``--sites``.

        ``exclusive`` also marks every built-in site inactive, so that ``crawl-all``
        crawls the replicas and nothing on the real web.
        """
        lines = []
        keys = {r.key for r in self.replicas}
        if exclusive:
            for key in sorted(set(load_sites()) - keys):
                lines += [f"[sites.{key}]", "active = false", ""]
        for replica in self.replicas:
            entry = {**replica.site_entry(), "active": True}
            lines.append(f"[sites.{replica.key}]")
            for name, value in entry.items():
                if value is not None:
                    lines.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
            lines.append("")
        return "\n".join(lines)

    def __iter__(self) -> Iterator[Replica]:
        return iter(self.replicas)


def main(argv: list[str] | None = None) -> None:
    """Serve replicas until interrupted; print (or write) a sites file for them."""
    options = argparse.ArgumentParser(description="Serve replica sites on 127.0.0.x.")
    options.add_argument("root", nargs="?", type=Path, help="default: the bundled replicas")
    options.add_argument("--sites-file", type=Path, help="write the sites file here")
    args = options.parse_args(argv)
    with ReplicaServer(load_replicas(args.root)) as server:
        sites = server.sites_toml(exclusive=True)
        if args.sites_file:
            partial = args.sites_file.with_suffix(".tmp")
            partial.write_text(sites, encoding="utf-8")
            partial.replace(args.sites_file)  # appears whole, for whoever waits on it
        else:
            for replica in server:
                print(f"{replica.key:20} {replica.base_url}")
            print(sites, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
