"""An article's extra pages, fetched after its first and joined into it (crawler/stitching.py)."""

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError as DownloadTimeout

from crawler import stitching
from crawler.items import ArticleItem, FailedUrlItem
from crawler.pages.article_page import ArticlePage
from crawler.replay import NotCaptured
from tests.site import LocalSite, SiteModel

ORIGIN = "http://127.0.0.1:8000"
SECTION = "/world/asia_pacific"


class SiteEngine:
    """The engine's downloader, answering from the local copy of the site; `answers` overrides paths."""

    def __init__(self, site, answers=None):
        self.site = site
        self.answers = answers or {}
        self.asked = []

    async def download_async(self, request):
        self.asked.append(request)
        path = request.url.removeprefix(ORIGIN)
        answer = self.answers.get(path)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        status, headers, body = answer or self.site.respond(path)
        return HtmlResponse(request.url, status=status, headers=headers, body=body, request=request)


def multipage_article():
    model = SiteModel({SECTION: 40})
    article = next(a for a in model.articles(SECTION) if len(a.pages) >= 3)
    return model, article


def run(answers=None, *, render=False):
    model, article = multipage_article()
    site = LocalSite(model)
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False})
    crawler.stats.open_spider()
    engine = crawler.engine = SiteEngine(site, answers)
    url = ORIGIN + article.path()
    status, headers, body = site.respond(article.path())
    first = ArticlePage(HtmlResponse(url, status=status, headers=headers, body=body, request=Request(url)))
    result = asyncio.run(stitching.stitch(crawler, ORIGIN, first, first.to_item(), render))
    return result, article, crawler, engine


def stat(crawler, name):
    return crawler.stats.get_value(name)


def test_every_extra_page_is_fetched_and_joined_in_order():
    result, article, crawler, engine = run()
    assert isinstance(result, ArticleItem)
    assert result.article_body == article.body
    assert [request.url for request in engine.asked] == [
        ORIGIN + article.path(n) for n in range(2, len(article.pages) + 1)
    ]
    assert all(request.meta["page_kind"] == "extra-page" for request in engine.asked)
    assert all(request.meta["article_first_page"] == ORIGIN + article.path() for request in engine.asked)
    assert stat(crawler, "article/extra_pages") == len(article.pages) - 1
    assert stat(crawler, "article/extracted") == 1


def test_the_extra_pages_of_a_rendered_article_are_rendered_too():
    _, _, _, engine = run(render=True)
    assert engine.asked and all(request.meta["render"] for request in engine.asked)


def test_an_extra_page_failing_for_a_passing_reason_leaves_the_article_to_the_next_run():
    _, article = multipage_article()
    result, _, crawler, _ = run({article.path(3): (503, {}, b"busy")})
    assert result == FailedUrlItem(
        url=article.canonical_url, reason=f"extra page {ORIGIN + article.path(3)}: HTTP 503"
    )
    assert stat(crawler, "article/incomplete") == 1
    assert stat(crawler, "article/extracted") is None


def test_a_download_error_is_a_failed_url_with_its_reason():
    _, article = multipage_article()
    result, _, _, _ = run({article.path(2): DownloadTimeout("took too long")})
    assert isinstance(result, FailedUrlItem)
    assert result.reason.startswith(f"extra page {ORIGIN + article.path(2)}: TimeoutError")


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ((404, {}, b"<html><body>gone</body></html>"), "a page the site does not have"),
        (NotCaptured("not in the WARC files"), "a page a replayed crawl did not capture"),
    ],
)
def test_the_article_is_kept_with_the_pages_it_has(answer, why):
    _, article = multipage_article()
    result, _, crawler, _ = run({article.path(3): answer})
    assert isinstance(result, ArticleItem), why
    assert result.article_body == "\n".join(line for page in article.pages[:2] for line in page)
    assert stat(crawler, "article/missing_pages") == 1
    assert stat(crawler, "article/extracted") == 1


def test_an_extra_page_redirected_back_to_the_first_is_no_page_of_the_article_and_ends_the_stitching():
    model, article = multipage_article()
    site = LocalSite(model)
    status, headers, body = site.respond(article.path())

    def back_to_the_first_page(request):
        return HtmlResponse(
            ORIGIN + article.path(), status=status, headers=headers, body=body, request=request
        )

    result, _, crawler, engine = run({article.path(2): back_to_the_first_page})
    assert isinstance(result, ArticleItem)
    assert result.article_body == "\n".join(article.pages[0])
    assert len(engine.asked) == 1
    assert stat(crawler, "article/missing_pages") == 1


def test_a_pager_that_never_ends_is_cut_at_the_most_pages_an_article_may_have(monkeypatch):
    monkeypatch.setattr(stitching, "MAX_PAGES", 5)
    _, article = multipage_article()

    def endless(request):
        number = int(request.url.rsplit("_", 1)[1].removesuffix(".html"))
        following = request.url.replace(f"_{number}.html", f"_{number + 1}.html")
        page = (
            f'<html><body><div id="lft-art"><h1>H</h1><div id="Content"><p>Page {number} text.</p></div>'
            f'<div id="div_currpage"><a class="pagestyle" href="{following}">Next</a></div></div></body></html>'
        )
        return HtmlResponse(request.url, body=page.encode(), request=request)

    answers = {article.path(n): endless for n in range(2, 10)}
    result, _, crawler, engine = run(answers)
    assert isinstance(result, ArticleItem)
    assert len(engine.asked) == 4
    assert stat(crawler, "article/missing_pages") == 1
