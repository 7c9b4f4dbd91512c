"""End to end: incremental runs, re-checks, kill-and-resume, JOBDIR and health checks on the local site."""

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select

from pipelines.archive.models import Article, ArticleUrl, ArticleVersion, CrawlRun, CrawlState, DeadUrl
from tests.crawling import run_crawl, start_crawl
from tests.site import SiteModel, serve
from tests.site.model import BEIJING

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"


def table(database_url, statement):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = list(connection.execute(statement))
    engine.dispose()
    return rows


def requests_since(site, before):
    """Paths requested since the snapshot `before`, robots.txt aside."""
    return {
        path: count - before.get(path, 0)
        for path, count in site.requests.items()
        if count > before.get(path, 0) and path != "/robots.txt"
    }


def test_an_up_to_date_archive_costs_one_list_page_and_new_articles_are_added_exactly(tmp_path):
    model = SiteModel({SECTION: 70, "/world/europe": 3})
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, site):
        first = run_crawl("asia_pacific", base_url, database_url)
        assert first.returncode == 0, first.log[-3000:]
        before_second = dict(site.requests)
        second = run_crawl("asia_pacific", base_url, database_url)
        second_requests = requests_since(site, before_second)
        rows_after_second = table(database_url, select(Article.canonical_url, Article.content_hash))
        added = model.add_articles(SECTION, 3)
        before_third = dict(site.requests)
        third = run_crawl("asia_pacific", base_url, database_url)
        third_requests = requests_since(site, before_third)
    assert second.returncode == 0 and third.returncode == 0, second.log[-2000:] + third.log[-2000:]
    assert second_requests == {SECTION: 1}
    assert len(rows_after_second) == len(model.articles(SECTION)) - 3
    new_paths = {
        page for article in added for page in (article.path(n) for n in range(1, len(article.pages) + 1))
    }
    article_requests = {path for path in third_requests if "/a/" in path or "content_" in path}
    assert article_requests == new_paths
    # 20 archived items in a row end the walk: with 3 new ones on page 1, that is on page 2.
    assert set(third_requests) - article_requests == {SECTION, f"{SECTION}/page_2.html"}
    archived = {row.canonical_url for row in table(database_url, select(Article.canonical_url))}
    assert archived - {row.canonical_url for row in rows_after_second} == {a.canonical_url for a in added}
    runs = [row.stats for row in table(database_url, select(CrawlRun.stats).order_by(CrawlRun.id))]
    assert [run["walk/mode"] for run in runs] == ["backfill", "incremental", "incremental"]
    assert [run.get("archive/articles_new", 0) for run in runs] == [len(rows_after_second), 0, 3]
    assert len(table(database_url, select(ArticleVersion.id))) == len(archived)
    (state,) = table(database_url, select(CrawlState))
    assert state.backfill_complete and state.reached_page == 4


def test_young_articles_are_rechecked_with_conditional_requests(tmp_path):
    newest = datetime.now(BEIJING).replace(second=0, microsecond=0) - timedelta(hours=2)
    model = SiteModel({SECTION: 30, "/world/europe": 3}, newest=newest, spacing=timedelta(hours=5))
    young = [a for a in model.articles(SECTION) if datetime.now(UTC) - a.published < timedelta(days=3)]
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, site):
        assert run_crawl("asia_pacific", base_url, database_url).returncode == 0
        model.edit(SECTION, 2, page=1, paragraph=0, text="Corrected: the meeting was held on Tuesday.")
        second = run_crawl("asia_pacific", base_url, database_url)
        not_modified = sum(site.not_modified.values())
    assert second.returncode == 0, second.log[-3000:]
    stats = table(database_url, select(CrawlRun.stats).order_by(CrawlRun.id))[-1].stats
    assert stats["recheck/requests"] >= len(young) - 1
    assert stats["recheck/not_modified"] == not_modified == stats["recheck/requests"] - 1
    assert stats["archive/articles_updated"] == 1
    edited = model.article(SECTION, 2)
    (body,) = table(
        database_url, select(Article.article_body).where(Article.canonical_url == edited.canonical_url)
    )
    assert body[0] == edited.body
    assert len(table(database_url, select(ArticleVersion.id))) == len(model.articles(SECTION)) + 1


