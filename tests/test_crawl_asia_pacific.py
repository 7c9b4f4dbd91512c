"""End to end: `scrapy crawl asia_pacific` against the local copy of the site, every row checked."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, func, select

from pipelines.archive.models import Article, ArticleVersion, CrawlRun, DeadUrl
from tests.crawling import our_warnings, run_crawl
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
FIELDS = (
    "site_article_id",
    "headline",
    "authors",
    "source",
    "section",
    "breadcrumbs",
    "date_published",
    "date_modified",
    "article_body",
    "images",
    "language",
    "template",
    "pages_expected",
    "pages_stored",
    "pages_missing",
)


def rows(database_url, model):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        result = list(connection.execute(select(model)))
    engine.dispose()
    return result


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One site, crawled twice into the same archive."""
    model = SiteModel()
    database_url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'archive.db'}"
    with serve(model) as (base_url, site):
        first = run_crawl("asia_pacific", base_url, database_url)
        first_requests = dict(site.requests)
        first_articles = rows(database_url, Article)
        second = run_crawl("asia_pacific", base_url, database_url)
    return model, database_url, first, first_requests, first_articles, second


def test_the_crawl_succeeds_without_errors(crawled):
    _, _, first, _, _, second = crawled
    for result in (first, second):
        assert result.returncode == 0, result.log[-3000:]
        assert "Traceback" not in result.log
        assert "ERROR" not in result.log
        assert our_warnings(result.log) == []


def test_every_listed_article_is_archived_once(crawled):
    model, _, _, _, articles, _ = crawled
    expected = {article.canonical_url for article in model.articles(SECTION)}
    archived = [row.canonical_url for row in articles]
    assert len(archived) == len(set(archived))
    assert set(archived) == expected


@pytest.mark.parametrize("field", FIELDS)
def test_every_row_has_the_right_field(crawled, field):
    model, _, _, _, articles, _ = crawled
    by_url = {row.canonical_url: row for row in articles}
    wrong = []
    for article in model.articles(SECTION):
        want = article.expected()[field]
        got = getattr(by_url[article.canonical_url], field)
        if got != want:
            wrong.append((article.canonical_url, want, got))
    assert wrong == []


def test_multi_page_articles_have_every_page_in_order(crawled):
    model, _, _, _, articles, _ = crawled
    by_url = {row.canonical_url: row for row in articles}
    multi = [article for article in model.articles(SECTION) if len(article.pages) > 1]
    assert len(multi) >= 3
    for article in multi:
        assert by_url[article.canonical_url].article_body == article.body


def test_the_article_inside_not_found_blocks_is_archived_clean(crawled):
    model, _, _, _, articles, _ = crawled
    (inlined,) = [article for article in model.articles(SECTION) if article.inlined_not_found]
    row = {row.canonical_url: row for row in articles}[inlined.canonical_url]
    assert row.article_body == inlined.body
    assert "not found" not in row.article_body_html


def test_nothing_from_sidebars_headers_or_footers(crawled):
    model, _, _, requests, articles, _ = crawled
    sidebar_paths = {article.path() for article in model.articles("/world/europe")}
    assert not sidebar_paths & set(requests)
    for row in articles:
        for furniture in ("Editor's pick", "Today's Top News", "Most Viewed", "Copyright", "Sorry"):
            assert furniture not in row.article_body
            assert furniture not in row.article_body_html


def test_each_page_is_fetched_once_even_when_listed_twice(crawled):
    model, _, _, requests, _, _ = crawled
    article_pages = [
        article.path(page) for article in model.articles(SECTION) for page in range(1, len(article.pages) + 1)
    ]
    assert {path: requests.get(path) for path in article_pages} == dict.fromkeys(article_pages, 1)
    assert all(count == 1 for count in requests.values())


def test_a_second_crawl_adds_no_rows_and_no_versions(crawled):
    model, database_url, _, _, first_articles, _ = crawled
    articles = rows(database_url, Article)
    assert len(articles) == len(first_articles) == len(model.articles(SECTION))
    assert len(rows(database_url, ArticleVersion)) == len(first_articles)
    assert rows(database_url, DeadUrl) == []
    first_seen = {row.canonical_url: row.first_seen_at for row in first_articles}
    for row in articles:
        assert row.first_seen_at == first_seen[row.canonical_url]


def test_each_crawl_leaves_a_run_record(crawled):
    model, database_url, _, _, _, _ = crawled
    runs = rows(database_url, CrawlRun)
    assert [(run.spider, run.finish_reason) for run in runs] == [("asia_pacific", "finished")] * 2
    assert runs[0].stats["archive/articles_new"] == len(model.articles(SECTION))
    assert runs[1].stats.get("archive/articles_new", 0) == 0
    assert runs[1].stats["walk/mode"] == "incremental"


def test_max_pages_and_since_bound_the_walk(tmp_path):
    model = SiteModel()
    newest_day = model.article(SECTION, 0).published.astimezone(UTC).date()
    since = newest_day.isoformat()
    with serve(model) as (base_url, _):
        capped = run_crawl("asia_pacific", base_url, f"sqlite:///{tmp_path / 'a.db'}", "-a", "max_pages=1")
        recent = run_crawl("asia_pacific", base_url, f"sqlite:///{tmp_path / 'b.db'}", "-a", f"since={since}")
    assert capped.returncode == 0 and recent.returncode == 0
    first_page = {model.story_url(article) for article in model.list_entries(SECTION, 1)}
    assert {row.canonical_url for row in rows(f"sqlite:///{tmp_path / 'a.db'}", Article)} == first_page
    cutoff = datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC)
    wanted = {a.canonical_url for a in model.articles(SECTION) if a.published >= cutoff}
    assert wanted
    assert {row.canonical_url for row in rows(f"sqlite:///{tmp_path / 'b.db'}", Article)} == wanted


def test_a_bad_argument_is_one_line_and_exit_status_2_before_anything_is_fetched(tmp_path):
    model = SiteModel()
    with serve(model) as (base_url, site):
        result = run_crawl(
            "asia_pacific", base_url, f"sqlite:///{tmp_path / 'a.db'}", "-a", "since=last-week"
        )
        fetched = dict(site.requests)
    assert result.returncode == 2
    assert result.log.strip().splitlines()[-1] == (
        "chinadaily-archive: asia_pacific: since must be a day, YYYY-MM-DD, got 'last-week'"
    )
    assert "Traceback" not in result.log and not fetched
    assert not (tmp_path / "a.db").exists()


def test_the_generic_section_spider_takes_a_path(tmp_path):
    model = SiteModel({"/world/europe": 6, "/world/asia_pacific": 3})
    database_url = f"sqlite:///{tmp_path / 'europe.db'}"
    with serve(model) as (base_url, _):
        result = run_crawl("section", base_url, database_url, "-a", "path=/world/europe")
    assert result.returncode == 0, result.log[-2000:]
    archived = rows(database_url, Article)
    assert {row.canonical_url for row in archived} == {
        a.canonical_url for a in model.articles("/world/europe")
    }
    assert {row.section for row in archived} == {"World > Europe"}
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CrawlRun)) == 1
    engine.dispose()
