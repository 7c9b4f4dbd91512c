"""The names of the crawl's stats that one component writes and others read, and reading them back.

Writers (the spider, pipelines, extensions) and readers (health checks, the crawl summary, the
`chinadaily-archive` command, the scheduled crawl's summary) share these names; a crawl run's
stats are kept as JSON in `crawl_runs.stats`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.verdicts import Verdict

# Scrapy's own.
RESPONSES = "downloader/response_count"
ERRORS_LOGGED = "log_count/ERROR"

# The walk (crawler/spiders/section.py, section_walks.py).
WALK_MODE = "walk/mode"
LIST_PAGES = "list/pages"
LIST_CURRENT_PAGE = "list/current_page"
LIST_LAST_PAGE = "list/last_page"
LIST_FIRST_PAGE_ITEMS = "list/first_page_items"
LIST_SECTION = "list/section"
LIST_FALLBACK = "list/fallback"

# The whole site's navigation (crawler/spiders/site.py).
SITE_SECTIONS = "site/sections"
"""The section paths walked, a list."""
SITE_SECTIONS_FOUND = "site/sections_found"
SITE_DROPPED_SECTIONS = "site/dropped_sections"
"""Sections walked by earlier runs that the navigation no longer shows, a list."""
NAVIGATION_PAGES = "navigation/pages"
NAVIGATION_SECTIONS = "navigation/sections"
NAVIGATION_OFFSITE_LINKS = "navigation/offsite_links"
NAVIGATION_OTHER_LINKS = "navigation/other_links"
NAVIGATION_FAILED = "navigation/failed"
"""The navigation pages that could not be read, each with its reason, a list."""
ARTICLES_EXTRACTED = "article/extracted"
RECHECK_NOT_MODIFIED = "recheck/not_modified"
EXTRACT_FALLBACK = "extract/fallback"
EXTRACT_FAILED = "extract/failed"

# The archive (pipelines/storage.py); one `archive/articles_<outcome>` per way an article is stored.
ARCHIVE_FATAL = "archive/fatal"
ARCHIVE_UNWRITTEN = "archive/unwritten_items"
ARCHIVE_RUN_ID = "archive/crawl_run_id"
ARTICLES_NEW = "archive/articles_new"
ARTICLES_UPDATED = "archive/articles_updated"
ARTICLES_UNCHANGED = "archive/articles_unchanged"
ARTICLES_GONE = "archive/articles_gone"
DEAD_URLS = "archive/dead_urls"
FAILED_URLS = "archive/failed_urls"

# The coverage audit (crawler/spiders/audit.py).
AUDIT_SOURCES = "audit/sources"
AUDIT_REQUESTS = "audit/index_requests"
"""Requests to the indexes (search API pages, feeds, sitemaps)."""
AUDIT_DAYS_READ = "audit/days_read"
AUDIT_DAYS_FAILED = "audit/days_failed"
AUDIT_FAILED_DAYS = "audit/failed_days"
"""Each day that could not be read, with its source and reason, a list."""
AUDIT_FETCHES = "audit/fetches"
"""Articles the archive lacked, fetched."""


def audit_key(source: str, name: str) -> str:
    """`audit/<source>/<name>`: found, listed (a section list had shown them), missing (not in the archive)."""
    return f"audit/{source}/{name}"


# The health checks (crawler/extensions/health.py): the list of failures, empty when all passed.
HEALTH_FAILED = "health/failed"
HEALTH_WARNINGS = "health/warnings"
"""What the health checks found worth a look but not a failure, a list."""

# Several workers (crawler/distributed.py).
SHARED_RUN = "shared/run"
SHARED_WORKER = "shared/worker"
SHARED_ROLE = "shared/role"
SHARED_END = "shared/end"

# WARC capture and replay (crawler/warc.py, crawler/replay.py).
WARC_FILES = "warc/files"
REPLAY_RESPONSES = "replay/responses"

_SLUG = re.compile(r"[^a-z0-9]+")
_VERDICTS = frozenset(verdict.value for verdict in Verdict)


def verdict_key(verdict: Verdict, reason: str) -> str:
    """`verdict/<verdict>/<reason>`: one count per verdict and reason, e.g. `verdict/soft404/not_found_template`."""
    return f"verdict/{verdict}/{_SLUG.sub('_', reason.lower()).strip('_')}"


def section_key(path: str, name: str) -> str:
    """`section<path>/<name>`: one section's own count, e.g. `section/world/asia_pacific/list_pages`."""
    return f"section{path}/{name}"


def template_key(template: str) -> str:
    """`article/template/<name>`: the articles read in each site template (crawler/pages/templates.py)."""
    return f"article/template/{template}"


def field_source_key(field: str, source: str) -> str:
    """`field/<field>/<source>`: where each article's headline, body and authors came from."""
    return f"field/{field}/{source}"


def number(stats: Mapping[str, object], key: str) -> int:
    """A counter's value, 0 when it was never counted."""
    value = stats.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def verdict_reasons(stats: Mapping[str, object]) -> dict[Verdict, dict[str, int]]:
    """Pages judged in a crawl, per verdict and reason, from the `verdict/<verdict>/<reason>` stats."""
    found: defaultdict[Verdict, dict[str, int]] = defaultdict(dict)
    for key in stats:
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "verdict" and parts[1] in _VERDICTS:
            found[Verdict(parts[1])][parts[2]] = number(stats, key)
    return dict(found)


def verdict_counts(stats: Mapping[str, object]) -> dict[Verdict, int]:
    """Pages judged in a crawl, per verdict (every verdict present, 0 when none)."""
    reasons = verdict_reasons(stats)
    return {verdict: sum(reasons.get(verdict, {}).values()) for verdict in Verdict}


def jsonable_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """A crawl's stats as JSON can hold them (the run's record, the stats file): times as ISO strings."""
    result: dict[str, Any] = json.loads(
        json.dumps(stats, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
    )
    return result
