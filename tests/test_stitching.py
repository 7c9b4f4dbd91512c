"""An article's extra pages, fetched after its first and joined into it (crawler/stitching.py)."""

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError as DownloadTimeout

from crawler import stitching
from crawler.items import ArticleItem, DeadUrlItem, FailedUrlItem
from crawler.pages.article_page import ArticlePage
from crawler.replay import NotCaptured
from tests.site import LocalSite, SiteModel
from tests.site.templates import not_found_page

NOT_FOUND = not_found_page().encode()

ORIGIN = "http://127.0.0.1:8000"
SITE = "https://www.chinadaily.com.cn"
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


def address(article, number):
    return SITE + article.path(number)


def lines_of(article, numbers):
    return "\n".join(line for number in numbers for line in article.pages[number - 1])


def test_every_extra_page_is_fetched_and_joined_in_order():
    (result, *lost), article, crawler, engine = run()
    assert isinstance(result, ArticleItem) and lost == []
    assert result.article_body == article.body
    assert (result.pages_expected, result.pages_stored, result.pages_missing) == (
        len(article.pages),
        len(article.pages),
        [],
    )
    assert [request.url for request in engine.asked] == [
        ORIGIN + article.path(n) for n in range(2, len(article.pages) + 1)
    ]
    assert all(request.meta["page_kind"] == "extra-page" for request in engine.asked)
    assert all(request.meta["article_first_page"] == ORIGIN + article.path() for request in engine.asked)
    assert stat(crawler, "article/extra_pages") == len(article.pages) - 1
    assert stat(crawler, "article/extracted") == 1
    assert stat(crawler, "article/incomplete") is None


def test_the_extra_pages_of_a_rendered_article_are_rendered_too():
    _, _, _, engine = run(render=True)
    assert engine.asked and all(request.meta["render"] for request in engine.asked)


def test_a_page_failing_for_a_passing_reason_is_a_failed_url_and_the_article_is_stored_without_it():
    _, article = multipage_article()
    (result, *lost), _, crawler, engine = run({article.path(3): (503, {}, b"busy")})
    others = [n for n in range(1, len(article.pages) + 1) if n != 3]
    assert result.article_body == lines_of(article, others)
    assert (result.pages_stored, result.pages_expected) == (len(article.pages) - 1, len(article.pages))
    assert result.pages_missing == [address(article, 3)]
    assert lost == [
        FailedUrlItem(
            url=address(article, 3), reason=f"page 3 of {article.canonical_url}: HTTP 503 after retries"
        )
    ]
    # The pages after the lost one are still read: the first page's pager names them all.
    assert len(engine.asked) == len(article.pages) - 1
    assert (stat(crawler, "article/incomplete"), stat(crawler, "article/missing_pages")) == (1, 1)
    assert stat(crawler, "article/extracted") == 1


def test_a_download_error_is_a_failed_url_with_its_reason():
    _, article = multipage_article()
    (result, lost), _, _, _ = run({article.path(2): DownloadTimeout("took too long")})
    assert result.pages_missing == [address(article, 2)]
    assert isinstance(lost, FailedUrlItem)
    assert lost.reason.startswith(f"page 2 of {article.canonical_url}: TimeoutError")


@pytest.mark.parametrize(
    ("answer", "kind", "reason"),
    [
        ((404, {}, b"<html><body>gone</body></html>"), "http_error", "HTTP 404"),
        ((200, {}, NOT_FOUND), "soft404", "not-found page"),
        (
            (200, {}, b"<html><body><div id='lft-art'><h1>H</h1></div></body></html>"),
            "thin",
            "no text on the page",
        ),
    ],
)
def test_a_page_the_site_does_not_have_is_a_dead_url_and_the_article_is_stored_without_it(
    answer, kind, reason
):
    _, article = multipage_article()
    (result, lost), _, crawler, _ = run({article.path(3): answer})
    assert result.pages_missing == [address(article, 3)]
    assert lost == DeadUrlItem(
        url=address(article, 3),
        canonical_url=address(article, 3),
        kind=kind,
        reason=f"page 3 of {article.canonical_url}: {reason}",
        status=answer[0],
        referrer=ORIGIN + article.path(),
    )
    assert stat(crawler, "article/missing_pages") == 1


def test_a_page_a_replayed_crawl_did_not_capture_leaves_the_article_incomplete_and_records_nothing():
    _, article = multipage_article()
    (result, *lost), _, _, _ = run({article.path(3): NotCaptured("not in the WARC files")})
    assert result.pages_missing == [address(article, 3)] and lost == []


def test_an_extra_page_redirected_back_to_the_first_is_no_page_of_the_article():
    model, article = multipage_article()
    site = LocalSite(model)
    status, headers, body = site.respond(article.path())

    def back_to_the_first_page(request):
        return HtmlResponse(
            ORIGIN + article.path(), status=status, headers=headers, body=body, request=request
        )

    (result, lost), _, _, _ = run({article.path(2): back_to_the_first_page})
    assert result.article_body == lines_of(article, [1, *range(3, len(article.pages) + 1)])
    assert (lost.kind, lost.url) == ("redirect", address(article, 2))
    assert lost.reason == f"page 2 of {article.canonical_url}: redirected to {ORIGIN + article.path()}"


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
    (result, *lost), _, crawler, engine = run(answers)
    assert len(engine.asked) == 4 and lost == []
    assert (result.pages_stored, result.pages_expected, result.pages_missing) == (5, 5, [])
    assert stat(crawler, "article/pages_cut") == 1
