"""The storage pipeline: batched writes, counts, the crawl run and the crawl's door to the archive (pipelines/storage.py)."""

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from scrapy import Spider
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crawler.items import ArticleItem, CrawlStateItem, DeadUrlItem, FailedUrlItem
from pipelines.archive import ArchiveUnavailable
from pipelines.archive.models import Article, ArticleVersion, CrawlRun, DeadUrl, FailedUrl
from pipelines.storage import StoragePipeline

SITE = "https://www.chinadaily.com.cn"
SECTION = f"{SITE}/world/asia_pacific"


class AsiaPacific(Spider):
    name = "asia_pacific"


class StandInEngine:
    """Records what the pipeline asks of the engine."""

    def __init__(self):
        self.closed_for = []

    async def close_spider_async(self, reason="cancelled"):
        self.closed_for.append(reason)


def make_storage(database_url, batch_size=1):
    settings = {
        "REMOTE_CONTROL_ENABLED": False,
        "ARCHIVE_DATABASE_URL": database_url,
        "ARCHIVE_BATCH_SIZE": batch_size,
    }
    crawler = get_crawler(AsiaPacific, settings)
    crawler.stats.open_spider()
    crawler.spider = AsiaPacific()
    crawler.engine = StandInEngine()
    return build_from_crawler(StoragePipeline, crawler)


@pytest.fixture
def storage(migrated_database_url):
    """Makes storage pipelines over the test's archive; closes their archives afterwards."""
    made = []

    def make(batch_size=1):
        made.append(make_storage(migrated_database_url, batch_size))
        return made[-1]

    yield make
    for pipeline in made:
        if pipeline.archive is not None:
            pipeline.archive.close()


def rows(database_url, model):
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model).order_by(model.id)))
    finally:
        engine.dispose()


def article(n, body="First paragraph.\nSecond paragraph."):
    url = f"{SITE}/a/202405/20/WS664a9a1aa31082fc043c8a{n:02x}.html"
    return ArticleItem(
        url=url,
        canonical_url=url,
        site_article_id=url.rsplit("/", 1)[1].removesuffix(".html"),
        headline=f"Headline number {n}",
        date_published=datetime(2024, 5, 20, 3, n, tzinfo=UTC),
        article_body=f"Story {n}. {body}",
    )


def stat(pipeline, key):
    return pipeline.crawler.stats.get_value(key)


