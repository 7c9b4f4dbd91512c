"""End to end: dead links on the local site's list pages become dead or failed URLs, never articles."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from pipelines.archive.models import Article, CrawlRun, DeadUrl, FailedUrl, ProbeFingerprint
from tests.crawling import run_crawl
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
DEAD_LINKS = {
    "soft404": 3,
    "hard404": 1,
    "gone410": 1,
    "redirect_home": 1,
    "redirect_section": 1,
    "shared_redirect": 3,
    "thin": 1,
    "failed": 1,
}


def table(database_url, model):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = list(connection.execute(select(model)))
    engine.dispose()
    return rows


@dataclass
class TwoCrawls:
    model: SiteModel
    database_url: str
    first: Any
    first_dead: list
    second: Any
    second_requests: dict
    failed_link: Any


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    model = SiteModel(dead_links=DEAD_LINKS)
    database_url = f"sqlite:///{tmp_path_factory.mktemp('soft404') / 'archive.db'}"
    with serve(model) as (base_url, site):
        first = run_crawl("asia_pacific", base_url, database_url, settings={"RETRY_TIMES": "1"})
        first_requests = dict(site.requests)
        first_dead = table(database_url, DeadUrl)
        # Later the site loses one archived article, and the failing server recovers.
        model.gone.add((SECTION, 4))
        failed_link = next(link for link in model.dead_links if link.kind == "failed")
        site.model.dead_links.remove(failed_link)
        second = run_crawl(
            "asia_pacific", base_url, database_url, "-a", "full=1", settings={"RETRY_TIMES": "1"}
        )
        second_requests = {path: n - first_requests.get(path, 0) for path, n in site.requests.items()}
    return TwoCrawls(model, database_url, first, first_dead, second, second_requests, failed_link)


def test_both_crawls_succeed(crawled):
    assert crawled.first.returncode == 0, crawled.first.log[-3000:]
    assert crawled.second.returncode == 0, crawled.second.log[-3000:]
    assert "Traceback" not in crawled.first.log + crawled.second.log


def test_exactly_the_real_articles_are_archived(crawled):
    archived = {row.canonical_url for row in table(crawled.database_url, Article)}
    assert archived == {article.canonical_url for article in crawled.model.articles(SECTION)}


def test_exactly_the_dead_links_are_recorded_with_their_kind(crawled):
    expected = {url: kind for url, kind in crawled.model.expected_dead().items() if kind != "failed"}
    assert {row.canonical_url: row.kind for row in crawled.first_dead} == expected


def test_dead_urls_say_status_reason_and_referrer(crawled):
    by_kind = {}
    for row in crawled.first_dead:
        by_kind.setdefault(row.kind, []).append(row)
    assert {row.status for row in by_kind["http_error"]} == {404, 410}
    assert {row.reason for row in by_kind["soft404"]} == {"not-found template"}
    assert {row.reason for row in by_kind["redirect"]} == {
        "redirected to the home page",
        "redirected to a section page",
        "redirect target shared by several article URLs",
    }
    assert all(
        row.referrer and row.referrer.rstrip("/").endswith(("asia_pacific", "page_2.html"))
        for row in crawled.first_dead
    )


def test_dead_urls_seen_again_move_last_seen(crawled):
    later = {row.url: row for row in table(crawled.database_url, DeadUrl)}
    for row in crawled.first_dead:
        assert later[row.url].first_seen_at == row.first_seen_at
        assert later[row.url].last_seen_at > row.last_seen_at


def test_a_failing_link_is_a_failed_url_and_is_tried_first_next_run(crawled):
    (row,) = table(crawled.database_url, FailedUrl)
    assert row.url == crawled.failed_link.canonical_url
    assert row.reason == "HTTP 503 after retries"
    assert row.resolved_at is not None
    assert crawled.second_requests.get(crawled.failed_link.path(), 0) >= 1


def test_an_article_whose_page_dies_is_kept_with_gone_at(crawled):
    gone = crawled.model.article(SECTION, 4)
    rows = {row.canonical_url: row for row in table(crawled.database_url, Article)}
    assert rows[gone.canonical_url].gone_at is not None
    assert rows[gone.canonical_url].article_body == gone.body
    assert [url for url, row in rows.items() if row.gone_at is not None] == [gone.canonical_url]
    dead = {row.canonical_url: row.kind for row in table(crawled.database_url, DeadUrl)}
    assert dead[gone.canonical_url] == "soft404"


def test_probes_run_once_and_are_kept(crawled):
    shapes = {row.shape: row for row in table(crawled.database_url, ProbeFingerprint)}
    assert set(shapes) == {"new_article", "old_article", "list"}
    assert shapes["new_article"].status == 200
    assert shapes["old_article"].final_url.endswith("/")
    runs = table(crawled.database_url, CrawlRun)
    assert runs[0].stats["soft404/probe/requests"] == 3
    assert "soft404/probe/requests" not in runs[1].stats


def test_verdicts_are_counted_by_reason_and_summarised(crawled):
    stats = table(crawled.database_url, CrawlRun)[0].stats
    assert stats["verdict/soft404/not_found_template"] == 3
    assert stats["verdict/http_error/http_404"] == 1
    assert stats["verdict/http_error/http_410"] == 1
    assert stats["verdict/thin/no_headline"] == 1
    assert stats["verdict/redirect/redirect_target_shared_by_several_article_urls"] == 3
    assert stats["verdict/failed/http_503_after_retries"] == 1
    assert "Crawl summary" in crawled.first.log
    assert "soft404: 3 (not_found_template 3)" in crawled.first.log


def test_a_not_found_page_in_other_words_is_caught_by_the_probe(tmp_path):
    model = SiteModel({SECTION: 25, "/world/europe": 3}, dead_links={"soft404": 2}, not_found_style="other")
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, _):
        result = run_crawl("asia_pacific", base_url, database_url)
    assert result.returncode == 0, result.log[-3000:]
    dead = table(database_url, DeadUrl)
    assert {(row.canonical_url, row.kind, row.reason) for row in dead} == {
        (url, "soft404", "like the probe answer") for url in model.expected_dead()
    }
    assert {row.canonical_url for row in table(database_url, Article)} == {
        article.canonical_url for article in model.articles(SECTION)
    }
