"""Scrapy settings of chinadaily-archive: polite defaults for the real site, every custom setting documented.

Each custom setting below can be given three ways, the first found wins: `-s NAME=value` on
the command line, the environment variable NAME, the default written here.
"""

import os
import shutil


def _env(name: str, default: str) -> str:
    """The environment's value of a setting; unset and empty both mean the default."""
    return os.environ.get(name) or default


def _env_flag(name: str, default: str) -> bool:
    return _env(name, default).lower() not in ("0", "false", "no", "off")


BOT_NAME = "chinadaily-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- The site -------------------------------------------------------------------------------
CHINADAILY_BASE_URL = _env("CHINADAILY_BASE_URL", "https://www.chinadaily.com.cn")
"""Origin to crawl; links to www.chinadaily.com.cn and its mirrors are mapped onto it."""

CHINADAILY_SEARCH_BASE_URL = _env("CHINADAILY_SEARCH_BASE_URL", "https://newssearch.chinadaily.com.cn")
"""Origin of the site's search API (/rest/en/search is appended): the coverage audit's second index."""
CHINADAILY_RSS_FEEDS = _env(
    "CHINADAILY_RSS_FEEDS",
    "cndy_rss.xml,china_rss.xml,bizchina_rss.xml,world_rss.xml,opinion_rss.xml,sports_rss.xml,"
    "entertainment_rss.xml,lifestyle_rss.xml,photo_rss.xml,hk_rss.xml",
).split(",")
"""The site's RSS feeds under /rss/, for `audit -a sources=rss` (reported frozen since 2017)."""

CHINADAILY_STOP_AFTER_KNOWN = int(_env("CHINADAILY_STOP_AFTER_KNOWN", "20"))
"""Once a section is backfilled, the walk stops after this many archived list items in a row."""
CHINADAILY_RECHECK_DAYS = float(_env("CHINADAILY_RECHECK_DAYS", "3"))
"""Articles published less than this many days ago are fetched again (conditionally) for edits."""
CHINADAILY_PROGRESS_INTERVAL = float(_env("CHINADAILY_PROGRESS_INTERVAL", "60"))
"""Seconds between progress lines in the log."""

# --- The archive ----------------------------------------------------------------------------
ARCHIVE_ENABLED = _env_flag("ARCHIVE_ENABLED", "1")
"""Write items to the archive database (off only for measuring a crawl without storage)."""
ARCHIVE_DATABASE_URL = _env("ARCHIVE_DATABASE_URL", "sqlite:///archive.db")
"""Any SQLAlchemy URL: sqlite:///PATH (default archive.db) or postgresql+psycopg://..."""
ARCHIVE_BATCH_SIZE = int(_env("ARCHIVE_BATCH_SIZE", "100"))
"""Items written per transaction; a crawl killed outright loses at most one batch."""
ARCHIVE_LOCK_TIMEOUT_SECONDS = float(_env("ARCHIVE_LOCK_TIMEOUT_SECONDS", "30"))
"""SQLite: how long a write waits for another writer's lock before it fails and is retried."""
ARCHIVE_RETRIES = int(_env("ARCHIVE_RETRIES", "5"))
"""Times a failed archive read or write is tried again when the failure may pass (a lost
connection, a locked file); then the crawl stops with exit status 3."""
ARCHIVE_RETRY_DELAY_SECONDS = float(_env("ARCHIVE_RETRY_DELAY_SECONDS", "1"))
"""Pause before the first retry; it doubles each time (1 + 2 + 4 + 8 + 16 s by default)."""
ARCHIVE_SQLITE_MAX_PAGE_COUNT = int(_env("ARCHIVE_SQLITE_MAX_PAGE_COUNT", "0"))
"""SQLite: a ceiling on the archive file in pages (0: none), for a quota."""
ARCHIVE_STATS_FILE = _env("ARCHIVE_STATS_FILE", "")
"""If set, the crawl's stats are written there as JSON when it ends."""

# --- Deduplication --------------------------------------------------------------------------
DEDUP_PUBLISH_WINDOW_HOURS = float(_env("DEDUP_PUBLISH_WINDOW_HOURS", "24"))
"""Two pages with one normalised headline are one story if published this close together..."""
DEDUP_SIMHASH_MAX_DISTANCE = int(_env("DEDUP_SIMHASH_MAX_DISTANCE", "3"))
"""...and their bodies' 64-bit SimHashes differ in at most this many bits."""

