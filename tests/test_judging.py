"""Article or not: the verdict on every labelled page (crawler/judging.py)."""

import pytest

from crawler.judging import PageJudge
from crawler.pages.article_page import Listing
from tests.labelled import labelled_pages

PAGES = [page for page in labelled_pages() if page.kind in ("article", "not_article")]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_verdict(page):
    judgement = PageJudge(min_body_chars=40).judge_article(page.response())
    verdict = "article" if judgement.article is not None else "not_article"
    assert verdict == page.kind


def test_a_dead_page_says_why():
    (thin,) = [page for page in PAGES if page.name == "thin_empty_container"]
    judgement = PageJudge(min_body_chars=40).judge_article(thin.response(), Listing(referrer="http://x/list"))
    assert judgement.dead is not None
    assert (judgement.dead.kind, judgement.dead.status, judgement.dead.referrer) == (
        "thin",
        200,
        "http://x/list",
    )
    assert judgement.dead.canonical_url == thin.label["url"]


def test_the_site_not_found_page_is_a_soft_404():
    (page,) = [page for page in PAGES if page.name == "notfound_site_page"]
    judgement = PageJudge(min_body_chars=40).judge_article(page.response())
    assert judgement.dead is not None
    assert (judgement.dead.kind, judgement.dead.reason) == ("soft404", "not-found template")


def test_a_page_without_the_template_falls_back_to_the_generic_extractor():
    (page,) = [page for page in PAGES if page.name == "ws_one_author_figure"]
    response = page.response()
    stripped = response.replace(body=response.body.replace(b'id="lft-art"', b'id="article-x"'))
    judgement = PageJudge(min_body_chars=40).judge_article(stripped)
    assert judgement.fallback
    assert judgement.article is not None
    assert judgement.article.extraction == "fallback"
    assert judgement.article.headline == page.label["fields"]["headline"]
    first_paragraph = page.label["fields"]["article_body"].split("\n")[0]
    assert first_paragraph in judgement.article.article_body


ARTICLE_URL = "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html"


def fetched(url, body=b"<html><body>x</body></html>", status=200, redirected_from=()):
    """A response as the crawl sees it, with the redirect chain Scrapy records in meta."""
    from scrapy.http import HtmlResponse, Request

    request = Request(url, meta={"redirect_urls": list(redirected_from)} if redirected_from else {})
    return HtmlResponse(url=url, body=body, status=status, request=request)


@pytest.mark.parametrize(
    ("status", "verdict", "reason"),
    [
        (404, "http_error", "HTTP 404"),
        (410, "http_error", "HTTP 410"),
        (403, "http_error", "HTTP 403"),
        (503, "failed", "HTTP 503 after retries"),
        (500, "failed", "HTTP 500 after retries"),
    ],
)
def test_hard_errors(status, verdict, reason):
    judgement = PageJudge(40).judge_article(fetched(ARTICLE_URL, status=status), Listing(referrer="L"))
    assert (judgement.verdict, judgement.reason, judgement.status) == (verdict, reason, status)
    assert judgement.article is None


def test_a_failed_fetch_is_a_failed_url_not_a_dead_one():
    judgement = PageJudge(40).judge_article(fetched(ARTICLE_URL, status=503))
    assert judgement.dead is None
    assert judgement.failed is not None
    assert judgement.failed.url == ARTICLE_URL


@pytest.mark.parametrize(
    ("final", "reason"),
    [
        ("https://www.chinadaily.com.cn/", "redirected to the home page"),
        ("https://www.chinadaily.com.cn/index.html", "redirected to the home page"),
        ("https://www.chinadaily.com.cn/world/asia_pacific", "redirected to a section page"),
    ],
)
def test_redirects_away_from_the_article(final, reason):
    judgement = PageJudge(40).judge_article(fetched(final, redirected_from=[ARTICLE_URL]))
    assert (judgement.verdict, judgement.reason, judgement.url) == ("redirect", reason, ARTICLE_URL)
    assert judgement.dead.canonical_url == ARTICLE_URL


def test_a_target_that_several_articles_redirect_to_is_a_catch_all():
    (page,) = [page for page in PAGES if page.name == "ws_two_authors"]
    target = page.label["url"]
    body = page.response().body
    judge = PageJudge(40, redirect_target_min=3)
    sources = [ARTICLE_URL.replace("3ffa", f"3ff{n}") for n in range(4)]
    first, second, third, fourth = (
        judge.judge_article(fetched(target, body, redirected_from=[s])) for s in sources
    )
    assert (first.verdict, second.verdict) == ("article", "article")
    assert third.verdict == fourth.verdict == "redirect"
    assert [dead.url for dead in third.also_dead] == sources[:2]
    assert fourth.also_dead == []


def test_a_redirect_to_the_same_id_is_the_article():
    (page,) = [page for page in PAGES if page.name == "ws_two_authors"]
    mirror = page.label["url"].replace("https://www.", "https://global.")
    judgement = PageJudge(40).judge_article(
        fetched(page.label["url"], page.response().body, redirected_from=[mirror])
    )
    assert judgement.verdict == "article"


