"""End to end on SQLite and PostgreSQL: re-crawls, edits, regional editions, concurrent crawls, SIGTERM."""

import signal
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from pipelines.archive.models import Article, ArticleUrl, ArticleVersion, CrawlRun
from tests.crawling import run_crawl, start_crawl
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"


def query(database_url, statement):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        result = list(connection.execute(statement))
    engine.dispose()
    return result


def count(database_url, model):
    return query(database_url, select(func.count()).select_from(model))[0][0]


def test_recrawl_edit_and_regional_edition(database_url):
    model = SiteModel({SECTION: 30, "/world/europe": 3})
    edited = model.article(SECTION, 9)
    with serve(model) as (base_url, _):
        for _ in range(2):
            result = run_crawl("asia_pacific", base_url, database_url)
            assert result.returncode == 0, result.log[-3000:]
        after_two = (count(database_url, Article), count(database_url, ArticleVersion))
        model.edit(
            SECTION, 9, page=1, paragraph=1, text="An editor's correction: the talks resume on Monday."
        )
        # The article is years old: only a full walk fetches it again.
        result = run_crawl("asia_pacific", base_url, database_url, "-a", "full=1")
        assert result.returncode == 0, result.log[-3000:]

    articles = model.articles(SECTION)
    assert after_two == (len(articles), len(articles))
    assert count(database_url, Article) == len(articles)
    assert count(database_url, ArticleVersion) == len(articles) + 1
    body = query(
        database_url, select(Article.article_body).where(Article.canonical_url == edited.canonical_url)
    )
    assert body == [(model.article(SECTION, 9).body,)]
    assert "An editor's correction" in body[0][0]
    versions = query(
        database_url,
        select(ArticleVersion.article_body)
        .join(Article, Article.id == ArticleVersion.article_id)
        .where(Article.canonical_url == edited.canonical_url)
        .order_by(ArticleVersion.id),
    )
    assert [v[0] for v in versions] == [edited.body, model.article(SECTION, 9).body]
    edits = query(
        database_url,
        text("SELECT kind, body_changed, headline_changed FROM article_edits WHERE kind = 'edit'"),
    )
    assert [tuple(e) for e in edits] == [("edit", 1, 0)]

    (edition,) = model.editions()
    original = model.article(SECTION, edition.edition_of)
    aliases = query(
        database_url,
        select(ArticleUrl.url, Article.canonical_url).join(Article, Article.id == ArticleUrl.article_id),
    )
    assert (edition.canonical_url, original.canonical_url) in {tuple(a) for a in aliases}
    runs = query(database_url, select(CrawlRun.stats).order_by(CrawlRun.id))
    assert [run[0].get("archive/articles_updated", 0) for run in runs] == [0, 0, 1]
    assert [run[0].get("archive/articles_new", 0) for run in runs] == [len(articles), 0, 0]


def test_two_crawls_at_once_create_no_duplicate(database_url):
    model = SiteModel({SECTION: 40, "/world/europe": 3})
    with serve(model) as (base_url, _):
        crawls = [
            start_crawl("asia_pacific", base_url, database_url, settings={"ARCHIVE_BATCH_SIZE": "3"})
            for _ in range(2)
        ]
        logs = [crawl.communicate(timeout=300)[0] for crawl in crawls]
    assert [crawl.returncode for crawl in crawls] == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    stories = {model.story_url(a) for a in model.articles(SECTION)}
    assert {row[0] for row in query(database_url, select(Article.canonical_url))} == stories
    assert count(database_url, Article) == len(stories)
    assert count(database_url, ArticleVersion) == len(stories)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_writes_what_was_buffered(database_url, stop):
    model = SiteModel({SECTION: 60, "/world/europe": 3})
    with serve(model, article_delay=0.2) as (base_url, _):
        settings = {"ARCHIVE_BATCH_SIZE": "1000", "CONCURRENT_REQUESTS": "2"}
        crawl = start_crawl("asia_pacific", base_url, database_url, settings=settings)
        lines = []
        assert crawl.stdout is not None
        for line in crawl.stdout:
            lines.append(line)
            if "Spider opened" in line:
                break
        time.sleep(4)
        crawl.send_signal(stop)
        output = "".join(lines) + crawl.communicate(timeout=120)[0]
    assert crawl.returncode == 0, output[-3000:]
    assert "shutting down gracefully" in output
    (stats,) = query(database_url, select(CrawlRun.stats))[0]
    written = count(database_url, Article)
    assert 0 < written < len(model.articles(SECTION))
    assert stats["finish_reason"] == "shutdown"
    assert stats["archive/items_received"] == stats["archive/items_written"]
    assert stats["archive/articles_new"] == written
