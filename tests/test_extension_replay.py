"""Replaying leftovers (crawler/replay.py ReplayLeftovers): captured article pages the replayed walk did not reach."""

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.pages.article_page import Listing
from crawler.replay import Replay, ReplayLeftovers
from crawler.spiders.world import AsiaPacificSpider
from crawler.warc import WarcFiles
from crawler.warc_records import http_record, warc_date, warc_record

ORIGIN = "http://127.0.0.1:8901"
LIST_PAGE = f"{ORIGIN}/world/asia_pacific/page_2.html"
LEFTOVER = f"{ORIGIN}/a/202406/01/WS665a95e0a31082fc043c9f1a.html"
SERVED = f"{ORIGIN}/a/202406/01/WS665a95e0a31082fc043c9f1b.html"
REDIRECTED = f"{ORIGIN}/a/202406/01/WS665a95e0a31082fc043c9f1c.html"
LISTED_AT = datetime(2024, 6, 1, 3, 25, tzinfo=UTC)


class Engine:
    """A stand-in for the crawl's engine that keeps the requests it is given."""

    def __init__(self):
        self.crawled = []

    def crawl(self, request):
        self.crawled.append(request)


def capture(files, url, **fields):
    """A response record for url, and its metadata record with the given fields."""
    body = b"<html><body><p>A page.</p></body></html>"
    date = warc_date()
    response = http_record(
        "response", url, "HTTP/1.1 200 OK", [(b"Content-Type", b"text/html")], body, date=date, headers={}
    )
    context = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode()
    metadata = warc_record(
        "metadata",
        url,
        context,
        "application/warc-fields",
        date=date,
        headers={"WARC-Concurrent-To": response.id},
    )
    files.write(response, metadata)


@pytest.fixture
def warc(tmp_path):
    """A captured crawl: a list page, an article the walk will reach, one it will not, and one
    reached by a redirect."""
    files = WarcFiles(tmp_path, "test", 2**20, {"software": "test"})
    capture(files, LIST_PAGE, **{"page-kind": "list-page", "list-page": 2})
    listed = {"page-kind": "article", "referrer": LIST_PAGE, "list-page": 2}
    capture(files, SERVED, **listed)
    capture(
        files,
        LEFTOVER,
        **listed,
        **{"listed-link": "//www.chinadaily.com.cn/a/202406/01/WS665a95e0a31082fc043c9f1a.html"},
        **{"listed-at": LISTED_AT.isoformat()},
    )
    capture(files, REDIRECTED, **listed, **{"redirected-from": f"{ORIGIN}/a/202406/01/WSold.html"})
    files.close()
    return files.paths


def make(warc_files):
    crawler = get_crawler(
        AsiaPacificSpider,
        {"REMOTE_CONTROL_ENABLED": False, "CHINADAILY_BASE_URL": ORIGIN, "WARC_REPLAY_FILES": warc_files},
    )
    crawler.stats.open_spider()
    crawler.spider = AsiaPacificSpider.from_crawler(crawler)
    crawler.engine = Engine()
    return crawler, build_from_crawler(ReplayLeftovers, crawler)


def test_off_when_not_a_replay():
    with pytest.raises(NotConfigured):
        make([])


def test_at_idle_the_captured_article_pages_not_reached_are_replayed_once(warc):
    crawler, leftovers = make([str(path) for path in warc])
    # What the replayed walk asked for: the list page and one of the articles.
    Replay.of(crawler).served.update({LIST_PAGE, SERVED})
    with pytest.raises(DontCloseSpider):
        leftovers.spider_idle(crawler.spider)
    (request,) = crawler.engine.crawled
    assert request.url == LEFTOVER
    assert request.callback == crawler.spider.parse_article
    assert request.cb_kwargs["listing"] == Listing(
        referrer=LIST_PAGE,
        link="//www.chinadaily.com.cn/a/202406/01/WS665a95e0a31082fc043c9f1a.html",
        listed_at=LISTED_AT,
    )
    leftovers.spider_idle(crawler.spider)
    assert len(crawler.engine.crawled) == 1


def test_no_leftovers_lets_the_spider_close(warc):
    crawler, leftovers = make([str(path) for path in warc])
    Replay.of(crawler).served.update({LIST_PAGE, SERVED, LEFTOVER})
    leftovers.spider_idle(crawler.spider)
    assert crawler.engine.crawled == []


def test_leftovers_are_article_pages_neither_list_pages_nor_reached_by_redirect(warc):
    crawler, leftovers = make([str(path) for path in warc])
    with pytest.raises(DontCloseSpider):
        leftovers.spider_idle(crawler.spider)
    assert sorted(request.url for request in crawler.engine.crawled) == sorted([LEFTOVER, SERVED])


def test_the_workers_of_a_replay_share_the_articles_and_each_walks_every_list():
    """reextract --workers N: every article's first page falls to exactly one worker, with the
    other pages of it; list pages, probes and pages reached by a redirect to every worker."""
    from scrapy import Request

    from crawler.replay import in_share, share_of

    articles = [f"{ORIGIN}/a/202406/01/WS665a95e0a31082fc043c{n:04x}.html" for n in range(200)]
    replays = [Replay([], [], share_of(f"{worker}/3")) for worker in range(3)]

    def answering(url, **meta):
        return [replay.answers(Request(url, meta=meta)) for replay in replays]

    counts = [0, 0, 0]
    for url in articles:
        answers = answering(url, page_kind="article")
        assert answers.count(True) == 1
        counts[answers.index(True)] += 1
        second_page = url.replace(".html", "_2.html")
        assert in_share(second_page, replays[answers.index(True)].share)
        assert answering(url, page_kind="article", redirect_urls=[LEFTOVER]) == [True] * 3
    assert min(counts) > 40
    assert answering(LIST_PAGE, page_kind="list-page") == [True] * 3
    assert answering(LEFTOVER, page_kind="probe", probe_shape="new_article") == [True] * 3
    assert share_of("") == (0, 1)
    with pytest.raises(ValueError):
        share_of("3/3")
