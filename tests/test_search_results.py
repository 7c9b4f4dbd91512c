"""The search API's page object on every bad answer the issue lists (crawler/pages/search_results.py),
and the audit's arguments (crawler/spiders/audit.py)."""

import json
from datetime import UTC, date, datetime

import pytest
from scrapy.http import TextResponse

from crawler.pages.search_results import read_search_page, search_url
from crawler.spiders.audit import AuditArguments

URL = search_url("https://newssearch.chinadaily.com.cn", "2024-05-13", 0)
ITEM = {
    "url": "https://www.chinadaily.com.cn/a/202405/13/WS6642a1b2a31082fc043c7d1e.html",
    "title": "Talks resume",
    "pubDateStr": "2024-05-14 07:26",
    "publishTime": 1715642762000,
    "id": "WS6642a1b2a31082fc043c7d1e",
    "channelName": "English",
    "source": "China Daily",
    "columnName": "Asia-Pacific",
}


def answer(body, status=200):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return TextResponse(URL, body=data, status=status, encoding="utf-8")


def test_the_query_asks_for_one_day_newest_first_from_page_0():
    assert URL == (
        "https://newssearch.chinadaily.com.cn/rest/en/search?keywords=&sort=dp&page=0&curType=story"
        "&type=&channel=&source=&publishedDateFrom=2024-05-13&publishedDateTo=2024-05-13"
    )


def test_a_good_answer():
    page = read_search_page(answer({"content": [ITEM], "totalPages": 3}))
    assert (page.problem, page.total_pages, page.skipped) == (None, 3, 0)
    (hit,) = page.hits
    assert (hit.url, hit.title, hit.section) == (ITEM["url"], "Talks resume", "Asia-Pacific")
    assert hit.published == datetime(2024, 5, 13, 23, 26, 2, tzinfo=UTC)  # publishTime, epoch ms


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<!DOCTYPE html><html><body>Service busy</body></html>", "an HTML page, not JSON"),
        (b"", "empty body"),
        (b'{"content": [', "not JSON"),
        (b'["a", "list"]', "JSON list, not an object"),
        (b'{"content": {"url": "x"}}', "'content' is a dict, not a list"),
    ],
)
def test_what_is_not_a_page_of_results_is_a_problem_and_no_result(body, problem):
    page = read_search_page(answer(body))
    assert page.problem is not None and page.problem.startswith(problem)
    assert page.hits == []


def test_raw_control_characters_inside_strings_are_read():
    body = json.dumps({"content": [{**ITEM, "plainText": "LINE"}], "totalPages": 1}).replace(
        "LINE", "one\n\ttwo\r"
    )
    page = read_search_page(answer(body.encode()))
    assert page.problem is None and len(page.hits) == 1


def test_empty_or_missing_content_is_a_page_without_results():
    for body in ({"content": [], "totalPages": 0}, {"totalPages": 5}, {"content": None}):
        page = read_search_page(answer(body))
        assert (page.problem, page.hits) == (None, [])


def test_missing_null_and_odd_fields():
    items = [
        {"url": ITEM["url"]},  # nothing but the URL
        {**ITEM, "title": None, "columnName": None, "publishTime": None},
        {**ITEM, "publishTime": "soon", "pubDateStr": "2024-05-14 07:26"},
        {"title": "no url"},
        {"url": None},
        {"url": 42},
        "not an object",
        None,
    ]
    page = read_search_page(answer({"content": items, "totalPages": "two"}))
    assert page.problem is None and page.total_pages is None
    assert page.skipped == 5
    bare, nulls, odd = page.hits
    assert (bare.title, bare.published, bare.section) == (None, None, None)
    assert (nulls.title, nulls.section) == (None, "English")  # channelName stands in for columnName
    assert (
        nulls.published == odd.published == datetime(2024, 5, 13, 23, 26, tzinfo=UTC)
    )  # pubDateStr, Beijing


def test_audit_arguments():
    today = date(2026, 12, 2)
    week = AuditArguments.parse(None, None, None, None, today)
    assert (week.since, week.until, week.fetch, week.sources) == (
        date(2026, 11, 26),
        today,
        True,
        ("search",),
    )
    assert week.days()[0] == "2026-12-02" and len(week.days()) == 7
    chosen = AuditArguments.parse("2024-05-01", "2024-05-03", "0", "search, rss,sitemap", today)
    assert (chosen.days(), chosen.fetch, chosen.sources) == (
        ["2024-05-03", "2024-05-02", "2024-05-01"],
        False,
        ("search", "rss", "sitemap"),
    )
    for since, until, sources in (
        ("May", None, None),
        ("2024-05-03", "2024-05-01", None),
        (None, None, "google"),
    ):
        with pytest.raises(ValueError):
            AuditArguments.parse(since, until, None, sources, today)


def test_the_audit_runs_as_one_process_even_where_redis_url_is_set_for_the_crawls():
    from scrapy.utils.test import get_crawler

    from crawler.spiders.audit import AuditSpider

    addon = {"ADDONS": {"crawler.distributed.SharedFrontierAddon": 0}}
    crawler = get_crawler(AuditSpider, {"REDIS_URL": "redis://127.0.0.1:6379/0", **addon})
    assert crawler.settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
