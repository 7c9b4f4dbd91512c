"""The retry middleware that waits for Retry-After before a retry, capped (crawler/retry.py)."""

import asyncio

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.retry import RetryAfterMiddleware

URL = "https://www.chinadaily.com.cn/a/202411/27/WS6746a0c1a310f1265a1d0a1b.html"


def make_middleware(**settings):
    crawler = get_crawler(
        Spider,
        {
            "REMOTE_CONTROL_ENABLED": False,
            "RETRY_TIMES": 3,
            "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
            "CHINADAILY_RETRY_AFTER_MAX_SECONDS": 120,
            **settings,
        },
    )
    crawler.spider = crawler._create_spider("asia_pacific")
    return crawler, build_from_crawler(RetryAfterMiddleware, crawler)


@pytest.fixture
def sleeps(monkeypatch):
    """The waits the middleware asks for, recorded instead of slept."""
    asked: list[float] = []

    async def sleep(seconds):
        asked.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return asked


def answer(status: int, retry_after: str | None = None, request: Request | None = None) -> HtmlResponse:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return HtmlResponse(URL, status=status, headers=headers, body=b"busy", request=request)


def process(middleware, request, response):
    return asyncio.run(middleware.process_response(request, response))


def test_a_429_with_retry_after_is_retried_after_waiting(sleeps):
    crawler, middleware = make_middleware()
    request = Request(URL)
    result = process(middleware, request, answer(429, "1"))
    assert isinstance(result, Request)
    assert result.url == URL
    assert result.meta["retry_times"] == 1
    assert result.dont_filter
    assert sleeps == [1]
    assert crawler.stats.get_value("retry/retry_after_waits") == 1
    assert crawler.stats.get_value("retry/count") == 1


def test_a_retry_after_longer_than_the_cap_waits_only_the_cap(sleeps):
    crawler, middleware = make_middleware(CHINADAILY_RETRY_AFTER_MAX_SECONDS=0.01)
    result = process(middleware, Request(URL), answer(429, "3600"))
    assert isinstance(result, Request)
    assert sleeps == [0.01]
    assert crawler.stats.get_value("retry/retry_after_waits") == 1


def test_a_retry_after_capped_at_zero_is_retried_at_once():
    crawler, middleware = make_middleware(CHINADAILY_RETRY_AFTER_MAX_SECONDS=0)
    result = process(middleware, Request(URL), answer(429, "1"))
    assert isinstance(result, Request)
    assert result.meta["retry_times"] == 1
    assert crawler.stats.get_value("retry/retry_after_waits") == 1


def test_a_429_with_retry_after_zero_is_retried_without_waiting(sleeps):
    crawler, middleware = make_middleware()
    result = process(middleware, Request(URL), answer(429, "0"))
    assert isinstance(result, Request)
    assert result.meta["retry_times"] == 1
    assert crawler.stats.get_value("retry/count") == 1
    assert not any(sleeps)


def test_a_503_without_retry_after_is_retried_at_once(sleeps):
    crawler, middleware = make_middleware()
    result = process(middleware, Request(URL), answer(503))
    assert isinstance(result, Request)
    assert result.meta["retry_times"] == 1
    assert sleeps == []
    assert crawler.stats.get_value("retry/retry_after_waits") is None
    assert crawler.stats.get_value("retry/reason_count/503 Service Unavailable") == 1


@pytest.mark.parametrize("status", [200, 404])
def test_an_answer_that_is_not_retried_passes_through_even_with_retry_after(sleeps, status):
    crawler, middleware = make_middleware()
    response = answer(status, "1")
    assert process(middleware, Request(URL), response) is response
    assert sleeps == []
    assert crawler.stats.get_value("retry/count") is None


def test_dont_retry_returns_the_429_itself_without_waiting(sleeps):
    crawler, middleware = make_middleware()
    response = answer(429, "1")
    assert process(middleware, Request(URL, meta={"dont_retry": True}), response) is response
    assert sleeps == []
    assert crawler.stats.get_value("retry/retry_after_waits") is None
    assert crawler.stats.get_value("retry/count") is None


def test_when_retries_are_exhausted_the_response_itself_is_returned(sleeps):
    crawler, middleware = make_middleware()
    response = answer(503)
    assert process(middleware, Request(URL, meta={"retry_times": 3}), response) is response
    assert crawler.stats.get_value("retry/max_reached") == 1
    assert crawler.stats.get_value("retry/count") is None


def test_when_retries_are_exhausted_retry_after_is_not_waited_for(sleeps):
    # The wait is "before a retry" (the class and setting docstrings): with no retry to follow,
    # waiting only holds the download slot, up to the cap, for nothing.
    crawler, middleware = make_middleware()
    response = answer(429, "60")
    assert process(middleware, Request(URL, meta={"retry_times": 3}), response) is response
    assert sleeps == []
    assert crawler.stats.get_value("retry/retry_after_waits") is None
