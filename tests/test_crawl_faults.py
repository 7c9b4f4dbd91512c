"""End to end: every fault the local site can inject, crawled, then crawled again once it passes.

Each fault is put on one article of a 40-article section. The first crawl must finish, archive
every article that can be read (repaired where the fault allows), record the others as failed
(to try again) or dead, and store nothing half-parsed; the second crawl, with the faults gone,
must recover every failed article. Nothing twice, nothing lost.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, func, select

from pipelines.archive.models import Article, ArticleVersion, CrawlRun, DeadUrl, FailedUrl
from tests.crawling import run_crawl
from tests.site import SiteModel, serve
from tests.site import faults as site_faults

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
KINDS = (*site_faults.ARCHIVED, *site_faults.FAILED, *site_faults.DEAD, "ten_thousand_paragraphs")
# Index 1 is listed twice and index 6 has a regional edition: faults go elsewhere.
FAULTS = dict(zip(range(8, 8 + len(KINDS)), KINDS, strict=True))
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2",
    "DOWNLOAD_MAXSIZE": "2000000",
    "RETRY_TIMES": "1",
    "CONCURRENT_REQUESTS": "8",
}


def rows(database_url, model):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        result = list(connection.execute(select(model)))
    engine.dispose()
    return result


@dataclass
class FaultyCrawls:
    model: SiteModel
    database_url: str
    first_log: str
    first_code: int
    first_articles: dict
    first_failed: dict
    first_dead: dict
    second_log: str
    second_code: int
    faulty: dict
    """The faulted articles as the first crawl saw them, by fault."""

    def article(self, kind):
        return self.faulty[kind]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    model = SiteModel({SECTION: 40, "/world/europe": 3}, faults=FAULTS, foreign_links=True)
    database_url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'archive.db'}"
    faulty = {kind: model.article(SECTION, index) for index, kind in FAULTS.items()}
    with serve(model) as (base_url, _):
        first = run_crawl("asia_pacific", base_url, database_url, settings=SETTINGS, timeout=600)
        articles = {row.canonical_url: row for row in rows(database_url, Article)}
        failed = {row.url: row for row in rows(database_url, FailedUrl)}
        dead = {row.canonical_url: row for row in rows(database_url, DeadUrl)}
        model.faults.clear()
        model._article.cache_clear()
        second = run_crawl("asia_pacific", base_url, database_url, settings=SETTINGS, timeout=600)
    return FaultyCrawls(
        model,
        database_url,
        first.log,
        first.returncode,
        articles,
        failed,
        dead,
        second.log,
        second.returncode,
        faulty,
    )


def test_both_crawls_finish_without_a_crash(crawled):
    assert "Traceback" not in crawled.first_log
    assert "Traceback" not in crawled.second_log
    # The faults push the first crawl's error rate over its health limit on purpose; the
    # second, with the faults gone, is healthy.
    assert crawled.first_code in (0, 1), crawled.first_log[-3000:]
    assert crawled.second_code == 0, crawled.second_log[-3000:]


@pytest.mark.parametrize("kind", site_faults.FAILED)
def test_a_fault_that_may_pass_is_a_failed_url_with_its_reason(crawled, kind):
    article = crawled.article(kind)
    assert article.canonical_url not in crawled.first_articles
    failed = crawled.first_failed[article.canonical_url]
    assert failed.reason
    assert failed.resolved_at is None


@pytest.mark.parametrize("kind", site_faults.FAILED)
def test_the_next_run_recovers_what_failed(crawled, kind):
    article = crawled.model.article(SECTION, crawled.article(kind).index)
    archived = {row.canonical_url: row for row in rows(crawled.database_url, Article)}
    assert archived[article.canonical_url].article_body == article.body
    failed = {row.url: row for row in rows(crawled.database_url, FailedUrl)}
    assert failed[article.canonical_url].resolved_at is not None


def test_a_page_that_is_not_html_is_dead_not_an_article(crawled):
    article = crawled.article("not_html")
    assert article.canonical_url not in crawled.first_articles
    dead = crawled.first_dead[article.canonical_url]
    assert (dead.kind, dead.reason) == ("thin", "not an HTML page (application/pdf)")


@pytest.mark.parametrize(
    "kind",
    ["http_429", "wrong_charset", "date_buddhist", "date_future", "date_none", "ten_thousand_paragraphs"],
)
def test_a_repairable_fault_is_archived_right(crawled, kind):
    article = crawled.article(kind)
    row = crawled.first_articles[article.canonical_url]
    expected = article.expected()
    for field in ("headline", "authors", "source", "article_body", "date_published", "date_modified"):
        assert getattr(row, field) == expected[field], field


def test_bytes_that_are_not_utf8_are_replaced_not_fatal(crawled):
    article = crawled.article("bad_utf8")
    row = crawled.first_articles[article.canonical_url]
    assert row.headline == article.headline
    first, *rest = row.article_body.split("\n")
    assert "\ufffd" in first
    assert rest == article.body.split("\n")[1:]


def test_broken_html_still_gives_the_article_and_no_furniture(crawled):
    article = crawled.article("broken_html")
    row = crawled.first_articles[article.canonical_url]
    assert row.headline == article.headline
    for paragraph in article.body.split("\n"):
        assert paragraph in row.article_body
    assert "Editor's pick" not in row.article_body


def test_every_fault_has_a_stat_and_a_log_line(crawled):
    (stats,) = [row.stats for row in rows(crawled.database_url, CrawlRun)][:1]
    assert stats["encoding/corrected"] >= 1
    assert stats["encoding/invalid_utf8"] >= 1
    assert stats["dates/buddhist_era"] == 1
    assert stats["dates/in_the_future"] == 1
    assert stats["retry/retry_after_waits"] == 1
    assert stats["list/offsite_links"] == 3
    assert stats["verdict/thin/not_an_html_page_application_pdf"] == 1
    assert sum(value for key, value in stats.items() if key.startswith("verdict/failed/")) == len(
        site_faults.FAILED
    )
    for kind in site_faults.FAILED:
        assert crawled.article(kind).path() in crawled.first_log


def test_in_the_end_every_article_once_and_nothing_lost(crawled):
    archived = [row.canonical_url for row in rows(crawled.database_url, Article)]
    assert len(archived) == len(set(archived))
    expected = {crawled.model.story_url(a) for a in crawled.model.articles(SECTION)}
    expected.discard(crawled.article("not_html").canonical_url)
    assert set(archived) == expected
    engine = create_engine(crawled.database_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ArticleVersion)) >= len(expected)
    engine.dispose()
