"""What the workers of a cluster agree on in Redis: the run, and who crawls which site.

A **run** is the set of sites to crawl. The first worker to arrive creates it; later
workers join it; it is finished when every one of its sites is done, and the next worker
to arrive after that starts a new one. A site is done only when a crawl of it finished
normally, never when its worker was killed or stopped.

A **lease** (``tinkhac:lease:<site>``, ``SET NX PX``) is the right to crawl a site. Only
its holder crawls the site, so the site sees the politeness of one process (its delay,
AutoThrottle, its concurrency), however many workers there are. The sites of one host (a
portal's path subsites) go to one worker at a time: a lease is taken only while the
host's key (``tinkhac:host:<host>``) is free or held by the same worker, whose process
paces the host's sites together (``SharedHostMiddleware``). The holder renews it
while it crawls and deletes it at the end; a killed worker's lease expires after its TTL
and another worker takes the site over, frontier and in-flight requests included (see
``crawler/frontier.py``). Renewal and release check the holder's token, so a worker that
lost its lease (paused past the TTL) cannot extend or delete its successor's.

Every key is named here (the README's "What Redis holds"), the frontier's too; this module
needs only ``redis``, so single-process runs import it without the scrapy-redis extra.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

#: This package's keys in Redis start with it.
PREFIX = "tinkhac"
CURRENT_RUN = f"{PREFIX}:run"
#: While this key exists, workers take no new site: they finish the ones they hold and
#: exit (``redis-cli set tinkhac:drain 1``; ``del`` it to let workers work again).
DRAIN = f"{PREFIX}:drain"
#: Finished runs' keys are kept this long, to be looked at, then Redis drops them.
OLD_RUN_SECONDS = 7 * 24 * 3600

# The current run if one is unfinished, else a new run (ARGV[1], sites ARGV[2..]): one
# atomic step, so two workers arriving together never start two runs.
_JOIN = """
local current = redis.call('GET', KEYS[1])
if current then
  local base = KEYS[1] .. ':' .. current
  if #redis.call('SDIFF', base .. ':sites', base .. ':done') > 0 then return current end
  for _, part in ipairs({':sites', ':started', ':done'}) do
    redis.call('EXPIRE', base .. part, ARGV[2])
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[1] .. ':' .. ARGV[1] .. ':sites', unpack(ARGV, 3))
return ARGV[1]
"""
# A site's lease (KEYS[1]) for holder ARGV[1], for ARGV[2] ms, while its host's key
# (KEYS[2]) is free or the holder's own: one step, so two workers never split a host.
_ACQUIRE = """
local host = redis.call('GET', KEYS[2])
if host and host ~= ARGV[1] then return 0 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
"""
# Both keys renewed, or none: a holder whose host went to another worker (it was paused
# past the TTL) has lost the site too.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local host = redis.call('GET', KEYS[2])
if host and host ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# The host's key kept ARGV[2] ms more (one request delay) after its last site is given up:
# the next worker's first request then comes a delay after this one's last.
_COOL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


def keys(site: str) -> dict[str, str]:
    """A site's frontier keys: its request queue, duplicate filter and in-flight hash."""
    return {
        "requests": f"{PREFIX}:{site}:requests",
        "dupefilter": f"{PREFIX}:{site}:dupefilter",
        "inflight": f"{PREFIX}:{site}:inflight",
    }


def forget(server: Any, site: str) -> None:
    """Empty a site's frontier: a new run starts it from its start pages."""
    server.delete(*keys(site).values())


class ClusterError(Exception):
    """The cluster's Redis cannot be used; the message says why."""


def connect(url: str) -> Any:
    """A Redis client for ``url``, checked at once so a wrong URL fails before any crawl."""
    try:
        import redis
    except ImportError:
        raise ClusterError("--redis needs the redis extra: pip install 'tinkhac[redis]'") from None
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise ClusterError(f"cannot use Redis at {url}: {exc}") from None
    return client


def worker_name() -> str:
    """Who holds a lease, as ``redis-cli get tinkhac:lease:<site>`` shows it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Run:
    """The run this worker takes part in."""

    def __init__(self, server: Any, run_id: str) -> None:
        self.server = server
        self.id = run_id
        self._key = f"{CURRENT_RUN}:{run_id}"

    @classmethod
    def join(cls, server: Any, sites: Iterable[str]) -> Run:
        """Join the unfinished run, or start one of these sites."""
        new_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(2)
        run_id = server.eval(_JOIN, 1, CURRENT_RUN, new_id, OLD_RUN_SECONDS, *sorted(sites))
        return cls(server, run_id.decode())

    def left(self) -> list[str]:
        """The sites not done yet, in a stable order."""
        return sorted(
            s.decode() for s in self.server.sdiff(f"{self._key}:sites", f"{self._key}:done")
        )

    def is_done(self, site: str) -> bool:
        return bool(self.server.sismember(f"{self._key}:done", site))

    def draining(self) -> bool:
        return bool(self.server.exists(DRAIN))

    def mark_done(self, site: str) -> None:
        self.server.sadd(f"{self._key}:done", site)

    def begin(self, site: str) -> bool:
        """Note that a crawl of the site starts; True if it is the run's first, whose
        frontier is then emptied (what is left is an earlier run's), False if it goes on
        from a worker that was killed or stopped."""
        first = bool(self.server.sadd(f"{self._key}:started", site))
        if first:
            forget(self.server, site)
        return first


class Lease:
    """One worker's hold on one site, and with it on the site's host."""

    def __init__(
        self, server: Any, site: str, host: str, holder: str, ttl_ms: int, cool_ms: int = 0
    ) -> None:
        """``cool_ms``: how long the host stays this holder's after its last site is given
        up (the request delay), so that no other worker's request follows too closely."""
        self.server = server
        self.site = site
        self.host = host
        self.key = f"{PREFIX}:lease:{site}"
        self.host_key = f"{PREFIX}:host:{host}"
        self.holder = holder
        self.ttl_ms = ttl_ms
        self.cool_ms = cool_ms

    def acquire(self) -> bool:
        """False if another worker holds the site, or another site of its host."""
        keys = (self.key, self.host_key)
        return bool(self.server.eval(_ACQUIRE, 2, *keys, self.holder, self.ttl_ms))

    def renew(self) -> bool:
        """False if the lease was lost (it expired, and perhaps another worker has it)."""
        keys = (self.key, self.host_key)
        return bool(self.server.eval(_RENEW, 2, *keys, self.holder, self.ttl_ms))

    def release(self, last_of_host: bool = True) -> None:
        """Give the site up, and its host too when the holder crawls no other site of it."""
        self.server.eval(_RELEASE, 1, self.key, self.holder)
        if last_of_host and self.cool_ms > 0:
            self.server.eval(_COOL, 1, self.host_key, self.holder, self.cool_ms)
        elif last_of_host:
            self.server.eval(_RELEASE, 1, self.host_key, self.holder)
