"""The section spider: walks a section's list pages newest first and fetches what the archive lacks."""

from __future__ import annotations

import logging
import re
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
from crawler.items import ArticleSeenItem, CrawlStateItem, SectionListingItem
from crawler.judging import ERROR_STATUSES, Judgement, PageJudge, recorded
from crawler.pages.article_page import Listing
from crawler.rendering import RenderFallbackMiddleware, render_again
from crawler.replay import NotCaptured
from crawler.shared_run import SharedRun
from crawler.siteurls import canonical_url, is_article_url, list_page_number, normalize_origin, to_origin
from crawler.stitching import stitch
from crawler.verdicts import Verdict
from crawler.walk import SectionWalk, WalkArguments, list_candidates
from pipelines.archive.records import KnownUrl
from pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)

# Article requests also take 304 Not Modified, the answer to a conditional re-check.
ARTICLE_STATUSES = [304, *ERROR_STATUSES]


class SectionSpider(Spider):
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

    @property
    def walk(self) -> SectionWalk:
        """The walk of a one-section spider."""
        walk = self.walks.get(self.section_path)
        if walk is None:
            # AttributeError, not KeyError: Scrapy looks over the spider's attributes.
            raise AttributeError(f"{self.name} walks many sections, not one")
        return walk

    def add_walk(self, path: str) -> SectionWalk:
        """A walk of the section at `path`, from now on one of this spider's."""
        walk = SectionWalk.from_settings(
            self.crawler.settings, self.origin + path, self.arguments, requested=self.requested
        )
        self.walks[path] = walk
        return walk

    def sections_to_restart(self, known: list[str]) -> list[str]:
        """The sections (canonical URLs) a lost shared run of this spider may have left half-walked."""
        return [self.walk.section_key]

    def walk_of(self, meta: dict[str, Any]) -> SectionWalk:
        """The walk a request belongs to; in a shared run, one another worker started is taken up here."""
        path = meta.get("section") or self.section_path
        return self.walks.get(path) or self.add_walk(path)

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

    def _section_of_list(self, url: str) -> str:
        """The section a list page URL belongs to (a failed list page being retried)."""
        path = re.sub(r"/page_\d+\.html$", "", urlsplit(url).path).rstrip("/")
        return path if path in self.walks or not self.section_path else self.section_path

    def _list_request(self, url: str, section: str, retry: bool = False) -> Request:
        walk = self.walk_of({"section": section})
        return Request(
            url,
            callback=self.parse_list,
            errback=self.fetch_failed,
            # In a shared run, the walk goes ahead of the fetching, so that the queue holds
            # work for every worker; its progress is recorded when the run is over.
            priority=3 if self.shared_run is not None else 0,
            meta={
                "handle_httpstatus_list": ERROR_STATUSES,
                "page_kind": "list-page",
                "section": section,
                "walk": not retry,
                # In a shared run, another worker may be the one to read the next list page.
                "walk_state": walk.travelling(),
            },
            # A list page that failed last run is retried first; the walk must still reach
            # it under the same URL, so the retry leaves no mark in the duplicate filter.
            dont_filter=retry,
        )

    def _article_request(
        self,
        url: str,
        listing: Listing,
        list_page: int | None,
        known: KnownUrl | None = None,
        section: str | None = None,
    ) -> Request:
        headers = {}
        # An incomplete article is fetched whole: its first page may not have changed.
        if known is not None and not known.complete:
            known = None
        if known is not None and known.http_etag:
            headers["If-None-Match"] = known.http_etag
        if known is not None and known.http_last_modified:
            headers["If-Modified-Since"] = known.http_last_modified
        return Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={"listing": listing},
            # Finished articles outrank the next list page: the walk stays close behind
            # the fetching, and the reached page it records stays close to the truth.
            priority=1,
            meta={
                "handle_httpstatus_list": ARTICLE_STATUSES,
                "page_kind": "article",
                "list_page": list_page,
                "section": section,
            },
        )

    def replayed_article_request(self, url: str, listing: Listing) -> Request:
        """Re-extraction: a captured article page the replayed walk did not reach."""
        return self._article_request(url, listing, list_page=None)

    def _restore_walks(self) -> bool:
        """With JOBDIR, Scrapy keeps the spider's `state` between runs: a resumed job knows its walks."""
        job = vars(self).get("state")  # set by Scrapy's SpiderState extension only with JOBDIR
        if not isinstance(job, dict):
            return False
        saved, job["walks"] = job.get("walks"), self.walks
        if not saved and job.get("walk") is not None and self.section_path:
            saved = {self.section_path: job.pop("walk")}  # a job saved before walks were per section
        if not saved:
            return False
        for path, walk in saved.items():
            self.walk_of({"section": path}).restore(walk)
        for walk in self.walks.values():
            self._note_first_page(walk)
        return True

    def _note_first_page(self, walk: SectionWalk) -> None:
        """What the health checks read of a section's first list page."""
        if walk.first_page_items is None:
            return
        self.crawler.stats.set_value(keys.section_key(walk.path, "first_page_items"), walk.first_page_items)
        if not self.whole_site:
            self.crawler.stats.set_value(keys.LIST_FIRST_PAGE_ITEMS, walk.first_page_items)
            if walk.section_name:
                self.crawler.stats.set_value(keys.LIST_SECTION, walk.section_name)

    def _share(self, walk: SectionWalk, **info: Any) -> None:
        """What a shared run knows of each section's walk, under `<name>:<section path>`."""
        if self.shared_run is not None:
            self.shared_run.set_info(**{f"{name}:{walk.path}": value for name, value in info.items()})

    def _advance(self, walk: SectionWalk) -> Iterator[CrawlStateItem]:
        # In a shared run other workers fetch this walk's articles: the last one out records it.
        if self.shared_run is None:
            yield from walk.advance()

    def _fetch_ended(self, request: Request | None) -> Iterator[CrawlStateItem]:
        """One article fetch (with its extra pages) has ended; maybe its list page is done."""
        if request is None or request.meta.get("list_page") is None:
            return
        walk = self.walk_of(request.meta)
        walk.fetch_ended(request.meta["list_page"])
        yield from self._advance(walk)

    def request_dropped(self, request: Request) -> None:
        if request.meta.get("list_page") is not None:
            self.walk_of(request.meta).fetch_ended(request.meta["list_page"])

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
