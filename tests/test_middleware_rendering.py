"""The downloader middleware that sends marked requests to Chromium and closes their pages (crawler/rendering.py)."""

import asyncio

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.rendering import RenderFallbackMiddleware, render_again

URL = "https://www.chinadaily.com.cn/a/202411/27/WS6746a0c1a310f1265a1d0a1b.html"
PLAYWRIGHT_KEYS = {
    "playwright",
    "playwright_include_page",
    "playwright_context",
    "playwright_page_goto_kwargs",
}


def make_middleware(mode="auto", **settings):
    crawler = get_crawler(
        Spider,
        {
            "REMOTE_CONTROL_ENABLED": False,
            "RENDER_AVAILABLE": True,
            "RENDER_MODE": mode,
            "RENDER_WAIT_UNTIL": "networkidle",
            **settings,
        },
    )
    return crawler, build_from_crawler(RenderFallbackMiddleware, crawler)


class FakeContext:
    def __init__(self):
        self.closed = False

    async def close(self):
        self.closed = True


class FakePage:
    def __init__(self, fails=False):
        self.context = FakeContext()
        self.closed = False
        self.fails = fails

    async def close(self):
        if self.fails:
            raise RuntimeError("Target page, context or browser has been closed")
        self.closed = True


def browser_request(page):
    return Request(URL, meta={"render": True, "playwright": True, "playwright_page": page})


@pytest.mark.parametrize("mode", ["auto", "always", "never"])
def test_without_a_browser_the_middleware_is_off(mode):
    crawler = get_crawler(
        Spider, {"REMOTE_CONTROL_ENABLED": False, "RENDER_AVAILABLE": False, "RENDER_MODE": mode}
    )
    with pytest.raises(NotConfigured):
        build_from_crawler(RenderFallbackMiddleware, crawler)


def test_a_request_marked_render_is_sent_to_the_browser_in_a_context_of_its_own():
    _, middleware = make_middleware()
    first, second = Request(URL, meta={"render": True}), Request(URL + "?2", meta={"render": True})
    middleware.process_request(first)
    middleware.process_request(second)
    for request in (first, second):
        assert request.meta["playwright"] is True
        assert request.meta["playwright_include_page"] is True
        assert request.meta["playwright_page_goto_kwargs"] == {"wait_until": "networkidle"}
    assert first.meta["playwright_context"] != second.meta["playwright_context"]


def test_in_auto_mode_an_unmarked_request_keeps_scrapys_handler():
    _, middleware = make_middleware()
    request = Request(URL, meta={"page_kind": "article"})
    middleware.process_request(request)
    assert request.meta == {"page_kind": "article"}


@pytest.mark.parametrize("kind", ["list-page", "article", "extra-page"])
def test_in_always_mode_every_page_of_the_walk_is_rendered(kind):
    _, middleware = make_middleware("always")
    request = Request(URL, meta={"page_kind": kind})
    middleware.process_request(request)
    assert request.meta["render"] is True
    assert request.meta["playwright"] is True


@pytest.mark.parametrize(
    "request_",
    [
        Request("https://www.chinadaily.com.cn/robots.txt", meta={"dont_obey_robotstxt": True}),
        Request(URL.replace(".html", "0.html"), meta={"page_kind": "probe", "probe_shape": "article"}),
    ],
    ids=["robots.txt", "probe"],
)
def test_in_always_mode_robots_txt_and_probes_are_not_rendered(request_):
    _, middleware = make_middleware("always")
    middleware.process_request(request_)
    assert not request_.meta.get("render")
    assert not PLAYWRIGHT_KEYS & request_.meta.keys()


def test_a_request_already_sent_to_the_browser_is_not_changed_again():
    _, middleware = make_middleware("always")
    meta = {
        "page_kind": "article",
        "render": True,
        "playwright": True,
        "playwright_include_page": True,
        "playwright_context": "render-7",
        "playwright_page_goto_kwargs": {"wait_until": "load"},
        "retry_times": 1,
    }
    request = Request(URL, meta=meta)
    middleware.process_request(request)
    assert request.meta == meta


def test_a_rendered_response_closes_its_page_and_context_and_is_counted():
    crawler, middleware = make_middleware()
    page = FakePage()
    request = browser_request(page)
    response = HtmlResponse(URL, body=b"<html></html>", request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert page.closed and page.context.closed
    assert "playwright_page" not in request.meta
    assert crawler.stats.get_value("render/pages") == 1


def test_a_response_from_scrapys_handler_is_not_counted_as_rendered():
    crawler, middleware = make_middleware()
    request = Request(URL)
    response = HtmlResponse(URL, body=b"<html></html>", request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert crawler.stats.get_value("render/pages") is None


def test_a_failed_render_closes_its_page_and_context_and_is_counted():
    crawler, middleware = make_middleware()
    page = FakePage()
    request = browser_request(page)
    assert asyncio.run(middleware.process_exception(request, TimeoutError("page.goto"))) is None
    assert page.closed and page.context.closed
    assert crawler.stats.get_value("render/errors") == 1
    assert crawler.stats.get_value("render/pages") is None


def test_a_page_the_browser_already_closed_does_not_fail_the_response():
    crawler, middleware = make_middleware()
    request = browser_request(FakePage(fails=True))
    response = HtmlResponse(URL, body=b"<html></html>", request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert crawler.stats.get_value("render/pages") == 1


def test_render_again_asks_the_browser_for_a_page_fetched_once_already():
    first = Request(URL, meta={"page_kind": "article", "list_page": 2}, cb_kwargs={"listing": None})
    again = render_again(first)
    assert again.meta == {"page_kind": "article", "list_page": 2, "render": True}
    assert again.dont_filter
    assert again.url == URL and again.cb_kwargs == {"listing": None}
    assert "render" not in first.meta and not first.dont_filter