def test_switched_off_with_archive_enabled_off():
    crawler = get_crawler(AsiaPacific, {"REMOTE_CONTROL_ENABLED": False, "ARCHIVE_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(StoragePipeline, crawler)


def test_open_spider_creates_the_archive_and_starts_a_crawl_run(database_url):
    pipeline = make_storage(database_url)
    asyncio.run(pipeline.open_spider())
    (run,) = rows(database_url, CrawlRun)
    assert run.spider == "asia_pacific"
    assert run.started_at is not None and run.finished_at is None
    assert stat(pipeline, "archive/crawl_run_id") == run.id
    pipeline.archive.close()


def test_items_are_written_only_when_a_batch_fills_and_the_rest_on_close(storage, migrated_database_url):
    pipeline = storage(batch_size=2)
    asyncio.run(pipeline.open_spider())
    first = article(1)
    assert asyncio.run(pipeline.process_item(first)) is first
    assert rows(migrated_database_url, Article) == []
    asyncio.run(pipeline.process_item(article(2)))
    assert len(rows(migrated_database_url, Article)) == 2
    asyncio.run(pipeline.process_item(article(3)))
    assert len(rows(migrated_database_url, Article)) == 2
    asyncio.run(pipeline.close_spider())
    assert [row.headline for row in rows(migrated_database_url, Article)] == [
        f"Headline number {n}" for n in (1, 2, 3)
    ]


def test_batches_keep_arrival_order_so_a_crawl_state_follows_its_articles(storage):
    pipeline = storage(batch_size=2)
    asyncio.run(pipeline.open_spider())
    batches, store = [], pipeline.archive.store

    def recording_store(items, **kwargs):
        batches.append(list(items))
        return store(items, **kwargs)

    pipeline.archive.store = recording_store
    state = CrawlStateItem(section_url=SECTION, reached_page=1, complete=False, last_page=9)
    items = [article(1), article(2), article(3), state]
    for item in items:
        asyncio.run(pipeline.process_item(item))
    asyncio.run(pipeline.close_spider())
    assert batches == [items[:2], items[2:]]
    assert pipeline.archive.crawl_state(SECTION).reached_page == 1


def test_counts_new_updated_and_unchanged_articles_and_dead_and_failed_urls(storage, migrated_database_url):
    pipeline = storage(batch_size=1)
    asyncio.run(pipeline.open_spider())
    original = article(1)
    edited = replace(original, article_body="Story 1. First paragraph, corrected.\nSecond paragraph.")
    dead = DeadUrlItem(
        url=f"{SITE}/a/x.html", canonical_url=f"{SITE}/a/x.html", kind="thin", reason="no body"
    )
    failed = FailedUrlItem(url=article(2).canonical_url, reason="HTTP 503 after retries")
    for item in (original, edited, edited, dead, failed):
        asyncio.run(pipeline.process_item(item))
    counts = {
        key: stat(pipeline, f"archive/{key}")
        for key in ("articles_new", "articles_updated", "articles_unchanged", "dead_urls", "failed_urls")
    }
    assert counts == dict.fromkeys(counts, 1)
    assert [version.article_body for version in rows(migrated_database_url, ArticleVersion)] == [
        original.article_body,
        edited.article_body,
    ]
    assert [row.article_body for row in rows(migrated_database_url, Article)] == [edited.article_body]
    assert [row.kind for row in rows(migrated_database_url, DeadUrl)] == ["thin"]
    assert [row.url for row in rows(migrated_database_url, FailedUrl)] == [failed.url]


def test_engine_stopped_finishes_the_run_with_its_reason_and_stats_and_closes_the_archive(
    storage, migrated_database_url
):
    pipeline = storage()
    asyncio.run(pipeline.open_spider())
    started = datetime(2024, 5, 20, 3, 25, tzinfo=UTC)
    pipeline.crawler.stats.set_value("start_time", started)
    pipeline.crawler.stats.set_value("finish_reason", "finished")
    assert pipeline.archive.engine.pool.checkedin() > 0
    asyncio.run(pipeline.engine_stopped())
    (run,) = rows(migrated_database_url, CrawlRun)
    assert run.finish_reason == "finished"
    assert run.finished_at is not None
    assert run.stats["start_time"] == started.isoformat()
    assert run.stats["archive/crawl_run_id"] == run.id
    assert pipeline.archive.engine.pool.checkedin() == 0


def test_use_answers_in_a_worker_thread_with_the_open_archive(storage):
    pipeline = storage(batch_size=1)
    asyncio.run(pipeline.open_spider())
    stored = article(1)
    asyncio.run(pipeline.process_item(stored))

    def query(archive):
        return threading.get_ident(), archive is pipeline.archive, archive.known([stored.canonical_url])

    thread, same_archive, known = asyncio.run(pipeline.use(query))
    assert thread != threading.get_ident()
    assert same_archive
    assert known[stored.canonical_url].kind == "article"


def test_use_stops_the_crawl_when_the_archive_cannot_answer(storage):
    pipeline = storage()
    asyncio.run(pipeline.open_spider())

    def failing(archive):
        raise ArchiveUnavailable("OperationalError: the database went away")

    async def scenario():
        with pytest.raises(CloseSpider) as raised:
            await pipeline.use(failing)
        await asyncio.sleep(0)
        return raised.value

    assert asyncio.run(scenario()).reason == "archive_error"
    assert stat(pipeline, "archive/fatal")


def test_use_stops_the_crawl_when_the_archive_was_never_opened(tmp_path):
    pipeline = make_storage(f"sqlite:///{tmp_path / 'archive.db'}")
    with pytest.raises(CloseSpider) as raised:
        asyncio.run(pipeline.use(lambda archive: archive.known([])))
    assert raised.value.reason == "archive_error"


def test_a_write_that_fails_for_good_stops_the_crawl_and_writes_nothing_more(storage, migrated_database_url):
    pipeline = storage(batch_size=2)
    asyncio.run(pipeline.open_spider())

    def failing_store(items, **kwargs):
        raise ArchiveUnavailable("OperationalError: disk I/O error")

    async def scenario():
        pipeline.archive.store = failing_store
        await pipeline.process_item(article(1))
        await pipeline.process_item(article(2))
        await asyncio.sleep(0)
        del pipeline.archive.store  # the archive works again: the crawl still stops
        await pipeline.process_item(article(3))
        await pipeline.close_spider()

    asyncio.run(scenario())
    assert pipeline.crawler.engine.closed_for == ["archive_error"]
    assert stat(pipeline, "archive/unwritten_items") == 3
    assert stat(pipeline, "archive/fatal")
    assert rows(migrated_database_url, Article) == []
