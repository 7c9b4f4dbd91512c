"""End to end: `scrapy crawl audit` against the local site's search API, RSS feeds and sitemap, and
`chinadaily-archive coverage` after it: what only the search API lists is archived, once; bad days
are not audited, and read again by the next audit."""

import io
import json

import pytest
from sqlalchemy import select

from crawler import cli, settings
from pipelines.archive.models import AuditedDay, Discovery
from tests.crawling import our_warnings, run_crawl
from tests.site import SiteModel, serve
from tests.site.search_api import listed_nowhere, search_key
from tests.test_crawl_incremental import requests_since, table

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
WINDOW = ("-a", "since=2016-12-29", "-a", "until=2017-01-05")
UNLISTED = (4, 11)


def model(**options):
    """One section of the local site, two of its articles in no list, the search API's second page
    of each day failing once."""
    return SiteModel({SECTION: 45}, unlisted={SECTION: UNLISTED}, search_fail_once=True, **options)


def audit(base_url, database_url, *args, stats_file, **settings):
    return run_crawl(
        "audit",
        base_url,
        database_url,
        *WINDOW,
        *args,
        settings={
            "CHINADAILY_SEARCH_BASE_URL": base_url,
            "ARCHIVE_STATS_FILE": str(stats_file),
            "HEALTH_MIN_SEARCH_COVERAGE": "0.9",
            **settings,
        },
    )


