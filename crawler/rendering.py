"""Rendering script-built pages in Debian's Chromium through scrapy-playwright, only when needed.

A Scrapy add-on reads RENDER_MODE and RENDER_BROWSER_PATH once every other setting is known
(command line included) and, when rendering is possible, installs scrapy-playwright as the
download handler. A downloader middleware sends the requests marked `meta["render"]` (with
RENDER_MODE=always, every page of the walk) to the browser, each in a browser context of its
own, and closes the page and the context once the browser has answered; all other requests keep
Scrapy's own handler. The judge asks for rendering (crawler/judging.py); `render_again` is how.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

RENDER_MODES = ("auto", "always", "never")
# Chromium's flags for a headless browser in a closed network (measured on this project's CI machines).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# What a page's text never needs: the browser does not fetch these at all, nor anything from
# the trackers and share widgets the site's pages load.
BLOCKED_RESOURCES = frozenset({"image", "font", "media", "stylesheet"})
BLOCKED_HOSTS = (
    "cnzz.com",
    "webterren.com",
    "alexametrics.com",
    "google-analytics.com",
    "googletagmanager.com",
    "facebook.",
    "twitter.com",
    "weibo.com",
    "qq.com",
    "linkedin.com",
)
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# The pages of the walk, which RENDER_MODE=always renders; robots.txt and probes never are.
RENDERED_KINDS = frozenset({"list-page", "article", "extra-page"})


class RenderUnavailable(RuntimeError):
    """RENDER_MODE=always, and there is no browser to render with."""


def render_mode(settings: BaseSettings) -> str:
    mode = str(settings.get("RENDER_MODE") or "auto").lower()
    if mode not in RENDER_MODES:
        raise ValueError(f"RENDER_MODE must be one of {', '.join(RENDER_MODES)}, not {mode!r}")
    return mode


def browser_problem(settings: BaseSettings) -> str | None:
    """Why the configured browser cannot be used, or None when it can."""
    path = settings.get("RENDER_BROWSER_PATH") or ""
    if not path:
        return "no Chromium found (install Debian's chromium, or set RENDER_BROWSER_PATH)"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"RENDER_BROWSER_PATH {path!r} is not an executable file"
    return None


def should_abort_request(request: Any) -> bool:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: block images, fonts, media, stylesheets, trackers."""
    if str(request.resource_type) in BLOCKED_RESOURCES:
        return True
    host = urlsplit(str(getattr(request, "url", ""))).hostname or ""
    return any(blocked in host for blocked in BLOCKED_HOSTS)


class RenderAddon:
    """Turns rendering on when RENDER_MODE allows it and a browser is there."""

    def update_settings(self, settings: BaseSettings) -> None:
        mode = render_mode(settings)
        if settings.getlist("WARC_REPLAY_FILES"):
            # Re-extraction (crawler/replay.py): the pages Chromium rendered were captured, and
            # the replay answers the browser's requests with them; no browser is started.
            settings.set("RENDER_AVAILABLE", mode != "never", priority="addon")
            return
        problem = browser_problem(settings)
        settings.set("RENDER_AVAILABLE", mode != "never" and problem is None, priority="addon")
        if mode == "always" and problem:
            raise RenderUnavailable(f"RENDER_MODE=always, but {problem}")
        if mode == "never" or problem:
            return
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        handlers.update({"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER})
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="addon")
        settings.set(
            "PLAYWRIGHT_LAUNCH_OPTIONS",
            {"executable_path": settings.get("RENDER_BROWSER_PATH"), "headless": True, "args": CHROMIUM_ARGS},
            priority="addon",
        )
        settings.set("PLAYWRIGHT_ABORT_REQUEST", "crawler.rendering.should_abort_request", priority="addon")
        # Each rendered page gets a context of its own, closed after use; this caps how many
        # are open at once, and so the browser's memory.
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", settings.getint("RENDER_MAX_PAGES"), priority="addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 1, priority="addon")
        settings.set(
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT",
            settings.getfloat("RENDER_TIMEOUT_SECONDS") * 1000,
            priority="addon",
        )


def render_again(request: Request) -> Request:
    """The request once more, to be fetched by the browser (a page fetched once already)."""
    return request.replace(dont_filter=True, meta={**request.meta, "render": True})


class RenderFallbackMiddleware:
    """Sends requests marked for rendering to Chromium, and closes their browser page after.

    Off (NotConfigured) when the add-on found rendering impossible or RENDER_MODE is never;
    then the judge counts script-built pages as extraction failures instead.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        mode = render_mode(settings)
        if not settings.getbool("RENDER_AVAILABLE"):
            if mode == "auto":
                logger.warning(
                    "Rendering is not available (%s): article pages built by script will count as "
                    "extraction failures",
                    browser_problem(settings),
                )
            raise NotConfigured("rendering is not available")
        self.crawler = crawler
        self.always = mode == "always"
        self.wait_until = settings.get("RENDER_WAIT_UNTIL")
        self._contexts = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderFallbackMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.always and request.meta.get("page_kind") in RENDERED_KINDS:
            request.meta["render"] = True
        if not request.meta.get("render") or request.meta.get("playwright"):
            return
        request.meta.update(
            {
                "playwright": True,
                "playwright_include_page": True,
                "playwright_context": f"render-{next(self._contexts)}",
                "playwright_page_goto_kwargs": {"wait_until": self.wait_until},
            }
        )

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright"):
            await _close_browser_page(request.meta)
            self.crawler.stats.inc_value("render/pages")
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get("playwright"):
            await _close_browser_page(request.meta)
            self.crawler.stats.inc_value("render/errors")


async def _close_browser_page(meta: dict[str, Any]) -> None:
    """Close a rendered page and its browser context: each is used once."""
    page = meta.pop("playwright_page", None)
    if page is None:
        return
    try:
        await page.close()
        await page.context.close()
    except Exception as error:  # a browser that went away has closed them already
        logger.debug("Closing a rendered page failed: %r", error)
