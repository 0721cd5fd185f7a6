"""Scrapy settings for tinkhac: polite defaults for small government servers.

Every value here can be overridden in the usual Scrapy ways (``-s NAME=VALUE``, a
project's settings, environment ``SCRAPY_SETTINGS_MODULE``). Test crawls of the local
replicas lift the delays with :data:`crawler.profiles.REPLICA`, never by changing these.
"""

BOT_NAME = "tinkhac"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl news` checks the site before it starts (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# Say who we are and where to complain.
USER_AGENT = (
    "tinkhac/0.1 (research crawler of public Party news; +https://github.com/tinkhac/tinkhac)"
)

# Politeness: robots.txt obeyed, two requests at a time per site at most, a delay that
# AutoThrottle widens when the server slows down.
ROBOTSTXT_OBEY = True
# Each site has its own crawler (and engine), so its total is its per-site limit; keeping
# few requests outside the scheduler also lets a stopped --job stop quickly.
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Slow servers and transient errors: retry, and back off on 429/503 (below).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is far smaller; refuse anything larger
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# Breadth-first with a LIFO-free queue keeps listing pages ahead of deep related chains.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteBoundaryMiddleware": 50,
    # Last before the download, so retries and redirects wait their turn on the host too.
    "crawler.middlewares.SharedHostMiddleware": 950,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # RFC 9309: a robots.txt unreachable (5xx, network) means disallow, not "no rules".
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsRuleMiddleware": 100,
    "crawler.middlewares.PoliteRetryMiddleware": 550,
    # Nearer the downloader than RedirectMiddleware (600): it sees every 3xx answer.
    "crawler.middlewares.RedirectMemoryMiddleware": 650,
}
# On 429/503 the whole site waits: Retry-After if the server sends it, else this many
# seconds doubled at each attempt; never longer than the cap.
TINKHAC_RETRY_BACKOFF = 5.0
TINKHAC_RETRY_AFTER_MAX = 300.0
# True: refuse every request to a host that is not this machine (the replica profile).
TINKHAC_LOOPBACK_ONLY = False
EXTENSIONS = {
    "crawler.report.RunReportExtension": 500,
    "crawler.progress.ProgressLine": 510,
}
TINKHAC_PROGRESS = True  # a progress line on stderr, only when it is a terminal
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DeduplicatePipeline": 300,
    "pipelines.jsonlines.JsonLinesWriterPipeline": 800,
    "pipelines.seen.RecordSeenPipeline": 900,
}

# Output: JSON Lines, UTF-8 text rather than \u escapes.
FEED_EXPORT_ENCODING = "utf-8"
TINKHAC_OUTPUT_DIR = "output"
# What earlier runs wrote (SQLite); default <TINKHAC_OUTPUT_DIR>/.state/state.sqlite.
TINKHAC_STATE_PATH = None
# True: ignore what earlier runs wrote and write every article found (`--fresh`).
TINKHAC_FRESH = False

# Crawl limits (also a guard against calendar and pagination traps).
TINKHAC_MAX_LISTING_PAGES = 1000  # pages per listing
TINKHAC_MAX_RELATED_DEPTH = 5  # hops through related blocks away from a listing
TINKHAC_MAX_CATEGORY_DEPTH = 2  # start page -> category -> subcategory
CLOSESPIDER_PAGECOUNT = 100_000  # requests per site per run

# No remote-control endpoints: Scrapy's telnet console and its HTTP remote control (which
# runs Python code sent to it) stay off unless a deployment turns them on.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Names under .invalid (RFC 6761) fail at once, without a DNS query leaving the machine.
TWISTED_DNS_RESOLVER = "crawler.resolver.LocalFirstResolver"
LOG_LEVEL = "INFO"
# A dropped item is counted in the run report by reason; one log line each is enough.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
# Logs of `tinkhac` runs kept in <output>/logs/ (the newest ones; older ones are deleted).
TINKHAC_LOGS_KEEP = 50
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# A page an earlier run found to be no article (an about page, a video, an empty category)
# or a redirect is not requested again for this many days.
TINKHAC_RECHECK_DAYS = 30

# Several machines (`crawl-all --redis URL`, crawler/cluster.py): the Redis that workers
# share (also chooses the Redis state store); how long a site's lease outlives a worker
# that stopped renewing it (a killed worker's sites wait this long for another); how many
# sites one worker crawls side by side.
TINKHAC_REDIS_URL = None
TINKHAC_CLUSTER_LEASE_TTL = 30.0
TINKHAC_CLUSTER_SITES_AT_ONCE = 8
# Set on a site's crawler when it goes on from a worker that was killed or stopped.
TINKHAC_CLUSTER_TAKEN_OVER = False
# The cluster run that workers share (set by `crawl-all --redis`): the Redis state store
# keeps what this run wrote under it; unset, a crawl's own TINKHAC_RUN_ID.
TINKHAC_CLUSTER_RUN_ID = None