def cli_json(*argv):
    out = io.StringIO()
    assert cli.main([*argv], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_an_audit_after_a_crawl_archives_exactly_what_only_search_lists_and_a_second_finds_nothing(tmp_path):
    site_model = model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    stats_file = tmp_path / "stats.json"
    only_in_search = sorted(article.canonical_url for article in listed_nowhere(site_model))
    with serve(site_model) as (base_url, site):
        assert run_crawl("asia_pacific", base_url, database_url).returncode == 0
        before = {row["canonical_url"] for row in cli_json("export", "--db", database_url)}
        first = audit(base_url, database_url, stats_file=stats_file)
        first_stats = json.loads(stats_file.read_text())
        requests_before = dict(site.requests)
        second = audit(base_url, database_url, stats_file=stats_file)
        second_stats = json.loads(stats_file.read_text())
        second_requests = requests_since(site, requests_before)
    assert first.returncode == 0, first.log[-3000:]
    assert second.returncode == 0, second.log[-3000:]
    assert our_warnings(first.log) == []
    rows = {row["canonical_url"]: row for row in cli_json("export", "--db", database_url)}
    # Exactly the articles no list shows were added; mirror-host links folded, other hosts and videos left.
    assert sorted(set(rows) - before) == only_in_search
    assert first_stats["archive/articles_new"] == len(only_in_search)
    assert first_stats["audit/search/found"] == len(site_model.articles(SECTION))
    assert first_stats["audit/search/other_hosts"] > 0 and first_stats["audit/search/not_articles"] > 0
    assert first_stats["audit/search/total_pages_overstated"] > 0
    assert all(rows[url]["discovered_by"] == ["search"] for url in only_in_search)
    assert all(
        row["discovered_by"] == ["list", "search"] for url, row in rows.items() if url not in only_in_search
    )
    # The page that failed once was retried: every day audited.
    days = table(database_url, select(AuditedDay.day, AuditedDay.failure))
    assert len(days) == 8 and all(failure is None for _, failure in days)
    (found,) = cli_json(
        "--db", database_url, "coverage", "--since", "2016-12-29", "--until", "2017-01-05", "--json"
    )
    assert found["only_in_search"] == only_in_search
    assert found["coverage"] == round(1 - len(only_in_search) / len(site_model.articles(SECTION)), 4)
    # A second audit fetches nothing: it asks the search API again, and nothing else.
    assert second_stats.get("archive/articles_new", 0) == 0 and second_stats.get("audit/fetches", 0) == 0
    assert all(path.startswith("/rest/en/search?") for path in second_requests), second_requests


def test_a_day_that_cannot_be_read_is_not_audited_keeps_nothing_and_is_read_by_the_next_audit(tmp_path):
    site_model = model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    stats_file = tmp_path / "stats.json"
    broken, throttled, html = "2017-01-03", "2017-01-02", "2016-12-31"
    with serve(site_model) as (base_url, site):
        assert run_crawl("asia_pacific", base_url, database_url).returncode == 0
        site.fail(search_key(broken, 0), 503, times=1 + settings.RETRY_TIMES)  # every retry of this audit
        site.fail(search_key(throttled, 0), 429, {"Retry-After": "1"}, times=1)  # passes on the retry
        site.fail(search_key("2017-01-01", 0), 429, times=1)  # no Retry-After
        site.fail(search_key(html, 1), 200, times=1)  # an HTML page with status 200, on a day's second page
        first = audit(base_url, database_url, stats_file=stats_file)
        first_stats = json.loads(stats_file.read_text())
        after_first = table(database_url, select(Discovery.canonical_url, Discovery.day))
        (coverage,) = cli_json(
            "--db", database_url, "coverage", "--since", "2016-12-29", "--until", "2017-01-05", "--json"
        )
        second = audit(base_url, database_url, stats_file=stats_file)
    assert first.returncode == 0, first.log[-3000:]
    assert first_stats["audit/days_failed"] == 2
    assert (
        f"not audited: search {html}: an HTML page, not JSON on page 1 (the next audit reads it again)"
        in (first_stats["health/warnings"])
    )
    assert (
        f"not audited: search {broken}: HTTP 503 on page 0 (the next audit reads it again)"
        in first_stats["health/warnings"]
    )
    # Nothing of a day not read to its end is kept, not even its first page's results.
    assert not {broken, html} & {day for _, day in after_first}
    assert {day["day"]: day["audited"] for day in coverage["days"]}[broken] == "failed"
    assert f"not audited: {broken}" in coverage["summary"]
    assert second.returncode == 0, second.log[-3000:]
    days = dict(table(database_url, select(AuditedDay.day, AuditedDay.failure)))
    assert days[broken] is None and days[throttled] is None and days[html] is None
    assert {broken, html} <= {
        day for _, day in table(database_url, select(Discovery.canonical_url, Discovery.day))
    }


def test_too_little_found_by_the_list_walk_fails_the_health_check_with_the_figure(tmp_path):
    site_model = model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(site_model) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, database_url, "-a", "max_pages=1").returncode == 0
        result = audit(
            base_url,
            database_url,
            "-a",
            "fetch=0",
            stats_file=tmp_path / "s.json",
            HEALTH_MIN_SEARCH_COVERAGE="0.98",
        )
    assert result.returncode == 1
    assert "Health check failed: search coverage" in result.log
    assert "(at least 98% expected)" in result.log
    # fetch=0 only reports.
    assert json.loads((tmp_path / "s.json").read_text()).get("archive/articles_new", 0) == 0


def test_rss_feeds_and_the_sitemap_are_sources_of_their_own(tmp_path):
    site_model = model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    stats_file = tmp_path / "stats.json"
    with serve(site_model) as (base_url, _):
        result = audit(
            base_url, database_url, "-a", "sources=rss,sitemap", "-a", "fetch=0", stats_file=stats_file
        )
    assert result.returncode == 0, result.log[-3000:]
    stats = json.loads(stats_file.read_text())
    old_in_window = [
        a
        for a in site_model.articles(SECTION)
        if a.old_style and a.published.date().isoformat() >= "2016-12-29"
    ]
    assert stats["audit/rss/found"] == len(old_in_window)  # the feeds hold old-CMS links only
    assert stats["audit/sitemap/found"] == len(site_model.articles(SECTION))
    sources = {source for (source,) in table(database_url, select(Discovery.source))}
    assert sources == {"rss", "sitemap"}