# --- Judging pages --------------------------------------------------------------------------
SOFT404_MIN_BODY_CHARS = int(_env("SOFT404_MIN_BODY_CHARS", "40"))
"""A page whose body (after the fallback extractor) is shorter is 'thin', not an article."""
SOFT404_PROBES_ENABLED = _env_flag("SOFT404_PROBES_ENABLED", "1")
"""Calibrate by requesting URLs that cannot exist (a handful, at most once a day per origin)."""
SOFT404_PROBE_MAX_AGE_HOURS = float(_env("SOFT404_PROBE_MAX_AGE_HOURS", "24"))
"""Stored probe fingerprints younger than this are reused: a routine run makes no probe requests."""
SOFT404_PROBE_SIMILARITY = float(_env("SOFT404_PROBE_SIMILARITY", "0.5"))
"""A page whose text (site chrome left out) resembles the probe's answer this much is a soft-404."""
SOFT404_REDIRECT_TARGET_MIN = int(_env("SOFT404_REDIRECT_TARGET_MIN", "3"))
"""A target that this many distinct article URLs redirect to is a catch-all, not their article."""

# --- Health checks after every crawl: a failed one makes `scrapy crawl` exit with status 1 ---
HEALTH_ENABLED = _env_flag("HEALTH_ENABLED", "1")
HEALTH_MIN_FIRST_PAGE_ITEMS = int(_env("HEALTH_MIN_FIRST_PAGE_ITEMS", "1"))
"""Fewer list items on the section's first page means the list template has changed."""
HEALTH_MIN_PAGES_FOR_RATES = int(_env("HEALTH_MIN_PAGES_FOR_RATES", "10"))
"""The rates below are checked only when at least this many article pages were judged."""
HEALTH_MAX_FALLBACK_RATE = float(_env("HEALTH_MAX_FALLBACK_RATE", "0.25"))
"""Share of article pages the site's template could not read (the generic extractor had to)."""
HEALTH_MAX_SOFT404_RATE = float(_env("HEALTH_MAX_SOFT404_RATE", "0.5"))
"""Share of article pages judged dead (soft-404, HTTP error, redirect, thin)."""
HEALTH_MAX_ERROR_RATE = float(_env("HEALTH_MAX_ERROR_RATE", "0.25"))
"""Share of article pages that failed (5xx after retries, timeouts, connection errors)."""
HEALTH_MAX_DAYS_WITHOUT_NEW = float(_env("HEALTH_MAX_DAYS_WITHOUT_NEW", "7"))
"""The archive gaining no new article of the section for longer than this fails (0: off)."""
HEALTH_MIN_SEARCH_COVERAGE = float(_env("HEALTH_MIN_SEARCH_COVERAGE", "0.98"))
"""An audit fails when a smaller share of the search API's results was in the archive already."""

# --- Rendering (scrapy-playwright, Debian's Chromium) ---------------------------------------
RENDER_MODE = _env("RENDER_MODE", "auto")
"""auto: render only article pages whose text a script builds; always: every page; never."""
RENDER_BROWSER_PATH = _env("RENDER_BROWSER_PATH", "") or shutil.which("chromium") or ""
"""The Chromium executable; Debian's /usr/bin/chromium when installed."""
RENDER_MAX_PAGES = int(_env("RENDER_MAX_PAGES", "4"))
"""Pages open in the browser at once (each in a context of its own, closed after use)."""
RENDER_TIMEOUT_SECONDS = float(_env("RENDER_TIMEOUT_SECONDS", "30"))
"""How long a rendered page may take to load."""
RENDER_WAIT_UNTIL = _env("RENDER_WAIT_UNTIL", "load")
"""When a rendered page is read: 'load' (its scripts have run), or 'networkidle' (also what
they fetched afterwards, half a second without requests: slower)."""

# --- WARC capture (see crawler/warc.py and docs/warc.md) ---------------------------------------
WARC_DIR = _env("WARC_DIR", "")
"""Set, every response the crawl receives is kept there in WARC 1.1 files, with its request and
the crawl's context; unset, nothing is captured."""
WARC_MAX_SIZE_MB = float(_env("WARC_MAX_SIZE_MB", "1000"))
"""A WARC file is closed and the next one begun once it is this large."""
WARC_GZIP_LEVEL = int(_env("WARC_GZIP_LEVEL", "1"))
"""zlib level of each record's gzip member, 1 (fastest) to 9 (smallest): 1 takes an eighth of 9's
time for files 12 % larger, so that capture costs the crawl about 5 % of its pages/s."""
WARC_PREFIX = _env("WARC_PREFIX", "chinadaily")
"""WARC file names begin with this, then the spider: PREFIX-SPIDER-TIMESTAMP-SERIAL-HOST-PID.warc.gz."""

