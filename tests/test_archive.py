"""The archive: schema from migrations, one row per article, versions on change (pipelines/archive.py)."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from crawler.items import ArticleItem, DeadUrlItem
from pipelines.archive import Archive
from pipelines.models import Article, ArticleVersion, Base, CrawlRun, DeadUrl

URL = "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html"


@pytest.fixture
def archive(tmp_path):
    archive = Archive.open(f"sqlite:///{tmp_path / 'archive.db'}")
    yield archive
    archive.close()


def make_item(**changes):
    fields = {
        "url": URL,
        "canonical_url": URL,
        "site_article_id": "WS5c38db2fa3106c65c34e3ffa",
        "headline": "China Daily USA publishes report",
        "authors": ["Wang Xu"],
        "source": "China Daily",
        "section": "World > China-US",
        "breadcrumbs": ["Home", "World", "China-US"],
        "date_published": datetime(2019, 1, 11, 18, 6, tzinfo=UTC),
        "date_modified": datetime(2019, 1, 11, 23, 34, tzinfo=UTC),
        "article_body": "First paragraph.\nSecond paragraph.",
        "article_body_html": "<p>First paragraph.</p>\n<p>Second paragraph.</p>",
        "description": "A report.",
        "language": "en",
        "images": [{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None}],
    }
    fields.update(changes)
    return ArticleItem(**fields)


def count(archive, model):
    with archive.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_the_migrations_build_exactly_the_models(archive):
    with archive.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    tables = set(inspect(archive.engine).get_table_names())
    assert {
        "articles",
        "article_versions",
        "article_urls",
        "dead_urls",
        "failed_urls",
        "crawl_runs",
    } <= tables


def test_sqlite_runs_in_wal_mode(archive):
    with archive.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_new_article_gets_a_row_and_a_first_version(archive):
    result = archive.store([make_item()])
    assert (result.new, result.updated, result.unchanged) == (1, 0, 0)
    with archive.engine.connect() as connection:
        row = connection.execute(select(Article)).one()
    assert row.headline == "China Daily USA publishes report"
    assert row.authors == ["Wang Xu"]
    assert row.date_published == datetime(2019, 1, 11, 18, 6, tzinfo=UTC)
    assert row.images == [{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None}]
    assert count(archive, ArticleVersion) == 1


def test_storing_the_same_article_again_moves_only_last_seen(archive):
    archive.store([make_item()])
    with archive.engine.connect() as connection:
        before = connection.execute(select(Article)).one()
    result = archive.store([make_item(), make_item()])
    with archive.engine.connect() as connection:
        after = connection.execute(select(Article)).one()
    assert (result.new, result.unchanged) == (0, 2)
    assert count(archive, Article) == 1
    assert count(archive, ArticleVersion) == 1
    assert after.first_seen_at == before.first_seen_at
    assert after.last_seen_at >= before.last_seen_at


def test_a_changed_body_is_a_new_version_and_the_row_shows_it(archive):
    archive.store([make_item()])
    result = archive.store([make_item(article_body="First paragraph.\nA corrected second paragraph.")])
    assert result.updated == 1
    assert count(archive, Article) == 1
    assert count(archive, ArticleVersion) == 2
    with archive.engine.connect() as connection:
        assert connection.scalar(select(Article.article_body)).endswith("A corrected second paragraph.")


def test_a_changed_update_time_alone_is_not_a_version(archive):
    archive.store([make_item()])
    later = datetime(2019, 1, 12, 8, 0, tzinfo=UTC)
    archive.store([make_item(date_modified=later)])
    assert count(archive, ArticleVersion) == 1
    with archive.engine.connect() as connection:
        assert connection.scalar(select(Article.date_modified)) == later


def test_dead_urls_are_recorded_once_and_seen_again(archive):
    dead = DeadUrlItem(
        url="http://x/a.html", canonical_url=URL, kind="thin", reason="no headline", status=200
    )
    archive.store([], [dead])
    archive.store([], [dead])
    assert count(archive, DeadUrl) == 1


def test_crawl_runs_keep_their_stats(archive):
    run_id = archive.start_run("asia_pacific")
    archive.finish_run(run_id, "finished", {"item_scraped_count": 3})
    with archive.engine.connect() as connection:
        run = connection.execute(select(CrawlRun)).one()
    assert (run.spider, run.finish_reason, run.stats) == (
        "asia_pacific",
        "finished",
        {"item_scraped_count": 3},
    )
    assert run.finished_at >= run.started_at


def test_opening_an_archive_twice_upgrades_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    Archive.open(url).close()
    archive = Archive.open(url)
    archive.store([make_item()])
    archive.close()
    archive = Archive.open(url)
    assert count(archive, Article) == 1
    archive.close()
