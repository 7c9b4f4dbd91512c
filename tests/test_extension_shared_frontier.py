"""A worker's extension in a shared run (crawler/distributed.py SharedFrontier): staying, leaving, recording the walk."""

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import statkeys as keys
from crawler.distributed import SharedFrontier
from crawler.items import CrawlStateItem
from crawler.shared_run import RunEnd, walks_in
from crawler.spiders.world import AsiaPacificSpider
from pipelines.archive import Archive
from pipelines.storage import StoragePipeline

ORIGIN = "http://127.0.0.1:8901"
# Crawl state is kept under the section's canonical URL, whatever origin was crawled.
SECTION = "https://www.chinadaily.com.cn/world/asia_pacific"


@dataclass
class FakeRun:
    """A stand-in for crawler.shared_run.SharedRun: what the run answers, and how this worker left."""

    over: bool = False
    outcome: str = "last"
    lost: bool = False
    fields: dict = field(default_factory=dict)
    role: str = "join"
    previous_lost: bool = False
    run_id: str = "20240601T000000-abc123"
    left: list = field(default_factory=list)

    def idle(self):
        return self.over

    def leave(self, clean):
        self.left.append(clean)
        return RunEnd(self.outcome, self.lost)

    def info(self):
        return dict(self.fields)

    def walks(self):
        # What the spider shares of its walk goes under `<name>:<section path>`.
        return walks_in({f"{name}:/world/asia_pacific": value for name, value in self.fields.items()})


@dataclass
class Worker:
    crawler: object
    spider: AsiaPacificSpider
    frontier: SharedFrontier
    database: str

    def opened(self):
        asyncio.run(self.frontier.spider_opened(self.spider))

    def closed(self, reason="finished"):
        asyncio.run(self.frontier.spider_closed(self.spider, reason))

    def walk_stored(self):
        archive = Archive.open(self.database)
        try:
            return archive.crawl_state(SECTION)
        finally:
            archive.close()


@pytest.fixture
def worker(tmp_path):
    """A worker of asia_pacific in a shared run, its archive on SQLite."""
    database = f"sqlite:///{tmp_path / 'archive.db'}"
    crawler = get_crawler(
        AsiaPacificSpider,
        {"REMOTE_CONTROL_ENABLED": False, "CHINADAILY_BASE_URL": ORIGIN, "ARCHIVE_DATABASE_URL": database},
    )
    crawler.stats.open_spider()
    crawler.spider = spider = AsiaPacificSpider.from_crawler(crawler)
    spider.shared_run = FakeRun()
    storage = build_from_crawler(StoragePipeline, crawler)
    asyncio.run(storage.open_spider())
    # Where Crawler.get_item_pipeline finds the pipelines of a running engine.
    crawler.engine = SimpleNamespace(scraper=SimpleNamespace(itemproc=SimpleNamespace(middlewares=[storage])))
    yield Worker(crawler, spider, build_from_crawler(SharedFrontier, crawler), database)
    storage.archive.close()


def backfilled(worker):
    """The archive holds a completed backfill of the section, 50 list pages."""
    storage = worker.crawler.get_item_pipeline(StoragePipeline)
    storage.archive.store([CrawlStateItem(section_url=SECTION, reached_page=50, complete=True, last_page=50)])


# --- Staying alive --------------------------------------------------------------------------


def test_an_idle_worker_stays_while_the_run_goes_on(worker):
    with pytest.raises(DontCloseSpider):
        worker.frontier.spider_idle(worker.spider)


def test_an_idle_worker_may_close_once_the_run_is_over(worker):
    worker.spider.shared_run.over = True
    worker.frontier.spider_idle(worker.spider)


def test_a_single_process_crawl_is_left_alone(worker):
    worker.spider.shared_run = None
    worker.frontier.spider_idle(worker.spider)
    worker.closed()
    assert worker.crawler.stats.get_value(keys.SHARED_END) is None


