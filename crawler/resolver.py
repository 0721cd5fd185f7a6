"""Name resolution that answers special-use names itself, before any DNS query.

RFC 6761 reserves ``.invalid``: a name under it never resolves, and resolvers should say
so at once. The system resolver may still ask the network, so this resolver fails such
names itself. That keeps a mistyped test site off the network and lets the tests name an
unresolvable host (``nonexistent.invalid``) while only loopback traffic is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

#: Domains that never resolve: fail them here (RFC 6761, section 6.4).
NEVER_RESOLVES = (".invalid",)


def never_resolves(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "invalid" or name.endswith(NEVER_RESOLVES)


class LocalFirstResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with ``.invalid`` names failed without a lookup."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802
        if never_resolves(name):
            return defer.fail(DNSLookupError(f"{name} is under .invalid, which never resolves"))
        return super().getHostByName(name, timeout)
