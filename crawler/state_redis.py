"""The state store in Redis, shared by every worker of a cluster (``TINKHAC_REDIS_URL``).

The same facts as the SQLite store (``crawler/state.py``), one hash per site and kind, so
that what one worker wrote or found is known to every other, on any machine:

- ``tinkhac:state:articles:<site>``: article id -> JSON of its url, title, fingerprint,
  related links and last_seen; ``tinkhac:state:first_seen:<site>``: id -> when first met;
- ``tinkhac:state:link_titles:<site>``: article id -> JSON list of the folded link texts
  that led to it;
- ``tinkhac:state:pages:<site>``: canonical URL -> JSON ``[kind, target, last_seen]``;
- ``tinkhac:state:runs:<site>``: run id -> JSON of the run's figures (the breakage alarm);
- ``tinkhac:state:run:<run>:ids:<site>`` and ``…:content:<site>``: sets of the ids and
  content fingerprints the cluster run ``<run>`` has written, so that a worker taking over
  a site mid-run writes no article a dead worker wrote; they expire after
  :data:`RUN_KEYS_SECONDS` without a write.

Every method is one round trip; a lookup reads hashes by field, never scans. Only the
holder of a site's lease writes the site's keys, so plain writes suffice, except that a
link text is appended atomically (a small Lua script), as SQLite's ``INSERT OR IGNORE``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawler.cluster import PREFIX as PACKAGE_PREFIX
from crawler.state import HISTORY_RUNS, KnownArticle, KnownPage, StateStore, now_iso

#: The state's keys, beside the cluster's (crawler/cluster.py names those).
PREFIX = f"{PACKAGE_PREFIX}:state"
#: A cluster run's "written" sets outlive its last write by this long, then Redis drops
#: them: longer than any run, so a run that goes on after a pause still has them.
RUN_KEYS_SECONDS = 30 * 24 * 3600

_ADD_LINK_TITLE = """
local shown = {}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then shown = cjson.decode(current) end
for _, text in ipairs(shown) do
  if text == ARGV[2] then return 0 end
end
shown[#shown + 1] = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(shown))
return 1
"""


def _key(kind: str, site: str) -> str:
    return f"{PREFIX}:{kind}:{site}"


class RedisStateStore(StateStore):
    """One Redis client (a connection pool) per crawler, closed when its engine stops."""

    def __init__(self, client: Any, run_id: str) -> None:
        """``run_id``: the run whose workers share what each wrote (see the module doc)."""
        self.redis = client
        self.run_id = run_id
        self._add_link_title_script = client.register_script(_ADD_LINK_TITLE)

    @classmethod
    def from_settings(cls, settings: Any) -> RedisStateStore:
        """The store on ``TINKHAC_REDIS_URL``, for the cluster run of the settings (else,
        for a lone ``-s TINKHAC_REDIS_URL=…`` crawl, the process's own run)."""
        try:
            import redis
        except ImportError:
            raise RuntimeError(
                "TINKHAC_REDIS_URL needs the redis extra: pip install 'tinkhac[redis]'"
            ) from None
        run_id = settings.get("TINKHAC_CLUSTER_RUN_ID") or settings.get("TINKHAC_RUN_ID") or ""
        client = redis.Redis.from_url(settings.get("TINKHAC_REDIS_URL"), decode_responses=True)
        return cls(client, run_id)

    def _run_key(self, kind: str, site: str) -> str:
        return f"{PREFIX}:run:{self.run_id}:{kind}:{site}"

    def get(self, site: str, article_id: str) -> KnownArticle | None:
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(_key("articles", site), article_id)
            pipe.hget(_key("link_titles", site), article_id)
            article, shown = pipe.execute()
        if article is None:
            return None
        fields = json.loads(article)
        return KnownArticle(
            article_id,
            fields["title"],
            fields["fingerprint"],
            tuple(fields["related"]),
            fields["url"],
            frozenset(json.loads(shown)) if shown else frozenset(),
        )

    def _add_link_title(self, site: str, article_id: str, shown: str) -> None:
        self._add_link_title_script(keys=[_key("link_titles", site)], args=[article_id, shown])

    def record(
        self,
        site: str,
        article_id: str,
        url: str,
        title: str | None,
        fingerprint: str,
        related: list[str],
    ) -> None:
        now = now_iso()
        fields = {"url": url, "title": title, "fingerprint": fingerprint}
        fields |= {"related": related, "last_seen": now}
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(_key("articles", site), article_id, json.dumps(fields, ensure_ascii=False))
            pipe.hsetnx(_key("first_seen", site), article_id, now)
            pipe.execute()

    def remember_page(self, site: str, url: str, kind: str, target: str = "") -> None:
        self.redis.hset(_key("pages", site), url, json.dumps([kind, target, now_iso()]))

    def page(self, site: str, url: str) -> KnownPage | None:
        value = self.redis.hget(_key("pages", site), url)
        if value is None:
            return None
        kind, target, last_seen = json.loads(value)
        return KnownPage(kind, target, datetime.fromisoformat(last_seen))

    def record_run(
        self, site: str, run_id: str, found: int, written: int, coverage: dict[str, float]
    ) -> None:
        figures = {"finished_at": now_iso(), "found": found, "written": written}
        figures["coverage"] = coverage
        self.redis.hset(_key("runs", site), run_id, json.dumps(figures))

    def history(self, site: str) -> list[dict[str, Any]]:
        runs = [
            (run_id, json.loads(v)) for run_id, v in self.redis.hgetall(_key("runs", site)).items()
        ]
        runs.sort(key=lambda run: (run[1]["finished_at"], run[0]), reverse=True)
        return [
            {
                "run_id": run_id,
                "found": r["found"],
                "written": r["written"],
                "coverage": r["coverage"],
            }
            for run_id, r in runs[:HISTORY_RUNS]
        ]

    def count(self, site: str | None = None) -> int:
        if site is not None:
            return self.redis.hlen(_key("articles", site))
        return sum(self.redis.hlen(k) for k in self.redis.scan_iter(_key("articles", "*")))

    def mark_written(self, site: str, article_id: str, fingerprint: str) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            for kind, value in (("ids", article_id), ("content", fingerprint)):
                pipe.sadd(self._run_key(kind, site), value)
                pipe.expire(self._run_key(kind, site), RUN_KEYS_SECONDS)
            pipe.execute()

    def written_in_run(self, site: str, article_id: str) -> bool:
        return bool(self.redis.sismember(self._run_key("ids", site), article_id))

    def content_written_in_run(self, site: str, fingerprint: str) -> bool:
        return bool(self.redis.sismember(self._run_key("content", site), fingerprint))

    def close(self) -> None:
        self.redis.close()
