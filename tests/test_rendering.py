"""Script-built pages rendered in Debian's Chromium through scrapy-playwright (crawler/rendering.py)."""

import json
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from sqlalchemy import create_engine, select

from crawler.judging import PageJudge
from crawler.pages.article_page import ArticlePage
from crawler.rendering import should_abort_request
from pipelines.archive.models import Article, CrawlRun
from tests.crawling import run_crawl
from tests.site import SiteModel, serve
from tests.site.server import LocalSite

SECTION = "/world/asia_pacific"
SCRIPT_BUILT = (2, 5, 8)


def site_page(model, index, rendered=False):
    article = model.article(SECTION, index)
    status, _, body = LocalSite(model).respond(article.path())
    url = f"http://127.0.0.1{article.path()}"
    return HtmlResponse(url=url, body=body, status=status, request=Request(url, meta={"render": rendered}))


def test_a_page_whose_text_a_script_writes_is_told_from_a_plain_one():
    model = SiteModel(script_built=(2,))
    assert ArticlePage(site_page(model, 2)).builds_by_script()
    assert not ArticlePage(site_page(model, 1)).builds_by_script()


@pytest.mark.parametrize(
    ("can_render", "rendered", "verdict", "reason"),
    [
        (True, False, "render", "built by script"),
        (False, False, "thin", "built by script, not rendered"),
        (True, True, "thin", "built by script, still empty once rendered"),
    ],
)
def test_the_judge_sends_script_built_pages_to_the_browser_once(can_render, rendered, verdict, reason):
    judgement = PageJudge(40, can_render=can_render).judge_article(
        site_page(SiteModel(script_built=(2,)), 2, rendered)
    )
    assert (judgement.verdict, judgement.reason) == (verdict, reason)
    assert judgement.article is None


def test_images_fonts_and_media_are_not_fetched_by_the_browser():
    blocked = [
        should_abort_request(SimpleNamespace(resource_type=kind)) for kind in ("image", "font", "media")
    ]
    kept = [
        should_abort_request(SimpleNamespace(resource_type=kind)) for kind in ("document", "script", "xhr")
    ]
    assert blocked == [True, True, True]
    assert kept == [False, False, False]


def crawl(tmp_path, *, settings=None, name="archive.db"):
    model = SiteModel({SECTION: 25, "/world/europe": 3}, script_built=SCRIPT_BUILT)
    database_url = f"sqlite:///{tmp_path / name}"
    with serve(model) as (base_url, _):
        result = run_crawl("asia_pacific", base_url, database_url, settings=settings)
    return model, database_url, result


def archived(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = {row.canonical_url: row for row in connection.execute(select(Article))}
        stats = connection.execute(select(CrawlRun.stats)).scalar_one()
    engine.dispose()
    return rows, stats


@pytest.mark.e2e
def test_auto_renders_the_script_built_pages_and_archives_their_whole_text(tmp_path, chromium):
    model, database_url, result = crawl(tmp_path, settings={"RENDER_BROWSER_PATH": chromium})
    assert result.returncode == 0, result.log[-3000:]
    rows, stats = archived(database_url)
    assert set(rows) == {model.story_url(a) for a in model.articles(SECTION)}
    for index in SCRIPT_BUILT:
        article = model.article(SECTION, index)
        row = rows[article.canonical_url]
        assert (row.headline, row.authors, row.source, row.article_body) == (
            article.headline,
            article.authors,
            article.source,
            article.body,
        )
    multipage = sum(len(model.article(SECTION, i).pages) for i in SCRIPT_BUILT)
    assert stats["render/fallback"] == len(SCRIPT_BUILT)
    assert stats["render/pages"] == multipage
    assert stats["playwright/page_count"] == multipage
    assert stats["playwright/request_count/aborted"] > 0
    assert stats["playwright/context_count"] == multipage


@pytest.mark.e2e
def test_never_counts_script_built_pages_as_extraction_failures(tmp_path):
    model, database_url, result = crawl(tmp_path, settings={"RENDER_MODE": "never"})
    assert result.returncode == 0, result.log[-3000:]
    rows, stats = archived(database_url)
    script_built = {model.article(SECTION, i).canonical_url for i in SCRIPT_BUILT}
    assert not script_built & set(rows)
    assert len(rows) == len(model.articles(SECTION)) - len(SCRIPT_BUILT)
    assert stats["verdict/thin/built_by_script_not_rendered"] == len(SCRIPT_BUILT)
    assert stats["extract/failed"] == len(SCRIPT_BUILT)
    assert not any(key.startswith("playwright/") for key in stats)


@pytest.mark.e2e
def test_auto_without_a_browser_warns_once_and_still_crawls(tmp_path):
    model, database_url, result = crawl(
        tmp_path, settings={"RENDER_BROWSER_PATH": str(tmp_path / "no-chromium")}
    )
    assert result.returncode == 0, result.log[-3000:]
    assert result.log.count("Rendering is not available") == 1
    rows, stats = archived(database_url)
    assert len(rows) == len(model.articles(SECTION)) - len(SCRIPT_BUILT)
    assert stats["extract/failed"] == len(SCRIPT_BUILT)


@pytest.mark.e2e
def test_always_without_a_browser_is_an_error_before_the_crawl(tmp_path):
    _, _, result = crawl(
        tmp_path, settings={"RENDER_MODE": "always", "RENDER_BROWSER_PATH": "/nonexistent/chromium"}
    )
    assert result.returncode == 2
    assert (
        "RENDER_MODE=always, but RENDER_BROWSER_PATH '/nonexistent/chromium' is not an executable file"
        in result.log
    )
    assert not (tmp_path / "archive.db").exists()


@pytest.mark.e2e
def test_always_renders_every_page(tmp_path, chromium):
    model, database_url, result = crawl(
        tmp_path, settings={"RENDER_MODE": "always", "RENDER_BROWSER_PATH": chromium, "RENDER_MAX_PAGES": "2"}
    )
    assert result.returncode == 0, result.log[-3000:]
    rows, stats = archived(database_url)
    assert {url: row.article_body for url, row in rows.items()} == {
        article.canonical_url: article.body for article in model.articles(SECTION)
    }
    article_pages = sum(len(a.pages) for a in model.articles(SECTION)) + len(model.editions())
    assert stats["render/pages"] == article_pages + model.page_count(SECTION)
    assert stats["playwright/context_count/max_concurrent"] <= 2
    assert json.dumps(stats).count("render/errors") == 0
