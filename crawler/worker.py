"""One worker of a cluster: take sites of the run one lease at a time until it is finished.

The worker crawls up to ``TINKHAC_CLUSTER_SITES_AT_ONCE`` sites side by side, each with
its lease renewed every third of ``TINKHAC_CLUSTER_LEASE_TTL`` (by a thread, see
``_renew``). When a crawl ends it releases the lease (and marks the site done if the crawl
finished normally) and takes another site. When every site left is leased by other
workers it keeps polling, so that it takes over the site of a worker that died once that
lease expires; it stops when the run is finished. SIGINT/SIGTERM stop every crawl as
Scrapy does (gracefully; a second signal stops at once), the leases are released and the
frontier stays in Redis for the next worker. While the key ``tinkhac:drain`` exists, a
worker takes no new site, and exits once the crawls it has finished.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.ossignal import install_shutdown_handlers
from scrapy.utils.reactor import install_reactor
from twisted.internet.defer import Deferred

from crawler.cluster import DRAIN, Lease, Run

logger = logging.getLogger(__name__)

#: How a crawl may end and leave its site done: as Scrapy's own finish, or at a limit.
DONE_REASONS = ("finished", "closespider_")

#: Starts a crawl of a site (whether it goes on from another worker) and gives back its
#: crawler and the Deferred that fires when it has ended.
StartSite = Callable[[str, bool], tuple[Crawler, Deferred]]


class Worker:
    def __init__(
        self,
        process: CrawlerProcess,
        run: Run,
        holder: str,
        start_site: StartSite,
        hosts: Mapping[str, str],
    ) -> None:
        """``hosts``: the sites this worker can crawl (its sites selection), each with the
        host it is on (see :class:`crawler.cluster.Lease`)."""
        settings = process.settings
        self.process = process
        self.run = run
        self.holder = holder
        self.start_site = start_site
        self.ttl = settings.getfloat("TINKHAC_CLUSTER_LEASE_TTL")
        self.at_once = settings.getint("TINKHAC_CLUSTER_SITES_AT_ONCE")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.hosts = dict(hosts)
        self.given_up: set[str] = set()  # crawls that failed here: left to other workers
        self.active: dict[str, tuple[Lease, Crawler]] = {}
        self.stopping = False
        self._poll: Any = None
        self._lost: set[str] = set()  # sites whose lease the heartbeat found gone
        self._done = threading.Event()

    def work(self) -> None:
        """Crawl until the run is finished or a signal stops the worker (blocking)."""
        install_reactor(self.process.settings["TWISTED_REACTOR"])
        from twisted.internet import reactor

        heartbeat = threading.Thread(target=self._renew, name="tinkhac-leases", daemon=True)
        heartbeat.start()
        reactor.callWhenRunning(install_shutdown_handlers, self._on_signal)
        reactor.callWhenRunning(self._take_sites)
        try:
            self.process.start(stop_after_crawl=False, install_signal_handlers=False)
        finally:
            self._done.set()

    def _take_sites(self) -> None:
        """Start crawls of free sites while there is room; stop, or poll again later."""
        from redis import RedisError
        from twisted.internet import reactor

        self._poll = None
        if self.stopping:
            return
        try:
            self._take_free_sites()
        except RedisError as exc:  # Redis away for a while: try again at the next poll
            logger.error("cannot reach Redis to take sites (%s); trying again", exc)
            self._poll = reactor.callLater(self.ttl / 3, self._take_sites)

    def _take_free_sites(self) -> None:
        from twisted.internet import reactor

        if self.run.draining():
            logger.info("draining (%s is set): no new site", DRAIN)
            if not self.active:
                reactor.stop()
            return
        left = self._left()
        for site in left:
            if len(self.active) >= self.at_once:
                break
            if site in self.active:
                continue
            server, ttl_ms, cool_ms = self.run.server, int(self.ttl * 1000), int(self.delay * 1000)
            lease = Lease(server, site, self.hosts[site], self.holder, ttl_ms, cool_ms)
            if not lease.acquire():
                continue
            if self.run.is_done(site):  # finished by another worker since left() was read
                lease.release(self._last_of_host(site))
                continue
            going_on = not self.run.begin(site)
            crawler, ended = self.start_site(site, going_on)
            self.active[site] = (lease, crawler)
            ended.addBoth(self._ended, site)
        if not self.active and not left:
            self._say_what_is_left()
            reactor.stop()  # the run is finished, or what is left is not for this worker
        elif len(self.active) < self.at_once and left:
            self._poll = reactor.callLater(self.ttl / 3, self._take_sites)

    def _left(self) -> list[str]:
        """The run's sites not done yet that this worker may take."""
        return [s for s in self.run.left() if s in self.hosts and s not in self.given_up]

    def _last_of_host(self, site: str) -> bool:
        """Whether no other crawl of this worker is on the site's host (it keeps the host)."""
        return all(self.hosts[other] != self.hosts[site] for other in self.active if other != site)

    def _say_what_is_left(self) -> None:
        """An unfinished run that this worker cannot finish blocks the next run: say so."""
        left = self.run.left()
        if left:
            logger.warning(
                "run %s is not finished: %s left (failed here, or not in this worker's "
                "sites); `redis-cli del tinkhac:run` lets the next worker start a new run",
                self.run.id,
                ", ".join(left),
            )

    def _ended(self, result: Any, site: str) -> Any:
        from redis import RedisError

        lease, crawler = self.active.pop(site)
        self._lost.discard(site)
        stats = crawler.stats.get_stats() if crawler.stats else {}
        finished = str(stats.get("finish_reason", "")).startswith(DONE_REASONS)
        if not finished and not stats.get("tinkhac/cluster/lease_lost"):
            self.given_up.add(site)  # not retried in a loop here; another worker may
        try:
            if finished and not self.stopping:
                self.run.mark_done(site)
            lease.release(self._last_of_host(site))
        except RedisError as exc:  # its lease expires; the next holder finds nothing left
            logger.error("cannot tell Redis that the crawl of %s ended: %s", site, exc)
        if self.stopping:
            if not self.active:
                from twisted.internet import reactor

                reactor.stop()
        elif self._poll is None:
            self._take_sites()
        return result

    def _renew(self) -> None:
        """Renew the leases every third of their TTL, in a thread of its own: starting a
        crawl blocks the reactor for a second or more under load (imports, the spider's
        set-up), and a lease renewed by the reactor could expire while its holder lives."""
        from redis import RedisError
        from twisted.internet import reactor

        while not self._done.wait(self.ttl / 3):
            for site, (lease, _) in list(self.active.items()):
                if site in self._lost:
                    continue
                try:
                    held = lease.renew()
                except RedisError as exc:  # it may expire unseen: stop, to stay polite
                    logger.error("cannot renew the lease of %s: %s", site, exc)
                    held = False
                if not held:
                    self._lost.add(site)
                    reactor.callFromThread(self._lease_lost, site, lease)

    def _lease_lost(self, site: str, lease: Lease) -> None:
        held = self.active.get(site)
        if held is None or held[0] is not lease:  # the crawl ended meanwhile
            self._lost.discard(site)
            return
        logger.error("lost the lease of %s (its TTL passed); stopping its crawl", site)
        held[1].stats.set_value("tinkhac/cluster/lease_lost", 1)
        held[1].stop()

    def _on_signal(self, signum: int, _: Any) -> None:
        from twisted.internet import reactor

        install_shutdown_handlers(self._on_second_signal)
        reactor.callFromThread(self._stop)

    def _on_second_signal(self, signum: int, _: Any) -> None:
        from twisted.internet import reactor

        install_shutdown_handlers(signal.SIG_IGN)
        reactor.callFromThread(reactor.stop)

    def _stop(self) -> None:
        """Stop every crawl gracefully; the leases go when they have ended."""
        from twisted.internet import reactor

        logger.info("stopping: the crawls end, their frontiers stay in Redis")
        self.stopping = True
        if self._poll is not None and self._poll.active():
            self._poll.cancel()
        if not self.active:
            reactor.stop()
        for _, crawler in list(self.active.values()):
            crawler.stop()
