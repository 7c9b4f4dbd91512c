"""The section spider: walks a section's list pages newest first and fetches what the archive lacks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import statkeys as keys
from crawler.dupefilter import SeenUrls
from crawler.extensions.calibration import ProbeCalibration
from crawler.items import ArticleSeenItem, SectionListingItem
from crawler.judging import Judgement, PageJudge, recorded
from crawler.pages.article_page import Listing
from crawler.rendering import RenderFallbackMiddleware, render_again
from crawler.replay import NotCaptured
from crawler.shared_run import SharedRun
from crawler.siteurls import canonical_url, is_article_url, list_page_number, normalize_origin, to_origin
from crawler.spiders.section_requests import SectionRequests
from crawler.stitching import stitch
from crawler.verdicts import Verdict
from crawler.walk import SectionWalk, WalkArguments, list_candidates
from pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)


class SectionSpider(SectionRequests, Spider):
    """Crawls one section: `scrapy crawl section -a path=/business/tech`.

    Arguments (crawler/walk.py, WalkArguments): path (set by the named spiders), max_pages (list
    pages to walk), since=YYYY-MM-DD (stop at older list items), full=1 (fetch every listed article
    again). Once a section is backfilled the walk is incremental: it stops after
    CHINADAILY_STOP_AFTER_KNOWN archived list items in a row that are not due for a re-check.
    Until then it walks every page, skipping what an interrupted backfill has done.
    """

    name = "section"
    section_path: str = ""
    whole_site = False
    """True for the spiders that walk many sections found from the navigation (crawler/spiders/site.py)."""
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
        self.arguments = self.parse_arguments(path, max_pages, since, full)
        self.section_path = self.arguments.path
        self.origin = ""
        self.walks: dict[str, SectionWalk] = {}
        """The walk of each section this spider walks, by section path."""
        self.requested = SeenUrls()
        """Canonical URLs of the articles requested in this run, whichever section listed them:
        an article listed in several sections is fetched once. Kept as 8-byte digests."""
        self.retrying: dict[str, set[str]] = {}
        """URLs that failed in earlier runs, by the canonical URL they belong to (an article's failed
        page by its article's): fetched and judged now, they are resolved."""
        self.shared_run: SharedRun | None = None
        """The shared run this worker belongs to, with REDIS_URL set (crawler/distributed.py sets it)."""

    @classmethod
    def parse_arguments(
        cls,
        path: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        full: str | bool | None = None,
    ) -> WalkArguments:
        """The walk this spider's `-a` arguments ask for; ValueError when one makes no sense."""
        return WalkArguments.parse(path or cls.section_path, max_pages, since, full)

    @classmethod
    def check_arguments(cls, arguments: dict[str, str]) -> None:
        """ValueError when an `-a` argument makes no sense, before anything is fetched. Other
        arguments become spider attributes, as in any Scrapy spider (scrapyd passes `_job`)."""
        walk = {name: arguments[name] for name in ("path", "max_pages", "since", "full") if name in arguments}
        cls.parse_arguments(**walk)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.origin = normalize_origin(settings.get("CHINADAILY_BASE_URL"))
        spider.allowed_domains = [urlsplit(spider.origin).hostname or ""]
        if spider.section_path:
            spider.add_walk(spider.section_path)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    @property
    def section_url(self) -> str:
        return self.origin + self.section_path

    async def choose_mode(self, walk: SectionWalk) -> None:
        """Backfill, incremental or full: what the archive's record of the section's walks says."""
        storage, key = self.storage, walk.section_key
        record = await storage.use(lambda archive: archive.crawl_state(key)) if storage else None
        walk.choose_mode(record, full=self.arguments.full or storage is None)
        self.crawler.stats.set_value(keys.WALK_MODE, walk.mode)
        self._share(walk, mode=walk.mode)

    # The crawl's parts are all there once the engine runs: probes calibrated, archive open.
    @cached_property
    def judge(self) -> PageJudge:
        calibration = self.crawler.get_extension(ProbeCalibration)
        return PageJudge.from_settings(
            self.crawler.settings,
            probes=calibration.probes if calibration else None,
            can_render=self.crawler.get_downloader_middleware(RenderFallbackMiddleware) is not None,
        )

    @cached_property
    def storage(self) -> StoragePipeline | None:
        return self.crawler.get_item_pipeline(StoragePipeline)

    def _count(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    async def start(self) -> AsyncIterator[Request]:
        storage, shared = self.storage, self.shared_run
        joining = shared is not None and shared.role != "seed"
        if joining:
            logger.info("Working on the shared queue of run %s", self.shared_run.run_id)  # type: ignore[union-attr]
        elif not self._restore_walks():
            for walk in list(self.walks.values()):
                await self.choose_mode(walk)
        await self.prepare()
        retry_urls = await storage.use(lambda archive: archive.unresolved_failed_urls()) if storage else []
        # An article stored without some of its pages is fetched whole again while it is young:
        # the site may finish publishing a gallery's pages late, or bring a lost page back.
        since = datetime.now(UTC) - timedelta(days=self.crawler.settings.getfloat("CHINADAILY_RECHECK_DAYS"))
        incomplete = await storage.use(lambda archive: archive.incomplete_articles(since)) if storage else []
        # Every worker of a shared run knows the URLs being retried, to mark them resolved.
        self.retrying = {}
        for failed in retry_urls:
            self.retrying.setdefault(canonical_url(failed), set()).add(failed)
        if joining:
            return
        if retry_urls:
            logger.info("Trying first %d URLs that failed in earlier runs", len(retry_urls))
        if incomplete:
            logger.info("Fetching again %d articles stored with pages missing", len(incomplete))
        retries = [(url, "retry_failed/requests") for url in retry_urls]
        for failed, stat in [*retries, *((url, "retry_incomplete/requests") for url in incomplete)]:
            # A failed page of an article (…_3.html) is retried by fetching the whole article.
            canonical = canonical_url(failed) if is_article_url(failed) else failed
            url = self.origin + urlsplit(canonical).path
            if is_article_url(url):
                if canonical in self.requested:
                    continue
                self._count(stat)
                self.requested.add(canonical)
                yield self._article_request(url, Listing(), list_page=None)
            else:
                self._count(stat)
                yield self._list_request(url, self._section_of_list(url), retry=True)
        for request in self.first_requests():
            yield request

    async def prepare(self) -> None:
        """What a spider reads from the archive before its first request (nothing, here)."""

    async def first_list_page(self, response: Response, walk: SectionWalk) -> list[Request]:
        """More to request once a section's first list page has answered (nothing, here)."""
        return []

    def first_list_page_failed(self, request: Request) -> None:
        """A section's first list page could not be fetched."""

    def first_requests(self) -> Iterator[Request]:
        """Where the walk begins: the section's first list page."""
        yield self._list_request(self.section_url, self.section_path)

    def _recorded(self, judgement: Judgement) -> Iterator[Any]:
        return recorded(judgement, self.crawler.stats, self.retrying)

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        judgement = self.judge.judge_list(response)
        for item in self._recorded(judgement):
            yield item
        walk = self.walk_of(response.meta)
        number, page = list_page_number(judgement.url), judgement.list_page
        walking = response.meta.get("walk", True)
        if walking and response.meta.get("walk_state"):
            walk.take(response.meta["walk_state"])
        if walking and number == 1:
            if page is not None:
                walk.first_page_items = len(page.entries())
                walk.section_name = page.section()
            else:
                # Not a list page at all (an error, a not-found answer): the health check says why.
                self.crawler.stats.set_value(
                    keys.section_key(walk.path, "first_page_unread"),
                    f"{judgement.verdict}: {judgement.reason}",
                )
            self._note_first_page(walk)
            for request in await self.first_list_page(response, walk):
                yield request
        if judgement.verdict != Verdict.LIST or page is None:
            logger.info("The walk ends at %s (%s: %s)", response.url, judgement.verdict, judgement.reason)
            if walking and judgement.verdict == Verdict.LIST_END:
                walk.ended_at(max(number - 1, 0))
                self._share(walk, last_page=walk.last_page)
                for state in self._advance(walk):
                    yield state
            return
        self._count_list_page(walk, page.reader)
        self.crawler.stats.max_value(keys.LIST_CURRENT_PAGE, number)
        if page.last_page_number():
            walk.pager_last_page = max(walk.pager_last_page or 0, page.last_page_number() or 0)
            self.crawler.stats.max_value(keys.LIST_LAST_PAGE, walk.pager_last_page)
        if walking:
            self._share(walk, walked=number, pager_last_page=walk.pager_last_page or "")
        candidates, counts = list_candidates(page.entries(), response.url, self.origin)
        for key, count in counts.items():
            self._count(key, count)
        urls = [candidate.canonical for candidate in candidates]
        if urls:
            yield SectionListingItem(walk.path, urls)
        known = await self.storage.use(lambda archive: archive.known(urls)) if self.storage else {}
        choice = walk.choose(candidates, known, datetime.now(UTC))
        for key, count in choice.counts.items():
            self._count(key, count)
            if key == "list/new_items":
                self._count(keys.section_key(walk.path, "new_items"), count)
        if walking:
            # Before the requests go: one dropped as a duplicate ends its fetch at once.
            walk.listed(number, len(choice.fetch))
        for candidate, archived in choice.fetch:
            listing = Listing(response.url, candidate.link, candidate.published)
            yield self._article_request(
                candidate.url, listing, number if walking else None, archived, section=walk.path
            )
        if not walking:
            return
        next_url = walk.next_page(number, page.next_page_url(), choice)
        if walk.last_page == number:
            self._share(walk, last_page=number)
        mapped = to_origin(next_url, response.url, self.origin) if next_url else None
        if mapped:
            yield self._list_request(mapped, walk.path)
        for state in self._advance(walk):
            yield state

    def _count_list_page(self, walk: SectionWalk, reader: str) -> None:
        """A list page read: counted in all and per section; those read by the generic list reader apart."""
        self._count(keys.LIST_PAGES)
        self._count(keys.section_key(walk.path, "list_pages"))
        if reader == "fallback":
            self._count(keys.LIST_FALLBACK)
            self._count(keys.section_key(walk.path, "fallback_pages"))
            logger.warning("No known list template on %s: read by the generic list reader", walk.section_url)

    async def parse_article(self, response: Response, listing: Listing) -> AsyncIterator[Any]:
        if response.status == 304:
            self._count(keys.RECHECK_NOT_MODIFIED)
            yield ArticleSeenItem(canonical_url(response.url))
        elif (judgement := self.judge.judge_article(response, listing)).verdict == Verdict.RENDER:
            self._count("render/fallback")
            logger.info("%s is built by script: rendering it", response.url)
            yield render_again(response.request)  # type: ignore[arg-type]
            return
        else:
            for output in self._recorded(judgement):
                yield output
            if judgement.article is not None and judgement.article_page is not None:
                render = bool(response.meta.get("render"))
                page, item = judgement.article_page, judgement.article
                for output in await stitch(self.crawler, self.origin, page, item, render):
                    yield output
        for state in self._fetch_ended(response.request):
            yield state

    def fetch_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        listing = request.cb_kwargs.get("listing")
        if isinstance(failure.value, NotCaptured):
            # Re-extraction: the crawl being replayed never asked for this page.
            logger.debug("Not in the WARC files, skipped: %s", request.url)
        else:
            referrer = listing.referrer if listing is not None else None
            yield from self._recorded(self.judge.judge_failure(request.url, failure.value, referrer))
        if request.callback == self.parse_list:
            logger.warning("List page %s could not be fetched: the walk ends there", request.url)
            if request.meta.get("walk", True) and list_page_number(request.url) == 1:
                self.first_list_page_failed(request)
            return
        yield from self._fetch_ended(request)
