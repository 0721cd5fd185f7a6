"""Settings profiles applied on top of :mod:`crawler.settings` for a purpose."""

#: Crawling the bundled replicas on 127.0.0.1: our own server, so no delay, no throttle.
REPLICA = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    # Retries as in production (RETRY_TIMES 3), so that a storm that passes after two
    # failures is survived here as it is on the web; only the wait between them is short.
    "TINKHAC_RETRY_BACKOFF": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
    "TINKHAC_LOOPBACK_ONLY": True,
}

#: The replicas crawled with a real, short delay: the politeness tests use it to see that
#: each site keeps its own delay while sites run side by side in one process.
REPLICA_POLITE = {
    **REPLICA,
    "DOWNLOAD_DELAY": 0.3,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.3,
    "AUTOTHROTTLE_MAX_DELAY": 2.0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
}

#: ``--profile NAME`` (a hidden option, for tests and the demo).
PROFILES = {"replica": REPLICA, "replica-polite": REPLICA_POLITE}
