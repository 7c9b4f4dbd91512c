"""The dashboard in a real browser (Chromium through Playwright): charts drawn offline, search, an article's page."""

import os
import shutil
from urllib.parse import urlsplit

import pytest

from crawler.rendering import CHROMIUM_ARGS
from tests.crawling import run_crawl
from tests.serving import served
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
CHARTS = ("articles-per-day", "dead-per-day", "run-pages", "run-rates")
# The marks Vega drew for a chart's rows (bars, lines, points), not counting its axes and legend.
MARKS = """(selector) => document.querySelectorAll(
  selector + ' svg g.role-mark:is(.mark-rect, .mark-line, .mark-symbol) > path'
).length"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """An archive of two crawls of the local site, with dead links and a page the template missed."""
    folder = tmp_path_factory.mktemp("dashboard")
    model = SiteModel(
        {SECTION: 45, "/world/europe": 3},
        dead_links={"soft404": 2, "hard404": 1, "thin": 1},
        faults={9: "template_changed"},
    )
    url = f"sqlite:///{folder / 'archive.db'}"
    with serve(model) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, url).returncode in (0, 1)
        model.add_articles(SECTION, 3)
        assert run_crawl("asia_pacific", base_url, url).returncode in (0, 1)
    return model, url


def test_the_dashboard_draws_its_charts_offline_and_an_article_is_found_and_opened(
    archive, chromium, tmp_path
):
    from playwright.sync_api import sync_playwright

    model, url = archive
    story = model.article(SECTION, 3)
    with served(url) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        asked = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"{base}/-/dashboards/archive", wait_until="networkidle")
        for chart in CHARTS:
            page.wait_for_selector(f"#chart-{chart} svg g.role-mark", timeout=30_000)
        marks = {chart: page.evaluate(MARKS, f"#chart-{chart}") for chart in CHARTS}
        assert all(count > 0 for count in marks.values()), marks
        # Two runs, three measures each; two rates a run (a line and its points).
        assert marks["run-pages"] == 6, marks
        assert page.inner_text("#chart-articles-count").strip().replace(",", "") == str(
            len(model.articles(SECTION))
        )
        assert page.inner_text("#chart-dead-count").strip() == "4"
        screenshot = tmp_path / "dashboard.png"
        page.screenshot(path=str(screenshot), full_page=True)
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            shutil.copyfile(screenshot, os.environ["DASHBOARD_SCREENSHOT"])

        page.goto(f"{base}/archive/articles?_search={story.headline.split()[0]}+{story.headline.split()[-1]}")
        row = page.locator("table.rows-and-columns tbody tr", has_text=story.headline)
        assert row.count() == 1
        row.locator("a").first.click()  # the row's own page, by its id
        page.wait_for_load_state("networkidle")
        assert story.headline in page.inner_text("body")
        assert story.canonical_url in page.inner_text("body")
        browser.close()
    # Everything the pages loaded came from the local server: no CDN, no tracker.
    assert asked and {urlsplit(request).netloc for request in asked} == {urlsplit(base).netloc}
