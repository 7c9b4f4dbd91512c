"""End to end: `scrapy crawl site` over the whole local site: every section found from the
navigation, each list template, cross-listed stories, a section that leaves the navigation, an
unreadable first list page, the sections argument, a top-level spider and several workers."""

import io
import json
import time
from collections import Counter

import pytest

from crawler import cli
from crawler.extensions.summary import markdown
from tests.crawling import our_warnings, run_crawl, start_crawl
from tests.databases import postgres_database
from tests.site import serve
from tests.site.model import SiteModel, whole_site_model
from tests.test_crawl_incremental import requests_since
from tests.test_crawl_shared import finish, shared_settings

pytestmark = pytest.mark.e2e

# The local site's menus: the home page, and each top-level section's front page.
NAVIGATION_PAGES = {"/", "/china", "/world", "/business", "/life", "/sports", "/opinion", "/regional"}


def exported(database_url):
    out = io.StringIO()
    assert cli.main(["export", "--db", database_url], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def expected_sections(model: SiteModel, sections=None):
    """canonical URL -> the section paths that list it, for every story the model's sections list."""
    walked = [section for section in model.sections if sections is None or section in sections]
    expected: dict[str, set[str]] = {}
    for section in walked:
        for article in model.articles(section):
            expected.setdefault(model.story_url(article), set()).add(section)
        for other, index in model.cross_listed.get(section, []):
            expected.setdefault(model.article(other, index).canonical_url, set()).add(section)
    for edition in model.editions():
        if edition.section in walked:
            expected.setdefault(model.story_url(edition), set()).add(edition.section)
    return expected


def by_url(rows):
    return {row["canonical_url"]: set(row["sections"]) for row in rows}


def stats_of(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_whole_site_is_archived_once_with_every_section_and_a_rerun_reads_only_first_pages(tmp_path):
    model = whole_site_model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    stats_file = tmp_path / "stats.json"
    with serve(model) as (base_url, site):
        first = run_crawl("site", base_url, database_url, settings={"ARCHIVE_STATS_FILE": str(stats_file)})
        first_stats = stats_of(stats_file)
        before = dict(site.requests)
        second = run_crawl("site", base_url, database_url, settings={"ARCHIVE_STATS_FILE": str(stats_file)})
        second_requests = requests_since(site, before)
    assert first.returncode == 0, first.log[-3000:]
    assert second.returncode == 0, second.log[-3000:]
    assert our_warnings(first.log) == []
    rows = exported(database_url)
    # Every story once, with every section that listed it.
    assert len(rows) == len({row["canonical_url"] for row in rows})
    assert by_url(rows) == expected_sections(model)
    # The section counts the writer kept through both crawls' batches: the same stories.
    out = io.StringIO()
    assert cli.main(["--db", database_url, "--json", "stats", "--by", "section"], out=out) == 0
    counted = {line["section"]: line["articles"] for line in map(json.loads, out.getvalue().splitlines())}
    listed = Counter(path for paths in by_url(rows).values() for path in paths)
    unlisted = sum(1 for row in rows if not row["sections"])
    assert counted == dict(listed) | ({"(not listed)": unlisted} if unlisted else {})
    cross_listed = {
        model.article(s, i).canonical_url for picks in model.cross_listed.values() for s, i in picks
    }
    assert all(len(by_url(rows)[url]) == 2 for url in cross_listed)
    # Each article as its own section's page says it (breadcrumbs of two and three levels, none).
    fields = {row["canonical_url"]: (row["section"], row["breadcrumbs"]) for row in rows}
    for section in model.sections:
        for article in model.articles(section):
            expected = article.expected()
            assert fields[article.canonical_url] == (expected["section"], expected["breadcrumbs"])
    # Every section found: the third level only from Fashion's own sub-menu, /food from Lifestyle's.
    assert first_stats["site/sections"] == sorted(model.sections)
    assert first_stats["navigation/offsite_links"] > 0  # WATCHTHIS, FORUM, Business > Investment
    assert first_stats["list/fallback"] == sum(
        model.page_count(section)
        for section, template in model.list_templates.items()
        if template == "unknown"
    )
    assert sorted(first_stats["health/warnings"]) == sorted(
        f"{section} was read only by the generic list reader ({model.page_count(section)} list pages): "
        "its list template is one no page object knows"
        for section, template in model.list_templates.items()
        if template == "unknown"
    )
    summary = markdown(first_stats)
    assert "### 12 sections" in summary and "| /life/fashion/trendwatch | 1 |" in summary
    # An unchanged site: the menus, and each section's first list page (/regional's is its menu page).
    assert second_requests == dict.fromkeys(NAVIGATION_PAGES | set(model.sections), 1)


def test_a_section_that_leaves_the_navigation_is_reported_and_no_longer_walked(tmp_path):
    model = whole_site_model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    stats_file = tmp_path / "stats.json"
    dropped = "/business/economy"
    with serve(model) as (base_url, site):
        assert run_crawl("site", base_url, database_url).returncode == 0
        model.navigation["/business"].remove(dropped)
        before = dict(site.requests)
        second = run_crawl("site", base_url, database_url, settings={"ARCHIVE_STATS_FILE": str(stats_file)})
        second_requests = requests_since(site, before)
    assert second.returncode == 0, second.log[-3000:]
    stats = stats_of(stats_file)
    assert stats["site/dropped_sections"] == [dropped]
    assert (
        f"{dropped} is no longer in the navigation: not walked, its archive kept" in stats["health/warnings"]
    )
    assert dropped not in second_requests and dropped not in stats["site/sections"]
    assert f"Section {dropped} is no longer in the navigation" in second.log
    # Its stories stay in the archive.
    rows = by_url(exported(database_url))
    assert all(rows.get(article.canonical_url) == {dropped} for article in model.articles(dropped))


def test_an_unreadable_first_list_page_fails_the_health_check_naming_its_section(tmp_path):
    model = whole_site_model()
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    broken = "/food"
    with serve(model) as (base_url, site):
        site.fail(broken, 503, times=20)
        result = run_crawl("site", base_url, database_url)
    assert result.returncode == 1, result.log[-3000:]
    assert f"Health check failed: the first list page of {broken} could not be read" in result.log
    # Every other section is archived all the same.
    rows = by_url(exported(database_url))
    expected = expected_sections(model, [section for section in model.sections if section != broken])
    assert {url: sections - {broken} for url, sections in rows.items()} == expected


def test_the_sections_argument_and_a_top_level_spider_keep_to_their_subtrees(tmp_path):
    model = whole_site_model()
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"
    life = f"sqlite:///{tmp_path / 'life.db'}"
    with serve(model) as (base_url, _):
        some = run_crawl("site", base_url, chosen, "-a", "sections=/world, /life/fashion")
        menu = run_crawl("life", base_url, life)
    assert some.returncode == 0, some.log[-3000:]
    assert menu.returncode == 0, menu.log[-3000:]
    # A path selects its subtree: /life/fashion brings its third level.
    walked = ["/world/asia_pacific", "/world/europe", "/life/fashion", "/life/fashion/trendwatch"]
    assert by_url(exported(chosen)) == expected_sections(model, walked)
    # The life spider walks Lifestyle's menu, /food included, and the level below Fashion.
    assert by_url(exported(life)) == expected_sections(
        model, ["/life/fashion", "/life/fashion/trendwatch", "/food"]
    )


def test_two_workers_share_the_whole_site_and_archive_it_once(tmp_path, prefix):
    model = whole_site_model()
    single = f"sqlite:///{tmp_path / 'single.db'}"
    with postgres_database() as shared, serve(model, article_delay=0.02) as (base_url, site):
        assert run_crawl("site", base_url, single).returncode == 0
        robots_before = site.requests["/robots.txt"]
        home = site.hold("/")
        workers = [start_crawl("site", base_url, shared, settings=shared_settings(prefix)) for _ in range(2)]
        deadline = time.monotonic() + 60
        while site.requests["/robots.txt"] < robots_before + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        home.set()
        results = finish(workers)
        for code, log in results:
            assert code == 0, log[-3000:]
        assert by_url(exported(shared)) == by_url(exported(single)) == expected_sections(model)
        runs = [json.loads(line)["stats"] for line in _cli("runs", "--db", shared, "--json").splitlines()]
        assert sorted(run["shared/role"] for run in runs) == ["join", "seed"]
        # Both took part, and together archived each story once.
        new = [run.get("archive/articles_new", 0) for run in runs]
        assert all(new) and sum(new) == len(expected_sections(model)), new


def _cli(*argv):
    out = io.StringIO()
    assert cli.main(list(argv), out=out) == 0
    return out.getvalue()


@pytest.fixture
def prefix():
    from tests.redis_server import redis_prefix

    with redis_prefix() as name:
        yield name
