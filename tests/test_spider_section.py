"""The section spider's walk, driven with the real list page (crawler/spiders/section.py)."""

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.judging import PageJudge
from crawler.spiders.section import SectionSpider
from crawler.spiders.world import AsiaPacificSpider
from tests.labelled import labelled_pages

LIST, *_ = labelled_pages("list")  # the real captured page comes first
LOCAL = "http://127.0.0.1:8000"


def test_the_crawl_command_checks_walk_arguments_and_leaves_the_others_to_the_spider():
    from crawler.commands.crawl import Command

    assert Command._argument_problem(AsiaPacificSpider, {"max_pages": "two"}) == (
        "asia_pacific: max_pages must be a number of list pages, got 'two'"
    )
    assert Command._argument_problem(SectionSpider, {}) == (
        "section: no section given: use a named spider or -a path=/world/asia_pacific"
    )
    assert Command._argument_problem(AsiaPacificSpider, {"since": "2019-01-02", "_job": "7"}) is None


def make_spider(cls=SectionSpider, **kwargs):
    crawler = get_crawler(cls, {"CHINADAILY_BASE_URL": LOCAL, "REMOTE_CONTROL_ENABLED": False})
    crawler.stats.open_spider()
    spider = cls.from_crawler(crawler, **kwargs)
    # What the spider takes from the crawl's parts once the engine runs: a judge (no probes), no archive.
    spider.judge = PageJudge.from_settings(crawler.settings)
    spider.storage = None
    return spider


def walk(spider, response):
    """The requests a list page's callback yields (it is an async generator)."""
    from scrapy import Request

    async def collect():
        return [output async for output in spider.parse_list(response)]

    return [output for output in asyncio.run(collect()) if isinstance(output, Request)]


def list_response(url=f"{LOCAL}/world/china-us", body=None):
    from scrapy import Request

    real = LIST.response()
    return HtmlResponse(url=url, body=body if body is not None else real.body, request=Request(url))


def test_named_spiders_start_at_their_section_on_the_configured_origin():
    spider = make_spider(AsiaPacificSpider)
    assert spider.section_url == f"{LOCAL}/world/asia_pacific"
    assert spider.allowed_domains == ["127.0.0.1"]


def test_the_generic_spider_needs_a_path():
    with pytest.raises(ValueError, match="no section"):
        make_spider()
    assert make_spider(path="business/tech/").section_url == f"{LOCAL}/business/tech"


def test_a_list_page_yields_its_items_on_the_local_origin_then_the_next_page():
    spider = make_spider(path="/world/china-us")
    requests = walk(spider, list_response())
    expected = [item["url"].replace("https://www.chinadaily.com.cn", LOCAL) for item in LIST.label["items"]]
    assert [r.url for r in requests[:-1]] == expected
    assert requests[-1].url == f"{LOCAL}/world/china-us/page_2.html"
    assert requests[-1].callback == spider.parse_list
    first = requests[0]
    assert first.cb_kwargs["listing"].listed_at == datetime(2019, 1, 11, 18, 6, tzinfo=UTC)
    assert first.cb_kwargs["listing"].referrer == f"{LOCAL}/world/china-us"


def test_max_pages_stops_the_walk():
    spider = make_spider(path="/world/china-us", max_pages="1")
    requests = walk(spider, list_response())
    assert all(r.callback == spider.parse_article for r in requests)


def test_since_skips_older_items_and_ends_the_walk():
    spider = make_spider(path="/world/china-us", since="2019-01-10")
    requests = walk(spider, list_response())
    dates = [r.cb_kwargs["listing"].listed_at for r in requests]
    assert requests and all(d >= datetime(2019, 1, 10, tzinfo=UTC) for d in dates)
    assert all(r.callback == spider.parse_article for r in requests)
    assert len(requests) == sum(item["date_published_utc"] >= "2019-01-10" for item in LIST.label["items"])


def test_a_list_page_without_items_ends_the_walk():
    spider = make_spider(path="/world/china-us")
    empty = list_response(body=b"<html><body><div class='lft_art' id='left'></div></body></html>")
    assert walk(spider, empty) == []
    assert spider.crawler.stats.get_value("verdict/list_end/no_items") == 1


def test_links_to_other_hosts_and_scripts_are_never_requested():
    page = b"""<html><body><div class="lft_art" id="left">
      <div class="mb10 tw3_01_2 "><span class="tw3_01_2_t"><h4><a href="javascript:void(0)">x</a></h4><b>2019-01-12 02:06</b></span></div>
      <div class="mb10 tw3_01_2 "><span class="tw3_01_2_t"><h4><a href="https://example.com/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html">y</a></h4><b>2019-01-12 02:06</b></span></div>
      <div class="mb10 tw3_01_2 "><span class="tw3_01_2_t"><h4><a href="//cn.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html">z</a></h4><b>2019-01-12 02:06</b></span></div>
    </div></body></html>"""
    spider = make_spider(path="/world/china-us")
    assert walk(spider, list_response(body=page)) == []
    assert spider.crawler.stats.get_value("list/offsite_links") == 3


def test_a_fetch_that_times_out_is_a_failed_url():
    from scrapy import Request
    from twisted.internet.error import TimeoutError as TwistedTimeout
    from twisted.python.failure import Failure

    from crawler.items import FailedUrlItem
    from crawler.pages.article_page import Listing

    spider = make_spider(path="/world/china-us")
    request = Request(
        f"{LOCAL}/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html", cb_kwargs={"listing": Listing(referrer="L")}
    )
    failure = Failure(TwistedTimeout("took too long"))
    failure.request = request
    (item,) = list(spider.fetch_failed(failure))
    assert item == FailedUrlItem(
        url="https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
        reason="TimeoutError: User timeout caused connection failure: took too long.",
    )
    assert spider.crawler.stats.get_value("verdict/failed/timeouterror") == 1
