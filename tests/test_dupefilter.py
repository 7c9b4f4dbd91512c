"""The duplicate filter that lets every redirect reach its target, and the digest sets of what a run has seen (crawler/dupefilter.py)."""

import pickle

import pytest
from scrapy import Spider
from scrapy.http import Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.dupefilter import DigestSet, RedirectAwareDupeFilter, SeenUrls

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


def test_a_jobdir_keeps_what_was_seen_for_the_next_run(tmp_path):
    settings = {"REMOTE_CONTROL_ENABLED": False, "JOBDIR": str(tmp_path)}
    first = build_from_crawler(RedirectAwareDupeFilter, get_crawler(Spider, settings))
    assert not first.request_seen(Request(ARTICLE))
    first.close("shutdown")
    resumed = build_from_crawler(RedirectAwareDupeFilter, get_crawler(Spider, settings))
    assert resumed.request_seen(Request(ARTICLE))
    assert not resumed.request_seen(Request(MOVED))
    resumed.close("shutdown")


# --- what a run has seen, in 8 bytes an entry ----------------------------------------------------


def urls(count, start=0):
    return [f"https://www.chinadaily.com.cn/a/202411/27/WS{n:024x}.html" for n in range(start, start + count)]


def test_seen_urls_answer_as_a_set_of_them_would_across_merges():
    seen, plain = SeenUrls(), set()
    # Three times the merge size, each URL added twice, in no order.
    added = urls(3 * DigestSet.MERGE_AT + 17)
    for url in added[::2] + added[1::2] + added[::3]:
        seen.add(url)
        plain.add(url)
    assert len(seen) == len(plain) == len(added)
    assert all(url in seen for url in added)
    assert not any(url in seen for url in urls(500, start=len(added)))
    assert seen == plain
    assert seen != set(added[:-1])
    assert SeenUrls() == set()


def test_seen_urls_survive_pickling_as_a_jobdir_keeps_them():
    seen = SeenUrls(urls(DigestSet.MERGE_AT + 5))
    again = pickle.loads(pickle.dumps(seen))
    assert again == seen
    assert len(again) == len(seen)
    assert all(url in again for url in urls(DigestSet.MERGE_AT + 5))
    again.add(urls(1, start=10**6)[0])
    assert urls(1, start=10**6)[0] in again


def test_seen_urls_take_on_a_plain_set_or_another_seen_set():
    older = set(urls(10))
    seen = SeenUrls(urls(5, start=100))
    seen.update(older)
    seen.update(SeenUrls(urls(3, start=200)))
    assert seen == older | set(urls(5, start=100)) | set(urls(3, start=200))


def test_a_digest_set_adds_each_digest_once():
    digests = DigestSet()
    assert digests.add_digest(2**64 - 1)
    assert not digests.add_digest(2**64 - 1)
    assert digests.add_digest(0)
    assert len(digests) == 2
    assert sorted(digests.digests()) == [0, 2**64 - 1]
