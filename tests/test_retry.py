"""Retries of 5xx and 429 that honour Retry-After (crawler/retry.py)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select

from crawler.retry import retry_after_seconds
from pipelines.archive.models import Article, CrawlRun
from tests.crawling import run_crawl
from tests.site import SiteModel, serve


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7
    assert retry_after_seconds("Fri, 27 Nov 2026 12:00:30 GMT", now=now) == 30
    assert retry_after_seconds("Fri, 27 Nov 2026 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.e2e
def test_a_429_and_a_503_are_retried_after_waiting_and_the_article_is_archived(tmp_path):
    model = SiteModel({"/world/asia_pacific": 4})
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    first, second = model.article("/world/asia_pacific", 0), model.article("/world/asia_pacific", 1)
    with serve(model) as (base_url, site):
        site.fail(first.path(), 429, {"Retry-After": "1"})
        site.fail(second.path(), 503, times=2)
        result = run_crawl("asia_pacific", base_url, database_url)
        requests = dict(site.requests)
    assert result.returncode == 0, result.log[-2000:]
    assert requests[first.path()] == 2
    assert requests[second.path()] == 3
    engine = create_engine(database_url)
    with engine.connect() as connection:
        urls = set(connection.scalars(select(Article.canonical_url)))
        stats = connection.scalar(select(CrawlRun.stats))
    engine.dispose()
    assert urls == {article.canonical_url for article in model.articles("/world/asia_pacific")}
    assert stats["retry/retry_after_waits"] == 1
    assert stats["retry/count"] == 3
    assert "answered 429 with Retry-After; waiting 1 s" in result.log


@pytest.mark.e2e
def test_a_list_page_that_failed_is_retried_and_the_next_run_still_walks_the_whole_section(tmp_path):
    section = "/world/asia_pacific"
    model = SiteModel({section: 45})
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, site):
        # The second list page fails every retry of the first run.
        site.fail(f"{section}/page_2.html", 503, times=4)
        first = run_crawl("asia_pacific", base_url, database_url, settings={"RETRY_TIMES": "3"})
        second = run_crawl("asia_pacific", base_url, database_url)
    assert first.returncode == 0 and second.returncode == 0, second.log[-2000:]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        urls = set(connection.scalars(select(Article.canonical_url)))
    engine.dispose()
    assert urls == {article.canonical_url for article in model.articles(section)}
