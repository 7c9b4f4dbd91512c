"""The archive under failure: a PostgreSQL connection lost mid-crawl, a SQLite file locked by
another writer, a full disk, a read-only archive. Nothing is lost without a word."""

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from pipelines.archive import Archive
from pipelines.archive.models import Article, ArticleVersion
from tests.crawling import run_crawl, start_crawl
from tests.databases import postgres_database
from tests.site import SiteModel, serve
from tests.tcp_proxy import outage_proxy

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"


def count(database_url, model=Article):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def wait_for_rows(database_url, at_least, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if count(database_url) >= at_least:
                return
        except Exception:  # the crawl may still be creating the schema
            pass
        time.sleep(0.2)
    raise AssertionError(f"the crawl did not store {at_least} articles in {timeout} s")


def expected_stories(model):
    return {model.story_url(article) for article in model.articles(SECTION)}


def test_a_lost_postgresql_connection_is_retried_and_nothing_is_lost():
    model = SiteModel({SECTION: 80, "/world/europe": 3})
    with postgres_database() as database_url, outage_proxy(("127.0.0.1", 5432)) as proxy:
        direct = make_url(database_url)
        through_proxy = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with serve(model, article_delay=0.15) as (base_url, _):
            crawl = start_crawl(
                "asia_pacific",
                base_url,
                through_proxy,
                settings={"ARCHIVE_BATCH_SIZE": "5", "CONCURRENT_REQUESTS": "2"},
            )
            wait_for_rows(database_url, 10)
            proxy.outage(4)
            log = crawl.communicate(timeout=300)[0]
        assert crawl.returncode == 0, log[-3000:]
        assert proxy.dropped > 0
        assert "trying again" in log
        engine = create_engine(database_url)
        with engine.connect() as connection:
            urls = list(connection.scalars(select(Article.canonical_url)))
            versions = connection.scalar(select(func.count()).select_from(ArticleVersion))
        engine.dispose()
    assert sorted(urls) == sorted(expected_stories(model))
    assert versions == len(urls)


def hold_lock(path: Path, ready: threading.Event, release: threading.Event) -> None:
    """Another writer: takes the file's write lock and holds it until told."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("BEGIN IMMEDIATE")
    ready.set()
    release.wait(120)
    connection.execute("ROLLBACK")
    connection.close()


def locked_crawl(tmp_path, hold_seconds, settings):
    model = SiteModel({SECTION: 60, "/world/europe": 3})
    path = tmp_path / "archive.db"
    database_url = f"sqlite:///{path}"
    Archive.open(database_url).close()
    ready, release = threading.Event(), threading.Event()
    with serve(model, article_delay=0.1) as (base_url, _):
        crawl = start_crawl(
            "asia_pacific", base_url, database_url, settings={"ARCHIVE_BATCH_SIZE": "5", **settings}
        )
        wait_for_rows(database_url, 10)
        holder = threading.Thread(target=hold_lock, args=(path, ready, release))
        holder.start()
        ready.wait(30)
        before = count(database_url)
        timer = threading.Timer(hold_seconds, release.set)
        timer.start()
        log = crawl.communicate(timeout=300)[0]
        release.set()
        holder.join()
        timer.cancel()
    return model, database_url, crawl.returncode, log, before


def test_a_briefly_locked_sqlite_file_is_waited_for(tmp_path):
    settings = {
        "ARCHIVE_LOCK_TIMEOUT_SECONDS": "1",
        "ARCHIVE_RETRIES": "5",
        "ARCHIVE_RETRY_DELAY_SECONDS": "0.5",
    }
    model, database_url, code, log, _ = locked_crawl(tmp_path, 3, settings)
    assert code == 0, log[-3000:]
    assert "database is locked" in log and "trying again" in log
    assert count(database_url) == len(expected_stories(model))


def test_a_sqlite_file_locked_for_good_stops_the_crawl_loudly(tmp_path):
    settings = {
        "ARCHIVE_LOCK_TIMEOUT_SECONDS": "0.5",
        "ARCHIVE_RETRIES": "2",
        "ARCHIVE_RETRY_DELAY_SECONDS": "0.2",
    }
    model, database_url, code, log, before = locked_crawl(tmp_path, 60, settings)
    assert code == 3, log[-3000:]
    assert "the archive cannot be written: OperationalError: database is locked after 3 tries" in log
    assert "items not written)" in log
    after = count(database_url)
    assert before <= after < len(expected_stories(model))
    integrity = (
        sqlite3.connect(database_url.removeprefix("sqlite:///")).execute("PRAGMA integrity_check").fetchone()
    )
    assert integrity == ("ok",)


def test_a_full_disk_stops_the_crawl_and_keeps_what_was_written(tmp_path):
    path = tmp_path / "archive.db"
    database_url = f"sqlite:///{path}"
    Archive.open(database_url).close()
    empty_pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    model = SiteModel({SECTION: 45, "/world/europe": 3})
    with serve(model) as (base_url, _):
        result = run_crawl(
            "asia_pacific",
            base_url,
            database_url,
            settings={"ARCHIVE_SQLITE_MAX_PAGE_COUNT": str(empty_pages + 60), "ARCHIVE_BATCH_SIZE": "5"},
        )
    assert result.returncode == 3, result.log[-3000:]
    assert "database or disk is full" in result.log
    written = count(database_url)
    assert 0 < written < len(expected_stories(model))
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("SELECT count(*) FROM article_versions").fetchone() == (written,)


def test_a_read_only_archive_stops_the_crawl_before_it_writes(tmp_path):
    path = tmp_path / "archive.db"
    model = SiteModel({SECTION: 10, "/world/europe": 3})
    with serve(model) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, f"sqlite:///{path}").returncode == 0
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        model.add_articles(SECTION, 2)
        result = run_crawl("asia_pacific", base_url, f"sqlite:///file:{path}?mode=ro&uri=true")
    assert result.returncode == 3, result.log[-3000:]
    assert "readonly database" in result.log
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
