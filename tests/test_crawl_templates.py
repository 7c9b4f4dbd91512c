"""End to end: the site's photo story and legacy templates, and an article whose third page dies,
crawled from the local copy of the site (crawler/pages/templates.py, crawler/stitching.py)."""

import io
import json
from datetime import UTC

import pytest
from sqlalchemy import create_engine, select

from crawler.cli import main as cli
from pipelines.archive.models import Article, ArticleVersion, CrawlRun, DeadUrl, FailedUrl
from tests.crawling import run_crawl
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
SITE = "https://www.chinadaily.com.cn"
PHOTO, LEGACY, DYING = 27, 40, 19


def rows(database_url, statement):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = list(connection.execute(statement))
    engine.dispose()
    return found


def article_row(database_url, article):
    [row] = rows(database_url, select(Article).where(Article.canonical_url == article.canonical_url))
    return row


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    model = SiteModel()
    database_url = f"sqlite:///{tmp_path_factory.mktemp('templates') / 'archive.db'}"
    with serve(model) as (base_url, _):
        result = run_crawl("asia_pacific", base_url, database_url, settings={"ARCHIVE_STATS_FILE": ""})
    assert result.returncode == 0, result.log[-3000:]
    return model, database_url, result


def test_the_photo_story_is_one_article_of_five_pages_each_photo_with_its_caption(crawled):
    model, database_url, _ = crawled
    story = model.article(SECTION, PHOTO)
    assert story.template == "photo" and len(story.pages) == 5
    row = article_row(database_url, story)
    assert row.template == "photo"
    assert row.article_body == "\n".join(text for page in story.pages for text in page)
    assert len(row.images) == 5 and all(image["caption"] for image in row.images)
    assert [image["caption"] for image in row.images] == [caption for _, _, _, caption in story.images]
    assert (row.source, row.authors) == ("chinadaily.com.cn", [])
    assert row.date_published.replace(tzinfo=UTC) == story.published.astimezone(UTC)
    assert (row.pages_expected, row.pages_stored, row.pages_missing) == (5, 5, [])
    assert not row.article_body.startswith(story.headline) and "Share" not in row.article_body


def test_the_legacy_article_takes_its_date_and_authors_from_the_cms_comment(crawled):
    model, database_url, _ = crawled
    legacy = model.article(SECTION, LEGACY)
    # Listed without a time and printing none: the comment is the only exact time there is.
    assert legacy.template == "legacy" and legacy.listed_without_date
    row = article_row(database_url, legacy)
    assert row.template == "legacy"
    assert row.authors == legacy.authors and row.source == "China Daily"
    assert row.date_published.replace(tzinfo=UTC) == legacy.published.astimezone(UTC)
    assert row.date_modified is None
    assert row.article_body == legacy.body and "(Editor:" not in row.article_body


def test_each_run_counts_its_templates_and_where_each_field_came_from(crawled):
    model, database_url, _ = crawled
    [(stats,)] = rows(database_url, select(CrawlRun.stats))
    assert stats["article/template/photo"] == 1
    assert stats["article/template/legacy"] == 1
    news = len(model.articles(SECTION)) + len(model.editions()) - 2
    assert stats["article/template/news"] >= news - 1  # the article inside not-found blocks is news too
    assert stats["field/headline/template"] == stats["article/extracted"]


@pytest.mark.parametrize(
    ("fault", "kind", "reason"),
    [("http_503", "failed", "HTTP 503 after retries"), ("http_404", "http_error", "HTTP 404")],
)
def test_an_article_whose_third_page_dies_is_stored_incomplete_and_completed_by_a_later_run(
    tmp_path, fault, kind, reason
):
    model = SiteModel({SECTION: 30, "/world/europe": 3}, page_faults={(DYING, 3): fault})
    article = model.article(SECTION, DYING)
    assert len(article.pages) == 3
    page_3 = SITE + article.path(3)
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, site):
        first = run_crawl("asia_pacific", base_url, database_url)
        assert first.returncode == 0, first.log[-3000:]
        row = article_row(database_url, article)
        assert row.article_body == "\n".join(article.pages[0] + article.pages[1])
        assert (row.pages_expected, row.pages_stored, row.pages_missing) == (3, 2, [page_3])
        recorded = rows(database_url, select(FailedUrl.url, FailedUrl.reason)) + rows(
            database_url, select(DeadUrl.url, DeadUrl.reason)
        )
        assert [(url, why) for url, why in recorded] == [
            (page_3, f"page 3 of {article.canonical_url}: {reason}")
        ]
        shown = _command("show", article.canonical_url, "--json", "--db", database_url)
        assert json.loads(shown)["pages_missing"] == [
            {"url": page_3, "kind": kind, "reason": f"page 3 of {article.canonical_url}: {reason}"}
        ]
        dead = [json.loads(line) for line in _command("dead", "--json", "--db", database_url).splitlines()]
        assert {(entry["url"], entry["kind"]) for entry in dead} == {(page_3, kind)}

        model.page_faults.clear()  # the site has the page again
        second = run_crawl("asia_pacific", base_url, database_url)
        assert second.returncode == 0, second.log[-3000:]
        assert site.requests[article.path(3)] >= 2
    row = article_row(database_url, article)
    assert row.article_body == article.body
    assert (row.pages_expected, row.pages_stored, row.pages_missing) == (3, 3, [])
    versions = rows(
        database_url, select(ArticleVersion.article_body).where(ArticleVersion.article_id == row.id)
    )
    assert [body for (body,) in versions] == ["\n".join(article.pages[0] + article.pages[1]), article.body]
    assert rows(database_url, select(FailedUrl.url).where(FailedUrl.resolved_at.is_(None))) == []
    assert rows(database_url, select(DeadUrl.url)) == []


def _command(*argv):
    out = io.StringIO()
    assert cli(list(argv), out=out) == 0
    return out.getvalue()
