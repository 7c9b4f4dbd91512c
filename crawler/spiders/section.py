"""The section spider: walks a section's list pages newest first and fetches what the archive lacks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import ArticleItem, ArticleSeenItem, CrawlStateItem, DeadUrlItem, FailedUrlItem
from crawler.judging import ARTICLE, ERROR_STATUSES, FAILED, LIST, LIST_END, RENDER, Judgement, PageJudge
from crawler.pages.article_page import ArticlePage, append_page
from crawler.probes import SHAPES, Fingerprint, ProbeSet, probe_url
from crawler.rendering import browser_problem, render_mode
from crawler.replay import NotCaptured
from crawler.shared_run import SharedRun
from crawler.siteurls import (
    SITE_ORIGIN,
    canonical_url,
    is_article_url,
    list_page_number,
    normalize_origin,
    site_article_id,
    to_origin,
)
from crawler.statkeys import verdict_key
from crawler.verdicts import Verdict
from pipelines.archive import Archive, ArchiveOptions, ArchiveUnavailable, KnownUrl

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

# Article requests also take 304 Not Modified, the answer to a conditional re-check.
ARTICLE_STATUSES = [304, *ERROR_STATUSES]


def _failure_reason(failure: Failure) -> tuple[str, str]:
    """The error's type name and its message."""
    return (failure.type.__name__ if failure.type else "error"), failure.getErrorMessage()


def other_urls(canonical: str, link: str | None, redirected_from: list[str]) -> list[str]:
    """Where else the article was found: a link to a mirror host, URLs that redirected to it."""
    urls = [link] if link and urlsplit(link).hostname != urlsplit(SITE_ORIGIN).hostname else []
    urls += [canonical_url(url) for url in redirected_from]
    return [url for url in dict.fromkeys(urls) if url != canonical]


