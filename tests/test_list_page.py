"""The section list page object against the real captured list page (crawler/pages/list_page.py)."""

import pytest

from crawler.pages.list_page import SectionListPage
from tests.labelled import as_label, labelled_pages

(LIST,) = labelled_pages("list")


@pytest.fixture(scope="module")
def page():
    return SectionListPage(LIST.response())


def test_every_list_item_in_page_order(page):
    assert [entry.url for entry in page.entries()] == [item["url"] for item in LIST.label["items"]]


def test_headlines(page):
    assert [entry.headline for entry in page.entries()] == [item["headline"] for item in LIST.label["items"]]


def test_listed_times_in_utc(page):
    assert [as_label(entry.published) for entry in page.entries()] == [
        item["date_published_utc"] for item in LIST.label["items"]
    ]


def test_next_page(page):
    assert page.next_page_url() == LIST.label["next_page_url"]


def test_last_page(page):
    assert page.last_page_number() == LIST.label["last_page"]


def test_section(page):
    assert page.section() == LIST.label["section"]


def test_breadcrumbs(page):
    assert page.breadcrumbs() == LIST.label["breadcrumbs"]


def test_a_page_without_items_or_pager():
    empty = SectionListPage(
        LIST.response().replace(body=b"<html><body><div class='lft_art'></div></body></html>")
    )
    assert (empty.entries(), empty.next_page_url(), empty.last_page_number()) == ([], None, None)
