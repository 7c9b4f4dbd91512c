"""The article page object against labelled pages, one assertion per field (crawler/pages/article_page.py).

Real captured pages and pages written by hand are reported apart: their test ids start with
'real/' or 'written/'.
"""

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.items import with_extra_pages
from crawler.pages.article_page import ArticlePage, Listing
from tests.labelled import ARTICLE_FIELDS, as_label, labelled_pages

ARTICLES = labelled_pages("article")
ASSEMBLED = labelled_pages("article", assembled=True)


def _cases(pages):
    return [
        pytest.param(page, field, id=f"{page.id}:{field}")
        for page in pages
        for field in ARTICLE_FIELDS
        if field in page.label["fields"]
    ]


@pytest.mark.parametrize(("page", "field"), _cases(ARTICLES))
def test_field(page, field):
    item = ArticlePage(page.response()).to_item()
    assert as_label(getattr(item, field)) == page.label["fields"][field]


@pytest.mark.parametrize(("page", "field"), _cases(ASSEMBLED))
def test_field_of_an_article_assembled_from_its_pages(page, field):
    first, *rest = page.label["pages"]
    item = ArticlePage(page.response(first)).to_item()
    extras = []
    for extra in rest:
        url = page.label["url"].replace(".htm", f"_{rest.index(extra) + 2}.htm")
        extras.append(ArticlePage(page.response(extra, url=url)).extra_page())
    item = with_extra_pages(item, extras)
    assert as_label(getattr(item, field)) == page.label["fields"][field]


@pytest.mark.parametrize("page", ARTICLES, ids=lambda page: page.id)
def test_no_text_from_outside_the_article_container(page):
    item = ArticlePage(page.response()).to_item()
    for furniture in ("Today's Top News", "Editor's picks", "Most Viewed", "Copyright", "not found"):
        assert furniture not in item.article_body
        assert furniture not in item.article_body_html


@pytest.mark.parametrize("page", ARTICLES, ids=lambda page: page.id)
def test_body_html_holds_the_paragraphs_and_no_script_or_pager(page):
    item = ArticlePage(page.response()).to_item()
    assert "<script" not in item.article_body_html
    assert "div_currpage" not in item.article_body_html
    assert item.article_body_html.count("<p") >= len(item.article_body.splitlines())


LISTED = datetime(2019, 3, 5, 1, 2, tzinfo=UTC)


def test_the_listed_time_is_the_article_s_own_unless_the_link_led_to_another_id():
    (page,) = [page for page in ARTICLES if page.name == "ws_two_authors"]
    url, body = page.label["url"], page.response().body
    listing = Listing(referrer="https://www.chinadaily.com.cn/world/asia_pacific", listed_at=LISTED)
    reached = HtmlResponse(url=url, body=body, request=Request(url))
    assert ArticlePage(reached, listing).to_item().date_published == LISTED
    # A link to another id that redirected here: the list's time was that id's, not this one's.
    other = url.replace("WS5c7dc717", "WS5c7dc718")
    moved = HtmlResponse(url=url, body=body, request=Request(url, meta={"redirect_urls": [other]}))
    item = ArticlePage(moved, listing).to_item()
    assert as_label(item.date_published) == page.label["fields"]["date_published"]
    assert item.aliases == [other] and item.referrer == listing.referrer


META_PAGES = {
    "in the head": '<html><head><meta name="description" content="head"></head><body><p>x</p></body></html>',
    "in the body only": '<html><head><title>t</title></head><body><meta name="description" content="body"></body></html>',
    "head first, body again": (
        '<html><head><meta name="description" content=""></head>'
        '<body><meta name="description" content="later"></body></html>'
    ),
    "before the head": '<meta name="description" content="first"><head><meta name="description" content="head">',
    "no head": '<body><meta property="og:title" content="only"><meta name="description" content="d"></body>',
}


@pytest.mark.parametrize("html", META_PAGES.values(), ids=META_PAGES.keys())
def test_a_meta_is_the_first_of_its_name_in_the_whole_page(html):
    response = HtmlResponse("https://www.chinadaily.com.cn/a/1.html", body=html.encode())
    first = {}
    for meta in response.css("meta[content]"):
        for attribute in ("name", "property"):
            if attribute in meta.attrib:
                first.setdefault(
                    (attribute, meta.attrib[attribute]), " ".join(meta.attrib["content"].split())
                )
    page = ArticlePage(response)
    assert page.description() == (first.get(("name", "description")) or None)
    assert page._meta("og:title", "property") == (first.get(("property", "og:title")) or None)