# --- Leaving --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "fatal", "clean"),
    [
        ("finished", None, True),
        ("shutdown", None, False),
        ("closespider_timeout", None, False),
        ("finished", "the archive cannot be written: disk full", False),
    ],
)
def test_a_worker_leaves_cleanly_only_if_it_finished_with_a_sound_archive(worker, reason, fatal, clean):
    run = worker.spider.shared_run
    run.outcome = "others"
    if fatal:
        worker.crawler.stats.set_value(keys.ARCHIVE_FATAL, fatal)
    worker.closed(reason)
    assert run.left == [clean]


@pytest.mark.parametrize("outcome", ["others", "interrupted", "last"])
def test_how_the_worker_left_is_a_stat(worker, outcome):
    worker.spider.shared_run.outcome = outcome
    worker.closed()
    assert worker.crawler.stats.get_value(keys.SHARED_END) == outcome


@pytest.mark.parametrize("outcome", ["others", "interrupted"])
def test_a_worker_that_is_not_the_last_out_records_no_walk(worker, outcome):
    run = worker.spider.shared_run
    run.outcome, run.lost = outcome, True
    run.fields = {"mode": "backfill", "walked": "40", "last_page": "40"}
    worker.closed()
    assert worker.walk_stored() is None


def test_the_last_out_records_a_walk_that_reached_the_last_page(worker):
    worker.spider.shared_run.fields = {
        "mode": "backfill",
        "walked": "112",
        "last_page": "113",
        "pager_last_page": "113",
    }
    worker.closed()
    walk = worker.walk_stored()
    assert walk.reached_page == 113
    assert walk.backfill_complete is True
    assert walk.last_page == 113


def test_the_last_out_records_how_far_an_unfinished_walk_got(worker):
    worker.spider.shared_run.fields = {"mode": "backfill", "walked": "40", "pager_last_page": "113"}
    worker.closed()
    walk = worker.walk_stored()
    assert walk.reached_page == 40
    assert walk.backfill_complete is False
    assert walk.last_page == 113


def test_a_run_that_lost_a_worker_makes_the_next_walk_start_again(worker):
    backfilled(worker)
    run = worker.spider.shared_run
    run.lost = True
    run.fields = {"mode": "incremental", "walked": "3"}
    worker.closed()
    walk = worker.walk_stored()
    assert walk.backfill_complete is False
    assert walk.reached_page == 0


def test_an_incremental_run_records_no_walk(worker):
    worker.spider.shared_run.fields = {"mode": "incremental", "walked": "3", "last_page": "3"}
    worker.closed()
    assert worker.walk_stored() is None


def test_the_walks_mode_is_the_spiders_when_the_run_does_not_say(worker):
    worker.spider.walk.mode = "incremental"
    worker.spider.shared_run.fields = {"walked": "3", "last_page": "3"}
    worker.closed()
    assert worker.walk_stored() is None


def test_a_run_that_walked_nothing_records_no_walk(worker):
    worker.spider.shared_run.fields = {"mode": "backfill"}
    worker.closed()
    assert worker.walk_stored() is None


# --- Opening ----------------------------------------------------------------------------------


def test_the_seed_after_a_run_that_lost_work_restarts_the_walk(worker):
    backfilled(worker)
    run = worker.spider.shared_run
    run.role, run.previous_lost = "seed", True
    worker.opened()
    walk = worker.walk_stored()
    assert walk.backfill_complete is False
    assert walk.reached_page == 0


@pytest.mark.parametrize(("role", "previous_lost"), [("seed", False), ("join", True), ("resume", True)])
def test_otherwise_opening_leaves_the_walk_as_it_was(worker, role, previous_lost):
    backfilled(worker)
    run = worker.spider.shared_run
    run.role, run.previous_lost = role, previous_lost
    worker.opened()
    walk = worker.walk_stored()
    assert walk.backfill_complete is True
    assert walk.reached_page == 50
