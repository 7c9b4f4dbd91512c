"""Several crawl workers sharing one frontier in Redis (scrapy-redis), and knowing together when it is done.

With REDIS_URL set, scrapy-redis's scheduler holds the requests in Redis, so any worker can take
any of them. What scrapy-redis leaves to us, this module adds (with crawler/shared_run.py, which
speaks to Redis):

- a *shared run*: the queue and the seen-set of one run live under keys carrying the run's id,
  the first worker to arrive starts the run and seeds it, later ones join it, and a run whose
  workers all stopped with requests left is continued by the next workers started;
- knowing when the run is over: each worker is `busy` (taking a request from the queue marks it
  so, in the same Redis script) or `idle`; a worker stays alive while the queue holds requests or
  another live worker is busy, and the run is over when neither holds;
- worker loss: each worker refreshes a heartbeat key; one whose key expired is `lost`, and so is
  one that stopped for another reason than `finished`. The requests it held are gone from this
  run (they are in the seen-set), so the run is marked as having lost work and the next run
  walks the section's list pages again, fetching what the archive lacks.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler import statkeys as keys
from crawler.dupefilter import RedirectsPassThrough
from crawler.items import CrawlStateItem
from crawler.shared_run import SharedRun, shared_base, worker_name, worker_progress
from crawler.siteurls import canonical_url
from pipelines.archive import ArchiveUnavailable
from pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)


class SharedQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's priority queue; taking a request marks this worker busy in the same step,
    so that no moment exists when a request is neither queued nor held by a busy worker."""

    def pop(self, timeout: int = 0) -> Request | None:
        data = self.spider.shared_run.pop()
        return self._decode_request(data) if data else None

    def _encode_request(self, request: Request) -> bytes:
        # A browser page cannot go to Redis. The render middleware closes and drops it before a
        # retry copies the request; should one still travel, only what can be pickled does.
        if "playwright_page" in request.meta:
            request = request.replace(meta={k: v for k, v in request.meta.items() if k != "playwright_page"})
        return bytes(super()._encode_request(request))


