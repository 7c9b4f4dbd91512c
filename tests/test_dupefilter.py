"""The duplicate filter that lets every redirect reach its target (crawler/dupefilter.py)."""

import pytest
from scrapy import Spider
from scrapy.http import Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.dupefilter import RedirectAwareDupeFilter

ARTICLE = "https://www.chinadaily.com.cn/a/202411/27/WS6746a0c1a310f1265a1d0a1b.html"
MOVED = "https://www.chinadaily.com.cn/world/2016-11/29/content_27512345.htm"


@pytest.fixture
def dupefilter():
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False})
    return build_from_crawler(RedirectAwareDupeFilter, crawler)


def test_a_url_requested_twice_is_seen_the_second_time(dupefilter):
    assert not dupefilter.request_seen(Request(ARTICLE))
    assert dupefilter.request_seen(Request(ARTICLE))


def test_the_next_hop_of_a_redirect_is_never_a_duplicate(dupefilter):
    assert not dupefilter.request_seen(Request(ARTICLE))
    # Two old links that the site redirects to one article: each must arrive there.
    for source in (MOVED, MOVED.replace("27512345", "27512346"), MOVED):
        assert not dupefilter.request_seen(Request(ARTICLE, meta={"redirect_urls": [source]}))


def test_a_different_fragment_is_the_same_page(dupefilter):
    assert not dupefilter.request_seen(Request(ARTICLE + "#comments"))
    assert dupefilter.request_seen(Request(ARTICLE))


def test_a_different_query_is_another_page(dupefilter):
    assert not dupefilter.request_seen(Request(ARTICLE + "?page=1"))
    assert not dupefilter.request_seen(Request(ARTICLE + "?page=2"))
    assert not dupefilter.request_seen(Request(ARTICLE))
