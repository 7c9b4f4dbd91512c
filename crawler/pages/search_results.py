"""Page object for one page of the site's search API (`/rest/en/search`), read defensively.

No raw answer of the API is stored anywhere: its envelope is known only from the clients that
read it (site-map.md §3): a top-level `content` list and `totalPages`, items with `url`, `title`,
`pubDateStr` ("YYYY-MM-DD HH:MM", Beijing), `publishTime` (epoch ms), `id`, `channelName`,
`source`, `columnName`. So every part of it may be missing, null, or of another type; the body
may be HTML, or JSON with raw control characters inside strings. What cannot be read is said in
`problem`, never guessed at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from crawler.pages.dates import parse_beijing

SEARCH_PATH = "/rest/en/search"


def search_url(base_url: str, day: str, page: int) -> str:
    """The API's newest-first results of one day (Beijing), page counted from 0."""
    query = {
        "keywords": "",
        "sort": "dp",
        "page": page,
        "curType": "story",
        "type": "",
        "channel": "",
        "source": "",
        "publishedDateFrom": day,
        "publishedDateTo": day,
    }
    return f"{base_url.rstrip('/')}{SEARCH_PATH}?{urlencode(query)}"


@dataclass(frozen=True)
class SearchHit:
    """One result: the link as the API gives it, and what it says of the article."""

    url: str
    title: str | None
    published: datetime | None
    """UTC, from publishTime, else pubDateStr."""
    section: str | None
    """columnName, else channelName: the API's own name for where the article stands."""


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total_pages: int | None
    problem: str | None = None
    """Why the page could not be read (then `hits` is empty): not JSON, no content list."""
    skipped: int = 0
    """Items of `content` that were no result (not an object, no URL)."""


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _published(item: dict[str, Any]) -> datetime | None:
    stamp = item.get("publishTime")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
        try:
            return datetime.fromtimestamp(stamp / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return parse_beijing(_text(item.get("pubDateStr")))


def read_search_page(response: Response) -> SearchPage:
    """The results of one API answer, or the problem that kept them from being read."""
    text = response.body.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text:
        return SearchPage([], None, "empty body")
    if text.startswith("<"):
        return SearchPage([], None, "an HTML page, not JSON")
    try:
        # strict=False: raw control characters (newlines, tabs) inside strings, as the API's
        # plainText fields are reported to carry, are read rather than refused.
        data = json.loads(text, strict=False)
    except ValueError as error:
        return SearchPage([], None, f"not JSON ({error.__class__.__name__}: {str(error)[:80]})")
    if not isinstance(data, dict):
        return SearchPage([], None, f"JSON {type(data).__name__}, not an object")
    content = data.get("content")
    if content is None:
        content = []
    if not isinstance(content, list):
        return SearchPage([], None, f"'content' is a {type(content).__name__}, not a list")
    total = data.get("totalPages")
    total_pages = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    hits, skipped = [], 0
    for item in content:
        url = _text(item.get("url")) if isinstance(item, dict) else None
        if url is None:
            skipped += 1
            continue
        section = _text(item.get("columnName")) or _text(item.get("channelName"))
        hits.append(SearchHit(url, _text(item.get("title")), _published(item), section))
    return SearchPage(hits, total_pages, None, skipped)