class SectionSpider(Spider):
    """Crawls one section: `scrapy crawl section -a path=/business/tech`.

    Arguments: path (the section's path; set by the named spiders), max_pages (list pages
    to walk, default all), since (YYYY-MM-DD: stop at list items older than that day, UTC),
    full=1 (walk every list page and fetch every listed article again, whatever the archive
    holds; archived ones with conditional requests).

    The walk is incremental: once a section has been backfilled completely, it stops after
    CHINADAILY_STOP_AFTER_KNOWN list items in a row that are archived and not due for a
    re-check. Until then, it walks every page, skipping over the pages an interrupted backfill
    has already done, and records how far it has reached.
    """

    name = "section"
    section_path: str = ""
    allowed_domains: list[str]

    def __init__(
        self,
        *args: Any,
        path: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        full: str | bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        section_path = path or self.section_path
        if not section_path:
            raise ValueError("no section given: use a named spider or -a path=/world/asia_pacific")
        self.section_path = "/" + section_path.strip().strip("/")
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages!r}")
        self.since = (
            datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC) if since else None
        )
        self.full = str(full).lower() in ("1", "true", "yes") if full is not None else False
        self.origin = ""
        self.judge: PageJudge
        self.archive: Archive | None = None
        self.retrying: set[str] = set()
        self.mode = "backfill"
        self.resume_page = 0
        """The page an interrupted backfill continues from (0: none)."""
        self.requested: set[str] = set()
        """Canonical URLs of the articles requested in this run."""
        self.pending: dict[int, int] = {}
        """Article fetches not yet finished, per list page."""
        self.done_through = 0
        """List pages 1..done_through are walked and all their articles handed on."""
        self.last_page: int | None = None
        """The section's last list page, once the walk has reached it."""
        self.pager_last_page: int | None = None
        self.known_in_a_row = 0
        """Archived, not-due list items in a row so far: the incremental stop rule counts them."""
        self.first_page_items: int | None = None
        self.section_name: str | None = None
        self.stop_after_known = 20
        self.render_mode = "auto"
        self.render_available = False
        self.rendered_pages = 0
        self.recheck_age = timedelta(days=3)
        self.shared_run: SharedRun | None = None
        """The shared run this worker belongs to, with REDIS_URL set (crawler/distributed.py sets it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.origin = normalize_origin(settings.get("CHINADAILY_BASE_URL"))
        spider.allowed_domains = [urlsplit(spider.origin).hostname or ""]
        spider.judge = PageJudge(
            settings.getint("SOFT404_MIN_BODY_CHARS"),
            redirect_target_min=settings.getint("SOFT404_REDIRECT_TARGET_MIN"),
        )
        spider.render_mode = render_mode(settings)
        spider.stop_after_known = settings.getint("CHINADAILY_STOP_AFTER_KNOWN")
        spider.recheck_age = timedelta(days=settings.getfloat("CHINADAILY_RECHECK_DAYS"))
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    @property
    def section_url(self) -> str:
        return self.origin + self.section_path

    def _count(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def _set_max(self, key: str, value: int) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.max_value(key, value)

    # --- Start: archive, calibration, failed URLs first, the walk's mode --------------------

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        if settings.getbool("ARCHIVE_ENABLED"):
            assert self.crawler.stats is not None
            if self.crawler.stats.get_value("archive/fatal"):
                return
            options = ArchiveOptions.from_settings(settings)
            self.archive = await self._archive(Archive.acquire, settings.get("ARCHIVE_DATABASE_URL"), options)
            if self.archive is None:
                return
        if settings.getbool("SOFT404_PROBES_ENABLED"):
            self.judge.probes = await self._calibrate()
        # The rendering add-on has settled RENDER_AVAILABLE by now (after the spider was made).
        self.render_available = self.crawler.settings.getbool("RENDER_AVAILABLE")
        self.judge.can_render = self.render_available
        if self.render_mode == "auto" and not self.render_available:
            logger.warning(
                "Rendering is not available (%s): article pages built by script will count as "
                "extraction failures",
                browser_problem(self.crawler.settings),
            )
        shared = self.shared_run
        if shared is not None and shared.role == "seed" and shared.previous_lost and self.archive:
            # The last run's workers all died: what they held is found by walking again.
            await self._archive(self._store_walk, self._restart_walk())
        if shared is not None and shared.role != "seed":
            logger.info("Working on the shared queue of run %s", shared.run_id)
        elif not self._restore_walk():
            await self._choose_mode()
            if shared is not None:
                shared.set_info(mode=self.mode)
        retry_urls = await self._archive(self.archive.unresolved_failed_urls) if self.archive else []
        if retry_urls is None:
            return
        # Every worker of a shared run knows the URLs being retried, to mark them resolved.
        self.retrying = set(retry_urls)
        if shared is not None and shared.role != "seed":
            return
        if retry_urls:
            logger.info("Trying first %d URLs that failed in earlier runs", len(retry_urls))
        for canonical in retry_urls:
            url = self.origin + urlsplit(canonical).path
            self._count("retry_failed/requests")
            if is_article_url(url):
                self.requested.add(canonical)
                yield self._article_request(url, listed_at=None, referrer=None, list_page=None)
            else:
                yield self._list_request(url, retry=True)
        yield self._list_request(self.section_url)

    async def _archive(self, method: Callable[..., _T], *args: Any) -> _T | None:
        """Call the archive in a worker thread; if it is unavailable (after its own retries),
        say so, and stop the crawl: it cannot know what is new."""
        try:
            return await asyncio.to_thread(method, *args)
        except ArchiveUnavailable as error:
            assert self.crawler.stats is not None and self.crawler.engine is not None
            reason = f"the archive cannot be read: {error}"
            if not self.crawler.stats.get_value("archive/fatal"):
                self.crawler.stats.set_value("archive/fatal", reason)
                logger.error("%s; the crawl stops", reason)
            asyncio.get_event_loop().create_task(
                self.crawler.engine.close_spider_async(reason="archive_error")
            )
            return None

    async def _choose_mode(self) -> None:
        state = (
            await self._archive(self.archive.crawl_state, canonical_url(self.section_url))
            if self.archive
            else None
        )
        if self.full or self.archive is None:
            self.mode = "full"
        elif state is not None and state.backfill_complete:
            self.mode = "incremental"
        else:
            self.mode = "backfill"
            self.resume_page = state.reached_page if state is not None else 0
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("walk/mode", self.mode)
        detail = f", continuing after list page {self.resume_page}" if self.resume_page else ""
        logger.info("Walking %s in %s mode%s", self.section_url, self.mode, detail)

    def closed(self, reason: str) -> None:
        if self.shared_run is not None:
            self._leave_shared_run(reason)
        if self.archive is not None:
            self.archive.release()
            self.archive = None

    def _leave_shared_run(self, reason: str) -> None:
        """Leave the shared run; the last worker out records how far the walk got.

        Only then is every worker's storage flushed, so only then may the walk's progress be
        written; and if any worker stopped before the run was over, what it held is lost to this
        run, so the next walks the list pages again from the first.
        """
        assert self.crawler.stats is not None and self.shared_run is not None
        clean = reason == "finished" and not self.crawler.stats.get_value("archive/fatal")
        end = self.shared_run.leave(clean)
        self.crawler.stats.set_value("shared/end", end.outcome)
        logger.info(
            "Left shared run %s (%s%s)",
            self.shared_run.run_id,
            {
                "others": "other workers go on",
                "interrupted": "requests remain queued for the next run",
                "last": "the run is over",
            }[end.outcome],
            "; a worker stopped early, so the next run walks every list page again" if end.lost else "",
        )
        if end.outcome != "last":
            return
        info = self.shared_run.info()
        pager_last = int(info["pager_last_page"]) if info.get("pager_last_page") else None
        if end.lost:
            state = self._restart_walk()
        elif info.get("mode", self.mode) == "incremental" or "walked" not in info:
            return
        else:
            last_page = int(info["last_page"]) if info.get("last_page") else None
            state = CrawlStateItem(
                section_url=canonical_url(self.section_url),
                reached_page=last_page if last_page is not None else int(info["walked"]),
                complete=last_page is not None,
                last_page=pager_last,
            )
        if self.archive is None:
            logger.error("The shared run's walk could not be recorded: the archive is not open")
            return
        try:
            self._store_walk(state)
        except ArchiveUnavailable as error:
            logger.error("The shared run's walk could not be recorded: %s", error)

    def _restart_walk(self) -> CrawlStateItem:
        return CrawlStateItem(
            section_url=canonical_url(self.section_url), reached_page=0, complete=False, restart=True
        )

    def _store_walk(self, state: CrawlStateItem) -> None:
        assert self.archive is not None
        self.archive.store([state])

    async def _calibrate(self) -> ProbeSet:
        """Fingerprints of the site's answers to URLs that cannot exist, refreshed at most daily."""
        settings = self.crawler.settings
        now = datetime.now(UTC)
        max_age = timedelta(hours=settings.getfloat("SOFT404_PROBE_MAX_AGE_HOURS"))
        stored = (
            (await self._archive(self.archive.probe_fingerprints, self.origin) or []) if self.archive else []
        )
        fingerprints = {
            fp.shape: fp for fp in map(Fingerprint.from_record, stored) if now - fp.fetched_at < max_age
        }
        probed = []
        for shape in SHAPES:
            if shape in fingerprints:
                continue
            url = probe_url(shape, self.origin, self.section_path, now)
            request = Request(
                url, dont_filter=True, meta={"handle_httpstatus_list": ERROR_STATUSES, "probe_shape": shape}
            )
            self._count("soft404/probe/requests")
            assert self.crawler.engine is not None
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as error:  # a probe that fails leaves its shape uncalibrated
                self._count("soft404/probe/errors")
                logger.warning("Soft-404 probe %s failed: %r", url, error)
                continue
            fingerprint = Fingerprint.from_response(shape, url, response, now)
            fingerprints[shape] = fingerprint
            probed.append(fingerprint)
            logger.info(
                "Soft-404 probe %s: HTTP %d at %s, %d shingles",
                url,
                response.status,
                response.url,
                len(fingerprint.shingles),
            )
        if probed and self.archive is not None:
            rows = [fp.to_record(self.origin) for fp in probed]
            await self._archive(self.archive.save_probe_fingerprints, rows)
        return ProbeSet(fingerprints, settings.getfloat("SOFT404_PROBE_SIMILARITY"))

    # --- Requests --------------------------------------------------------------------------

    def _list_request(self, url: str, retry: bool = False) -> Request:
        # The walk's state travels with the next list page: in a shared run, another worker
        # may be the one to read it.
        walk_state = {
            "mode": self.mode,
            "known_in_a_row": self.known_in_a_row,
            "resume_page": self.resume_page,
        }
        return self._maybe_rendered(
            Request(
                url,
                callback=self.parse_list,
                errback=self.fetch_failed,
                # In a shared run, the walk goes ahead of the fetching, so that the queue holds
                # work for every worker; its progress is recorded when the run is over.
                priority=3 if self.shared_run is not None else 0,
                meta={"handle_httpstatus_list": ERROR_STATUSES, "walk": not retry, "walk_state": walk_state},
                # A list page that failed last run is retried first; the walk must still reach
                # it under the same URL, so the retry leaves no mark in the duplicate filter.
                dont_filter=retry,
            )
        )

    def _maybe_rendered(self, request: Request) -> Request:
        """With RENDER_MODE=always, every page goes through the browser."""
        if self.render_mode == "always" and self.render_available:
            return self._rendered(request)
        return request

    def _rendered(self, request: Request, again: bool = False) -> Request:
        """The request, to be fetched by Chromium in a browser context of its own."""
        assert request.callback is not None
        self.rendered_pages += 1
        meta = {
            **request.meta,
            "playwright": True,
            "playwright_include_page": True,
            "playwright_context": f"render-{self.rendered_pages}",
            "playwright_page_goto_kwargs": {"wait_until": self.crawler.settings.get("RENDER_WAIT_UNTIL")},
            "rendered": True,
            "then": getattr(request.callback, "__name__", "parse_article"),
            "then_errback": getattr(request.errback, "__name__", "fetch_failed"),
        }
        return request.replace(
            callback=self.parse_via_browser,
            errback=self.render_failed,
            meta=meta,
            # A page fetched once already is fetched again, by the browser.
            dont_filter=again or request.dont_filter,
        )

    async def parse_via_browser(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        """A page the browser rendered: close its page and context, then parse it as usual."""
        await _close_browser_page(response.meta)
        self._count("render/pages")
        result = getattr(self, response.meta["then"])(response, **kwargs)
        if hasattr(result, "__aiter__"):
            async for output in result:
                yield output
        else:
            for output in result:
                yield output

    async def render_failed(self, failure: Failure) -> AsyncIterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        await _close_browser_page(request.meta)
        self._count("render/errors")
        for output in getattr(self, request.meta["then_errback"])(failure):
            yield output

    def _article_request(
        self,
        url: str,
        listed_at: datetime | None,
        referrer: str | None,
        list_page: int | None,
        link: str | None = None,
        known: KnownUrl | None = None,
    ) -> Request:
        headers = {}
        if known is not None and known.http_etag:
            headers["If-None-Match"] = known.http_etag
        if known is not None and known.http_last_modified:
            headers["If-Modified-Since"] = known.http_last_modified
        request = Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={"listed_at": listed_at, "referrer": referrer, "link": link},
            # Finished articles outrank the next list page: the walk stays close behind
            # the fetching, and the reached page it records stays close to the truth.
            priority=1,
            meta={"handle_httpstatus_list": ARTICLE_STATUSES, "list_page": list_page},
        )
        return self._maybe_rendered(request)

    def replayed_article_request(self, url: str, context: dict[str, Any]) -> Request:
        """Re-extraction: a captured article page the replayed walk did not reach."""
        return self._article_request(url, context["listed_at"], context["referrer"], None, context["link"])

    # --- The walk's bookkeeping --------------------------------------------------------------

    def _chain_done(self, request: Request | None) -> Iterator[Any]:
        """One article fetch (with its extra pages) has ended; maybe its list page is done."""
        page = request.meta.get("list_page") if request is not None else None
        if page is not None and self.pending.get(page, 0) > 0:
            self.pending[page] -= 1
        yield from self._advance()

    def request_dropped(self, request: Request) -> None:
        page = request.meta.get("list_page")
        if page is not None and self.pending.get(page, 0) > 0:
            self.pending[page] -= 1

    def _advance(self) -> Iterator[CrawlStateItem]:
        """Move the reached page past every list page whose articles are all handed on."""
        if self.shared_run is not None:
            return  # other workers fetch this walk's articles: the last one out records it
        moved = False
        while self.pending.get(self.done_through + 1) == 0:
            self.done_through += 1
            moved = True
        self._save_walk()
        if moved and self.mode != "incremental":
            complete = self.last_page is not None and self.done_through >= self.last_page
            yield CrawlStateItem(
                section_url=canonical_url(self.section_url),
                reached_page=self.done_through,
                complete=complete,
                last_page=self.pager_last_page,
            )
            if complete:
                logger.info(
                    "The backfill of %s is complete (%d list pages)", self.section_url, self.done_through
                )

    # With JOBDIR, Scrapy keeps `self.state` between runs: the walk's bookkeeping goes there
    # too, so a resumed job knows which list pages are done.
    _WALK_FIELDS = (
        "mode",
        "resume_page",
        "requested",
        "pending",
        "done_through",
        "last_page",
        "pager_last_page",
        "known_in_a_row",
        "first_page_items",
        "section_name",
    )

    def _note_first_page(self) -> None:
        """What the health checks read of the section's first list page."""
        assert self.crawler.stats is not None
        if self.first_page_items is not None:
            self.crawler.stats.set_value("list/first_page_items", self.first_page_items)
        if self.section_name:
            self.crawler.stats.set_value("list/section", self.section_name)

    def _save_walk(self) -> None:
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            state["walk"] = {name: getattr(self, name) for name in self._WALK_FIELDS}

    def _restore_walk(self) -> bool:
        state = getattr(self, "state", None)
        walk = state.get("walk") if isinstance(state, dict) else None
        if not walk:
            return False
        for name in self._WALK_FIELDS:
            setattr(self, name, walk[name])
        self._note_first_page()
        logger.info("Resuming the job's walk of %s at list page %d", self.section_url, self.done_through + 1)
        return True

    def _walk_ends(self, last_page: int | None) -> Iterator[Any]:
        """The walk has found the section's end (or stopped): what is done is recorded."""
        if last_page is not None:
            self.last_page = last_page
            if self.shared_run is not None:
                self.shared_run.set_info(last_page=last_page)
        yield from self._advance()

    # --- Callbacks -----------------------------------------------------------------------------

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        judgement = self.judge.judge_list(response)
        for item in self._record(judgement):
            yield item
        number = list_page_number(judgement.url)
        walking = response.meta.get("walk", True)
        walk_state = response.meta.get("walk_state")
        if walking and walk_state:
            self.mode = walk_state["mode"]
            self.known_in_a_row = walk_state["known_in_a_row"]
            self.resume_page = walk_state["resume_page"]
        page = judgement.list_page
        if walking and number == 1:
            self.first_page_items = len(page.entries()) if page else 0
            self.section_name = page.section() if page else None
            self._note_first_page()
        if judgement.verdict != LIST or page is None:
            logger.info("The walk ends at %s (%s: %s)", response.url, judgement.verdict, judgement.reason)
            if walking and judgement.verdict == LIST_END:
                for item in self._walk_ends(max(number - 1, 0)):
                    yield item
            return
        self._count("list/pages")
        self._set_max("list/current_page", number)
        if page.last_page_number():
            self.pager_last_page = max(self.pager_last_page or 0, page.last_page_number() or 0)
            self._set_max("list/last_page", self.pager_last_page)
        if walking and self.shared_run is not None:
            self.shared_run.set_info(walked=number, pager_last_page=self.pager_last_page or "")
        entries = page.entries()
        self._count("list/items", len(entries))
        candidates = []
        for entry in entries:
            url = to_origin(entry.url, response.url, self.origin)
            if url is None:
                self._count("list/offsite_links")
            elif not is_article_url(url):
                self._count("list/non_article_links")
                logger.debug("Not an article URL, skipped: %s", url)
            else:
                candidates.append((entry, url, canonical_url(url)))
        known = await self._archive(self.archive.known, [c for _, _, c in candidates]) if self.archive else {}
        if known is None:
            return
        requests, stop, older_seen = self._choose_items(
            candidates, known, response.url, number if walking else None
        )
        if walking:
            self.pending[number] = len(requests)
        for request in requests:
            yield request
        for item in self._walk_step(response, page.next_page_url(), number, walking, stop, older_seen):
            yield item

    def _choose_items(
        self,
        candidates: list[tuple[Any, str, str]],
        known: dict[str, KnownUrl],
        referrer: str,
        list_page: int | None,
    ) -> tuple[list[Request], bool, bool]:
        """The list items to fetch: new ones, and archived ones due for a re-check.

        Returns the requests, whether the stop rule ended the walk, and whether items older
        than `since` were reached.
        """
        requests: list[Request] = []
        now = datetime.now(UTC)
        for entry, url, canonical in candidates:
            if entry.date_problem:
                self._count(f"dates/list_{entry.date_problem}")
                logger.warning("An absurd listed time for %s (%s)", url, entry.date_problem.replace("_", " "))
            if self.since and entry.published and entry.published < self.since:
                return requests, False, True
            if canonical in self.requested:
                self._count("list/repeated_items")
                continue
            info = known.get(canonical)
            # A full walk re-checks everything; otherwise only young articles are due.
            due = info is not None and (
                self.mode == "full"
                or (
                    info.kind == "article"
                    and info.date_published is not None
                    and now - info.date_published < self.recheck_age
                )
            )
            if info is not None and not due:
                self._count("list/known_items")
                self.known_in_a_row += 1
                if self.mode == "incremental" and self.known_in_a_row >= self.stop_after_known:
                    return requests, True, False
                continue
            self.known_in_a_row = 0
            self._count("recheck/requests" if due else "list/new_items")
            self.requested.add(canonical)
            requests.append(
                self._article_request(
                    url, entry.published, referrer, list_page, entry.url, info if due else None
                )
            )
        return requests, False, False

    def _walk_step(
        self,
        response: Response,
        next_url: str | None,
        number: int,
        walking: bool,
        stop: bool,
        older_seen: bool,
    ) -> Iterator[Any]:
        """After a list page: follow the pager, skip what a backfill has done, or stop."""
        if not walking:
            return
        if stop:
            logger.info(
                "%d archived items in a row by list page %d: the archive is up to date",
                self.known_in_a_row,
                number,
            )
            yield from self._advance()
            return
        if older_seen:
            logger.info("List page %s reaches items older than %s: the walk ends", response.url, self.since)
            yield from self._advance()
            return
        if next_url is None:
            yield from self._walk_ends(number)
            return
        if self.max_pages is not None and number >= self.max_pages:
            yield from self._advance()
            return
        target = number + 1
        # An interrupted backfill walked and stored pages up to resume_page: once the head
        # of the list is known, carry on from there. New items only push old ones to later
        # pages, so nothing unseen stands before it; one page of overlap covers deletions.
        if (
            self.mode == "backfill"
            and self.resume_page
            and self.known_in_a_row >= self.stop_after_known
            and self.resume_page - 1 > target
        ):
            for skipped in range(target, self.resume_page - 1):
                self.pending[skipped] = 0
            target = self.resume_page - 1
            logger.info("Continuing the interrupted backfill at list page %d", target)
            self.resume_page = 0
            next_url = f"{self.section_url}/page_{target}.html"
        mapped = to_origin(next_url, response.url, self.origin)
        if mapped:
            yield self._list_request(mapped)
        yield from self._advance()

    def parse_article(
        self,
        response: Response,
        listed_at: datetime | None = None,
        referrer: str | None = None,
        link: str | None = None,
    ) -> Iterator[Any]:
        if response.status == 304:
            self._count("recheck/not_modified")
            yield ArticleSeenItem(canonical_url(response.url))
            yield from self._chain_done(response.request)
            return
        judgement = self.judge.judge_article(response, referrer)
        if judgement.verdict == RENDER:
            self._count("render/fallback")
            logger.info("%s is built by script: rendering it", response.url)
            assert response.request is not None
            yield self._rendered(response.request, again=True)
            return
        yield from self._record(judgement)
        item, page = judgement.article, judgement.article_page
        if item is None or page is None:
            yield from self._chain_done(response.request)
            return
        item.aliases = other_urls(item.canonical_url, link, response.meta.get("redirect_urls", []))
        item.warc_records = _warc_record(response)
        item.http_etag = _header(response, "ETag")
        item.http_last_modified = _header(response, "Last-Modified")
        # A list's time belongs to the article it links; one reached by redirect from
        # another id keeps the time of its own id.
        if listed_at is not None and site_article_id(response.url) == site_article_id(judgement.url):
            item.date_published = listed_at
        yield from self._next_page_or_item(page, item, response.request)

    def parse_extra_page(self, response: Response, item: ArticleItem) -> Iterator[Any]:
        if response.status >= 500:
            yield from self._article_failed(item, f"extra page {response.url}: HTTP {response.status}")
            yield from self._chain_done(response.request)
            return
        if response.status >= 300 or not isinstance(response, TextResponse):
            # The pager links a page the site does not have: keep the pages that exist.
            yield from self._without_extra_page(item, response.request, f"answered {response.status}")
            return
        page = ArticlePage(response)
        append_page(item, page)
        item.warc_records += _warc_record(response)
        self._count("article/extra_pages")
        yield from self._next_page_or_item(page, item, response.request)

    def _without_extra_page(self, item: ArticleItem, request: Request | None, why: str) -> Iterator[Any]:
        """An extra page the article cannot have: it is stored with the pages it has."""
        self._count("article/missing_pages")
        logger.warning(
            "Extra page %s of %s %s; stored without it", request.url if request else "?", item.url, why
        )
        self._count("article/extracted")
        yield item
        yield from self._chain_done(request)

    def _next_page_or_item(
        self, page: ArticlePage, item: ArticleItem, request: Request | None
    ) -> Iterator[Any]:
        next_url = page.next_page_url()
        mapped = to_origin(next_url, page.url, self.origin) if next_url else None
        if mapped:
            # The extra pages of an article that had to be rendered are rendered too.
            render = (
                self._rendered
                if request is not None and request.meta.get("rendered")
                else self._maybe_rendered
            )
            yield render(
                Request(
                    mapped,
                    callback=self.parse_extra_page,
                    errback=self.extra_page_failed,
                    cb_kwargs={"item": item},
                    priority=2,
                    meta={
                        "handle_httpstatus_list": ERROR_STATUSES,
                        "list_page": request.meta.get("list_page") if request is not None else None,
                    },
                )
            )
            return
        self._count("article/extracted")
        yield item
        yield from self._chain_done(request)

    def _record(self, judgement: Judgement) -> Iterator[Any]:
        """Count a verdict, say it in the log, and yield what the archive keeps of it."""
        self._count(judgement.stat_key)
        if judgement.verdict not in (ARTICLE, LIST):
            log = logger.warning if judgement.verdict == FAILED else logger.info
            log("%s (%s): %s", judgement.verdict, judgement.reason, judgement.url)
        if judgement.fallback:
            self._count("extract/fallback")
            logger.warning(
                "The site template gave no headline or body; generic extractor used: %s", judgement.url
            )
        if judgement.verdict == "thin":
            self._count("extract/failed")
        for problem in judgement.date_problems:
            self._count(f"dates/{problem}")
            logger.warning("An absurd time on %s (%s)", judgement.url, problem.replace("_", " "))
        for earlier in judgement.also_dead:
            self._count(judgement.stat_key)
            yield earlier
        for item in (judgement.dead, judgement.failed):
            if item is not None:
                yield item
        canonical = canonical_url(judgement.url)
        if judgement.verdict != FAILED and canonical in self.retrying:
            self.retrying.discard(canonical)
            yield FailedUrlItem(url=canonical, reason="", resolved=True)

    def _article_failed(self, item: ArticleItem, reason: str) -> Iterator[Any]:
        self._count("article/incomplete")
        logger.warning("%s; %s is not stored incomplete and is tried again next run", reason, item.url)
        yield FailedUrlItem(url=item.canonical_url, reason=reason)

    def extra_page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        if isinstance(failure.value, NotCaptured):
            # Re-extraction: today's page objects see a page the crawl did not fetch.
            yield from self._without_extra_page(
                request.cb_kwargs["item"], request, "is not in the WARC files"
            )
            return
        error, message = _failure_reason(failure)
        yield from self._article_failed(
            request.cb_kwargs["item"], f"extra page {request.url}: {error}: {message}"
        )
        yield from self._chain_done(request)

    def fetch_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        referrer = request.cb_kwargs.get("referrer")
        if isinstance(failure.value, NotCaptured):
            # Re-extraction: the crawl being replayed never asked for this page.
            logger.debug("Not in the WARC files, skipped: %s", request.url)
        elif isinstance(failure.value, IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            self._count(verdict_key(Verdict.HTTP_ERROR, "forbidden by robots.txt"))
            yield DeadUrlItem(
                url=request.url,
                canonical_url=canonical_url(request.url),
                kind="http_error",
                reason="forbidden by robots.txt",
                referrer=referrer,
            )
        else:
            error, message = _failure_reason(failure)
            yield from self._record(self.judge.judge_failure(request.url, error, message, referrer))
        if request.callback == self.parse_list:
            logger.warning("List page %s could not be fetched: the walk ends there", request.url)
            return
        yield from self._chain_done(request)


def _warc_record(response: Response) -> list[str]:
    """The WARC record the page was captured in (crawler/warc.py), if capture is on."""
    record = response.meta.get("warc_record")
    return [record] if record else []


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


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