# Set by `chinadaily-archive reextract` (crawler/reextract.py), not by hand: the WARC files whose
# responses answer the crawl's requests, and others whose probes may stand in.
WARC_REPLAY_FILES: list[str] = []
WARC_REPLAY_PROBE_FILES: list[str] = []
WARC_REPLAY_SHARE = ""
"""Set by `reextract --workers N` for each worker, "K/N": it replays the articles of the K-th share."""

# --- Several workers (see crawler/distributed.py and docs/distributed.md) --------------------------
REDIS_URL = _env("REDIS_URL", "")
"""Set (redis://HOST:6379/0), workers started with the same command share one frontier in Redis
through scrapy-redis; unset, the crawl is a single process and Redis is not needed."""
REDIS_KEY_PREFIX = _env("REDIS_KEY_PREFIX", "chinadaily-archive")
"""The Redis keys of shared runs start with this (then the spider and the section)."""
REDIS_WORKER_TIMEOUT_SECONDS = float(_env("REDIS_WORKER_TIMEOUT_SECONDS", "60"))
"""A worker silent this long (no heartbeat: killed, or its machine gone) counts as lost; the
others stop waiting for it, and the next run walks again to recover what it held."""
REDIS_POLL_SECONDS = float(_env("REDIS_POLL_SECONDS", "0.5"))
"""How often a worker with nothing to do looks at the shared queue again."""

# Rendering and the shared frontier are switched on (or not) once all settings are known: see
# crawler/rendering.py and crawler/distributed.py.
ADDONS = {"crawler.rendering.RenderAddon": 100, "crawler.distributed.SharedFrontierAddon": 110}

# --- Politeness: the defaults are for the real site; tests on 127.0.0.1 override them -------
USER_AGENT = (
    "chinadaily-archive/0.1 (+https://github.com/chinadaily-archive/chinadaily-archive; "
    "a research archive of China Daily's English news)"
)
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
CHINADAILY_RETRY_AFTER_MAX_SECONDS = float(_env("CHINADAILY_RETRY_AFTER_MAX_SECONDS", "120"))
"""The longest Retry-After the crawl waits before retrying a 429/503; longer ones are capped."""

# A news page is well under a megabyte; a bigger answer (or one that inflates to more) is a
# fault, not an article.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.RetryAfterMiddleware": 550,
    # Below the decompression middleware (590): it sees the inflated body.
    "crawler.encoding.Utf8FirstMiddleware": 560,
    # Sends requests marked for rendering to the browser and closes their page after, before a
    # retry copies the request (only when rendering is possible).
    "crawler.rendering.RenderFallbackMiddleware": 900,
    # Next to the download handler: it sees each response as it came, before redirects,
    # retries and decompression (only with WARC_DIR set).
    "crawler.warc.WarcCaptureMiddleware": 950,
}

DUPEFILTER_CLASS = "crawler.dupefilter.RedirectAwareDupeFilter"

# Scrapy reads the source of every callback, on every response, to warn about a generator that
# returns a value: a tenth of the crawl's CPU time (py-spy). Our callbacks return none; mypy
# checks their types.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy hands each response's output to CONCURRENT_ITEMS asyncio tasks, made anew per
# response; a callback here yields one article or a list page's twenty-odd requests, and the
# pipelines only buffer. 100 tasks per page cost a quarter of the crawl's time, and 8 still
# about 3 % (py-spy): one task takes a response's outputs in order, as they come.
CONCURRENT_ITEMS = 1
MALLOC_ARENA_MAX = int(_env("MALLOC_ARENA_MAX", "2"))
"""glibc's malloc arenas in the crawl's process (crawler/extensions/memory.py); 0 leaves glibc's default."""

COMMANDS_MODULE = "crawler.commands"

EXTENSIONS = {
    "crawler.extensions.memory.MallocArenas": 100,
    "crawler.extensions.calibration.ProbeCalibration": 400,
    "crawler.extensions.progress.CrawlProgress": 500,
    "crawler.extensions.health.HealthChecks": 510,
    "crawler.extensions.summary.CrawlSummary": 520,
    "crawler.replay.ReplayLeftovers": 530,
}

ITEM_PIPELINES = {
    "pipelines.dedup.DeduplicationPipeline": 200,
    "pipelines.storage.StoragePipeline": 800,
}

# The remote-control server Scrapy 2.19 starts by default has no use in an unattended crawl.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = _env("LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
