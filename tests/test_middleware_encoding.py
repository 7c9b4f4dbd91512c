"""The downloader middleware that reads the site's pages as UTF-8 first (crawler/encoding.py)."""

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.encoding import Utf8FirstMiddleware

URL = "https://www.chinadaily.com.cn/a/202411/27/WS6746a0c1a310f1265a1d0a1b.html"
TEXT = "<p>Xi’s visit — a café in Hà Nội</p>"


@pytest.fixture
def crawler():
    return get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False})


@pytest.fixture
def middleware(crawler):
    return build_from_crawler(Utf8FirstMiddleware, crawler)


def html(body: bytes, charset: str | None = None) -> HtmlResponse:
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else {}
    return HtmlResponse(URL, body=body, headers=headers)


def test_utf8_bytes_declared_latin1_in_the_header_are_read_as_utf8(crawler, middleware):
    response = middleware.process_response(Request(URL), html(TEXT.encode(), "ISO-8859-1"))
    assert response.text == TEXT
    assert crawler.stats.get_value("encoding/corrected") == 1


def test_utf8_bytes_declared_gbk_in_a_meta_tag_are_read_as_utf8(crawler, middleware):
    body = f'<html><head><meta charset="gbk"></head><body>{TEXT}</body></html>'.encode()
    response = middleware.process_response(Request(URL), html(body))
    assert TEXT in response.text
    assert crawler.stats.get_value("encoding/corrected") == 1


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", None])
def test_a_utf8_page_that_says_so_or_says_nothing_is_left_as_it_is(crawler, middleware, charset):
    original = html(TEXT.encode(), charset)
    response = middleware.process_response(Request(URL), original)
    assert response is original
    assert response.text == TEXT
    assert crawler.stats.get_value("encoding/corrected") is None


def test_an_ascii_page_is_left_with_the_charset_it_declares(crawler, middleware):
    original = html(b"<p>Plain words</p>", "ISO-8859-1")
    assert middleware.process_response(Request(URL), original) is original
    assert crawler.stats.get_value("encoding/corrected") is None


def test_bytes_that_are_not_utf8_are_counted_and_decoded_as_declared(crawler, middleware):
    original = html("<p>café</p>".encode("latin-1"), "ISO-8859-1")
    response = middleware.process_response(Request(URL), original)
    assert response is original
    assert response.text == "<p>café</p>"
    assert crawler.stats.get_value("encoding/invalid_utf8") == 1
    assert crawler.stats.get_value("encoding/corrected") is None


def test_a_response_that_is_not_text_passes_through(crawler, middleware):
    original = Response(URL + ".jpg", body=b"\xff\xd8\xff\xe0 not text")
    assert middleware.process_response(Request(original.url), original) is original
    assert crawler.stats.get_stats() == {}