class SharedDupeFilter(RedirectsPassThrough, RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's seen-set, one per run, letting redirects through (see crawler.dupefilter)."""

    @classmethod
    def from_spider(cls, spider: Spider) -> SharedDupeFilter:
        run: SharedRun = spider.shared_run  # type: ignore[attr-defined]
        return cls(run.server, key=run.key("seen"), debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def close(self, reason: str = "") -> None:
        """The seen-set belongs to the run, not to this worker: it stays."""


class SharedScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler, on the queue and seen-set of the shared run this worker joins."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler: SharedScheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider: Spider) -> None:
        settings = self.crawler.settings
        run = SharedRun(
            self.server,
            shared_base(settings, spider.name, getattr(spider, "section_path", "")),
            worker_name(),
            settings.getfloat("REDIS_WORKER_TIMEOUT_SECONDS"),
        )
        run.join()
        # At once: opening the archive (a schema upgrade under a lock) may take longer than
        # the heartbeat's timeout, and a silent worker is taken for lost.
        run.start_heartbeat(partial(worker_progress, self.crawler.stats))
        spider.shared_run = run  # type: ignore[attr-defined]
        self.queue_key = run.key("requests")
        # scrapy-redis makes the duplicate filter in open() when there is none: the run's.
        self.df: Any = None
        super().open(spider)
        self.stats.set_value(keys.SHARED_RUN, run.run_id)
        self.stats.set_value(keys.SHARED_WORKER, run.worker)
        self.stats.set_value(keys.SHARED_ROLE, run.role)
        logger.info(
            "Worker %s %s shared run %s (Redis keys %s:*)",
            run.worker,
            {"seed": "starts", "join": "joins", "resume": "continues"}[run.role],
            run.run_id,
            run.prefix,
        )
        # The engine looks for requests every 5 s when it has none; a worker waiting on the
        # shared queue looks sooner, or the first worker takes all the work. A private
        # attribute of Scrapy's engine: without it, waiting workers are slower, not wrong.
        engine = self.crawler.engine
        if engine is not None and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = settings.getfloat("REDIS_POLL_SECONDS")

    # scrapy-redis 0.9.1 counts these with StatsCollector's `spider` argument, which Scrapy
    # deprecates; the same counts, without it.
    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request: Request | None = self.queue.pop(self.idle_before_close)
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class SharedFrontier:
    """The extension of a worker in a shared run: it keeps the worker alive while the run goes on,
    starts a run that follows a lost one with a walk from list page 1, and, as the worker leaves,
    records how far the walk got if it is the last one out."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        return cls(crawler)

    def _run(self) -> SharedRun | None:
        return getattr(self.crawler.spider, "shared_run", None)

    async def spider_opened(self, spider: Spider) -> None:
        run, storage = self._run(), self.crawler.get_item_pipeline(StoragePipeline)
        if run is not None and run.role == "seed" and run.previous_lost and storage is not None:
            # The last run's workers all died: what they held is found by walking again.
            known = await storage.use(lambda archive: archive.crawl_state_keys())
            restarts = [_restart(key) for key in spider.sections_to_restart(known)]  # type: ignore[attr-defined]
            await storage.use(lambda archive: archive.store(restarts))

    def spider_idle(self, spider: Spider) -> None:
        run = self._run()
        if run is not None and not run.idle():
            raise DontCloseSpider

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Leave the shared run; the last worker out records how far the walk got.

        Only then is every worker's storage flushed, so only then may the walk's progress be
        written; and if any worker stopped before the run was over, what it held is lost to this
        run, so the next walks the list pages again from the first.
        """
        run, stats = self._run(), self.crawler.stats
        if run is None:
            return
        end = run.leave(reason == "finished" and not stats.get_value(keys.ARCHIVE_FATAL))
        stats.set_value(keys.SHARED_END, end.outcome)
        logger.info(
            "Left shared run %s (%s%s)",
            run.run_id,
            {
                "others": "other workers go on",
                "interrupted": "requests remain queued for the next run",
                "last": "the run is over",
            }[end.outcome],
            "; a worker stopped early, so the next run walks every list page again" if end.lost else "",
        )
        if end.outcome != "last":
            return
        walks = run.walks()
        # A section this worker walked whose mode the run does not say: the worker's own.
        for path, walk in spider.walks.items():  # type: ignore[attr-defined]
            walks.setdefault(path, {}).setdefault("mode", walk.mode)
        origin = spider.origin  # type: ignore[attr-defined]
        if end.lost:
            states = [_restart(canonical_url(origin + path)) for path in walks]
        else:
            states = [
                _walked(canonical_url(origin + path), walk)
                for path, walk in walks.items()
                if walk["mode"] != "incremental" and "walked" in walk
            ]
        if not states:
            return
        storage = self.crawler.get_item_pipeline(StoragePipeline)
        if storage is None or storage.archive is None:
            logger.error("The shared run's walk could not be recorded: the archive is not open")
            return
        try:
            await asyncio.to_thread(storage.archive.store, states)
        except ArchiveUnavailable as error:
            logger.error("The shared run's walk could not be recorded: %s", error)


def _walked(section_url: str, walk: dict[str, str]) -> CrawlStateItem:
    """How far a shared run's walk of a section got, from what its workers shared."""
    last_page = int(walk["last_page"]) if walk.get("last_page") else None
    return CrawlStateItem(
        section_url=section_url,
        reached_page=last_page if last_page is not None else int(walk["walked"]),
        complete=last_page is not None,
        last_page=int(walk["pager_last_page"]) if walk.get("pager_last_page") else None,
    )


def _restart(section_url: str) -> CrawlStateItem:
    return CrawlStateItem(section_url=section_url, reached_page=0, complete=False, restart=True)


class SharedFrontierAddon:
    """Turns the shared frontier on when REDIS_URL is set; without it nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        _override(settings, "SCHEDULER", "crawler.distributed.SharedScheduler")
        _override(settings, "SCHEDULER_QUEUE_CLASS", "crawler.distributed.SharedQueue")
        _override(settings, "DUPEFILTER_CLASS", "crawler.distributed.SharedDupeFilter")
        # The queue outlives a worker: an interrupted run is continued by the next workers.
        _override(settings, "SCHEDULER_PERSIST", True)
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.distributed.SharedFrontier"] = 10
        _override(settings, "EXTENSIONS", extensions)


def _override(settings: BaseSettings, name: str, value: Any) -> None:
    """Set a setting over the project's value (add-ons rank below the project's settings)."""
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority=priority)