LIST_URL = "https://www.chinadaily.com.cn/world/asia_pacific"
LIST_PAGE, *_ = labelled_pages("list")  # the real captured page comes first


@pytest.mark.parametrize(
    ("url", "status", "body", "verdict"),
    [
        (LIST_URL, 200, None, "list"),
        (LIST_URL + "/page_9.html", 404, b"", "list_end"),
        (LIST_URL, 404, b"", "http_error"),
        (LIST_URL + "/page_9.html", 200, b"<div class='lft_art' id='left'></div>", "list_end"),
        (LIST_URL + "/page_9.html", 200, b"<p>Sorry, the page you requested was not found.</p>", "list_end"),
        (LIST_URL, 200, b"<p>Sorry, the page you requested was not found.</p>", "soft404"),
        (LIST_URL + "/page_9.html", 503, b"", "failed"),
        # A template no page object knows: the generic list reader finds dated article links.
        (
            LIST_URL,
            200,
            b"<ul><li><a href='/a/202401/02/WS6593a1b2a31040ac301a1b2c.html'>A</a> 2024-01-02</li></ul>",
            "list",
        ),
        (
            LIST_URL,
            200,
            b"<p>Sorry, the page you requested was not found.</p><a href='/a/202401/02/WS6593a1b2a31040ac301a1b2c.html'>A</a>",
            "soft404",
        ),
        (LIST_URL + "/page_9.html", 200, b"<ul><li>Nothing here</li></ul>", "list_end"),
    ],
)
def test_list_page_verdicts(url, status, body, verdict):
    body = LIST_PAGE.response().body if body is None else b"<html><body>" + body + b"</body></html>"
    assert PageJudge(40).judge_list(fetched(url, body, status)).verdict == verdict


def test_a_list_in_an_unknown_template_stays_a_list_however_like_the_probe_answer_it_is():
    """The site answers a list page past the end in the section's own template: in a template no
    page object knows, that answer is page 1 without its items (here the written unknown-template
    page, its story list emptied)."""
    import re

    from crawler.probes import Fingerprint, ProbeSet, visible_shingles

    (unknown,) = [page for page in labelled_pages("list") if page.label.get("template") == "unknown"]
    listed = unknown.response().body
    empty = re.sub(rb'(<ul class="story-list">).*?(</ul>)', rb"\1\2", listed, flags=re.S)
    probe_answer = fetched(LIST_URL + "/page_99999.html", empty, 200)
    shingles = frozenset(visible_shingles(probe_answer))
    # A threshold this page resembles its probe answer at (the local site's large chrome makes
    # its pages resemble theirs at the default threshold).
    probes = ProbeSet(
        {"list": Fingerprint("list", probe_answer.url, 200, probe_answer.url, shingles, None)}, 0.4
    )
    judge = PageJudge(40, probes=probes)
    assert probes.matches("list", visible_shingles(fetched(LIST_URL, listed, 200)))
    assert judge.judge_list(fetched(LIST_URL, listed, 200)).verdict == "list"
    assert judge.judge_list(fetched(LIST_URL, empty, 200)).verdict == "soft404"


def test_each_word_with_a_digit_anywhere_in_it_is_masked_whole_before_shingling():
    from crawler.probes import masked_shingles
    from pipelines.similarity import shingles

    assert masked_shingles("Ref A12b: page 404 of 2026_11_03, x٣y") == shingles("ref 0 page 0 of 0 0")
    assert masked_shingles("no digits here at all") == shingles("no digits here at all")


def test_an_article_body_is_probe_text_exactly_when_most_of_its_shingles_are_the_probes():
    """The judge stops reading a body once it has more shingles than could be mostly the probe's:
    the answer is the one the whole body's shingles give."""
    import random

    from crawler.probes import Fingerprint, ProbeSet, masked_shingles

    error_text = "Sorry, the page you requested could not be found. Please check the address 404 or go back."
    other = "Delegates from the region met on Tuesday to discuss ports, trade and the new rail link."
    probe = Fingerprint("new_article", "u", 200, "u", frozenset(masked_shingles(error_text)), None)
    rng = random.Random(5)
    sentences = [error_text, other, *(f"Paragraph {n} on the rail link and its ports." for n in range(30))]
    for threshold in (0.3, 0.6, 0.9):
        probes = ProbeSet({"new_article": probe}, threshold)
        seen = set()
        for _ in range(300):
            body = "\n".join(rng.choices(sentences, weights=[8, 1, *[1] * 30], k=rng.randint(0, 12)))
            whole = masked_shingles(body)
            expected = bool(whole) and len(whole & probe.shingles) / len(whole) >= threshold
            assert probes.body_is_probe_text("new_article", body) is expected, body
            seen.add(expected)
        assert seen == {True, False}