def comparable(database_url):
    """The archive's content, without ids and fetch times, for comparing two archives row by row."""
    articles = {
        row.canonical_url: (
            row.site_article_id,
            row.headline,
            tuple(row.authors),
            row.source,
            row.section,
            row.date_published,
            row.date_modified,
            row.article_body,
            row.article_body_html,
            row.description,
            repr(row.images),
            row.content_hash,
            row.gone_at is None,
        )
        for row in table(database_url, select(Article))
    }
    versions = sorted(
        (row.canonical_url, row.content_hash)
        for row in table(
            database_url,
            select(Article.canonical_url, ArticleVersion.content_hash).join(
                Article, Article.id == ArticleVersion.article_id
            ),
        )
    )
    aliases = sorted(
        (row.url, row.canonical_url)
        for row in table(
            database_url,
            select(ArticleUrl.url, Article.canonical_url).join(Article, Article.id == ArticleUrl.article_id),
        )
    )
    dead = sorted((row.canonical_url, row.kind, row.reason) for row in table(database_url, select(DeadUrl)))
    return articles, versions, aliases, dead


def test_a_crawl_killed_half_way_ends_after_one_more_run_as_one_uninterrupted_crawl(tmp_path):
    model = SiteModel({SECTION: 120, "/world/europe": 3}, dead_links={"soft404": 2, "hard404": 1})
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    killed = f"sqlite:///{tmp_path / 'killed.db'}"
    with serve(model, article_delay=0.05) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, whole).returncode == 0
        crawl = start_crawl(
            "asia_pacific", base_url, killed, settings={"ARCHIVE_BATCH_SIZE": "7", "CONCURRENT_REQUESTS": "4"}
        )
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and stored < 40:
            time.sleep(0.3)
            try:
                stored = len(table(killed, select(Article.id)))
            except Exception:  # the crawl may not have created the schema yet
                stored = 0
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        assert crawl.returncode == -signal.SIGKILL
        after_kill = len(table(killed, select(Article.id)))
        assert 0 < after_kill < len(model.articles(SECTION))
        resumed = run_crawl("asia_pacific", base_url, killed)
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert "Walking" in resumed.log and "backfill mode" in resumed.log
    assert comparable(killed) == comparable(whole)
    (state,) = table(killed, select(CrawlState))
    assert state.backfill_complete


def test_jobdir_resumes_a_long_backfill(tmp_path):
    model = SiteModel({SECTION: 100, "/world/europe": 3})
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    jobbed = f"sqlite:///{tmp_path / 'jobbed.db'}"
    job = {"JOBDIR": str(tmp_path / "job"), "CONCURRENT_REQUESTS": "4"}
    with serve(model, article_delay=0.1) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, whole).returncode == 0
        crawl = start_crawl("asia_pacific", base_url, jobbed, settings=job)
        lines = []
        assert crawl.stdout is not None
        for line in crawl.stdout:
            lines.append(line)
            if "backfill mode" in line:
                break
        time.sleep(1.5)
        crawl.send_signal(signal.SIGINT)
        first_log = "".join(lines) + crawl.communicate(timeout=120)[0]
        interrupted = len(table(jobbed, select(Article.id)))
        resumed = run_crawl("asia_pacific", base_url, jobbed, settings=job)
    assert crawl.returncode == 0, first_log[-3000:]
    assert "shutting down gracefully" in first_log
    assert 0 < interrupted < len(model.articles(SECTION))
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert "Resuming the job's walk" in resumed.log
    assert comparable(jobbed) == comparable(whole)


@pytest.mark.parametrize("item_class", ["tw3_01_2", "news-item"])
def test_a_broken_list_template_fails_the_health_checks(tmp_path, item_class):
    model = SiteModel({SECTION: 25, "/world/europe": 3}, list_item_class=item_class)
    with serve(model) as (base_url, _):
        result = run_crawl("asia_pacific", base_url, f"sqlite:///{tmp_path / 'archive.db'}")
    if item_class == "tw3_01_2":
        assert result.returncode == 0, result.log[-3000:]
        assert "Health checks passed" in result.log
    else:
        assert result.returncode == 1
        assert "Health checks failed for asia_pacific:" in result.log
        assert "the section's first list page had 0 list items" in result.log
