"""China Daily's URL rules: canonical form, mirror hosts, article ids and origin mapping."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

SITE_ORIGIN = "https://www.chinadaily.com.cn"

# Hosts that serve the same English site under the same paths; a link to any of them
# is fetched from the configured origin and archived under SITE_ORIGIN.
MIRROR_HOSTS = frozenset(
    {
        "www.chinadaily.com.cn",
        "chinadaily.com.cn",
        "global.chinadaily.com.cn",
        "covid-19.chinadaily.com.cn",
        "usa.chinadaily.com.cn",
        "europe.chinadaily.com.cn",
    }
)

# New CMS: /a/YYYYMM/DD/WS<24 hex>.html; old CMS: /<channel>/YYYY-MM/DD/content_<id>.htm.
# Either may carry an extra-page suffix _N.
_NEW_ARTICLE = re.compile(r"/a/\d{6}/\d{2}/(WS[0-9a-f]{24})(?:_(\d+))?\.html$", re.I)
_OLD_ARTICLE = re.compile(r"/\d{4}-\d{2}/\d{2}/(content_\d+)(?:_(\d+))?\.htm$")
_LIST_PAGE = re.compile(r"/page_(\d+)\.html$")


def normalize_origin(base_url: str) -> str:
    """Return scheme://host[:port] of a configured base URL, without a trailing slash."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) origin: {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def to_origin(href: str, page_url: str, origin: str) -> str | None:
    """Resolve a link found on page_url onto origin, or None if it must not be fetched.

    Links to the site or its mirror hosts (absolute or protocol-relative) and links
    relative to a page of origin are mapped onto origin; other hosts and non-http
    schemes (javascript:, mailto:) give None.
    """
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    absolute = urljoin(page_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    origin_parts = urlsplit(origin)
    if host not in MIRROR_HOSTS and parts.netloc.lower() != origin_parts.netloc.lower():
        return None
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin}{path}{query}"


def site_link(href: str, page_url: str) -> str:
    """A link on a page as the live site means it: protocol-relative and relative links
    resolve against https://www.chinadaily.com.cn, whatever origin served the page."""
    href = href.strip()
    if href.startswith("//"):
        return "https:" + href
    return urljoin(canonical_url(page_url), href)


def canonical_url(url: str) -> str:
    """The archive's key for a page: SITE_ORIGIN + path, no query or fragment, extra pages folded."""
    path = urlsplit(url).path or "/"
    path = _strip_page_suffix(path)
    return f"{SITE_ORIGIN}{path}"


def _strip_page_suffix(path: str) -> str:
    for pattern in (_NEW_ARTICLE, _OLD_ARTICLE):
        match = pattern.search(path)
        if match and match.group(2):
            start, end = match.span(2)
            return path[: start - 1] + path[end:]
    return path


def site_article_id(url: str) -> str | None:
    """The site's own id of an article URL: 'WS<24 hex>' or 'content_<digits>'."""
    path = urlsplit(url).path
    for pattern in (_NEW_ARTICLE, _OLD_ARTICLE):
        match = pattern.search(path)
        if match:
            return match.group(1)
    return None


def is_article_url(url: str) -> bool:
    return site_article_id(url) is not None


def article_page_number(url: str) -> int:
    """1 for an article's first page, N for its extra page _N."""
    path = urlsplit(url).path
    for pattern in (_NEW_ARTICLE, _OLD_ARTICLE):
        match = pattern.search(path)
        if match:
            return int(match.group(2) or 1)
    return 1


def article_page_url(url: str, number: int) -> str:
    """The URL of page `number` of the article that url is a page of: `…_N.html` (`…_N.htm` on the
    old CMS), no suffix for page 1; same scheme and host, no query."""
    parts = urlsplit(url)
    path = _strip_page_suffix(parts.path)
    if number > 1:
        stem, _, extension = path.rpartition(".")
        path = f"{stem}_{number}.{extension}"
    return f"{parts.scheme}://{parts.netloc}{path}"


def page_address(url: str) -> str:
    """A single page's own address on the site: SITE_ORIGIN + path, its `_N` suffix kept (where a
    missing page of an article is recorded)."""
    return f"{SITE_ORIGIN}{urlsplit(url).path or '/'}"


def list_page_number(url: str) -> int:
    """1 for a section's bare URL, N for its page_N.html."""
    match = _LIST_PAGE.search(urlsplit(url).path)
    return int(match.group(1)) if match else 1


def ws_id_time(article_id: str) -> datetime | None:
    """The publication time encoded in a WS id: its first 8 hex digits are Unix seconds."""
    if not re.fullmatch(r"WS[0-9a-fA-F]{24}", article_id):
        return None
    return datetime.fromtimestamp(int(article_id[2:10], 16), tz=UTC)
