"""The section list page object against the labelled list pages: the real captured page, a written
page in the list template's #lft-art variant, and a written page in a template no page object knows,
read by the generic list reader (crawler/pages/list_page.py, crawler/pages/generic_list.py)."""

import pytest

from crawler.pages import generic_list
from crawler.pages.list_page import SectionListPage
from tests.labelled import as_label, labelled_pages

LISTS = labelled_pages("list")


@pytest.fixture(scope="module", params=LISTS, ids=[page.id for page in LISTS])
def labelled(request):
    return request.param, SectionListPage(request.param.response())


def test_the_three_list_pages_are_there():
    assert [page.id for page in LISTS] == [
        "real/list_world_china_us_1",
        "written/list_lft_art_variant",
        "written/list_unknown_template",
    ]


def test_read_by_the_template_or_the_generic_reader(labelled):
    label, page = labelled
    assert page.reader == ("fallback" if label.label.get("template") == "unknown" else "template")


def test_every_list_item_in_page_order(labelled):
    label, page = labelled
    assert [entry.url for entry in page.entries()] == [item["url"] for item in label.label["items"]]


def test_headlines(labelled):
    label, page = labelled
    assert [entry.headline for entry in page.entries()] == [item["headline"] for item in label.label["items"]]


def test_listed_times_in_utc(labelled):
    label, page = labelled
    assert [as_label(entry.published) for entry in page.entries()] == [
        item["date_published_utc"] for item in label.label["items"]
    ]


def test_next_page(labelled):
    label, page = labelled
    assert page.next_page_url() == label.label["next_page_url"]


def test_last_page(labelled):
    label, page = labelled
    assert page.last_page_number() == label.label["last_page"]


def test_section(labelled):
    label, page = labelled
    assert page.section() == label.label["section"]


def test_breadcrumbs(labelled):
    label, page = labelled
    assert page.breadcrumbs() == label.label["breadcrumbs"]


def test_a_page_without_items_or_pager():
    (real, *_) = LISTS
    empty = SectionListPage(
        real.response().replace(body=b"<html><body><div class='lft_art'></div></body></html>")
    )
    assert (empty.entries(), empty.next_page_url(), empty.last_page_number()) == ([], None, None)


def test_the_generic_reader_takes_no_undated_links_for_a_list():
    (real, *_) = LISTS
    body = b"""<html><body><ul class="x">
      <li><a href="//www.chinadaily.com.cn/a/202401/02/WS6593a1b2a31040ac301a1b2c.html">One</a></li>
      <li><a href="//www.chinadaily.com.cn/world/2016-12/30/content_27821234.htm">Two</a></li>
      <li><a href="//www.chinadaily.com.cn/world/asia_pacific">A section</a></li>
    </ul><a href="javascript:void(0)">Next</a></body></html>"""
    page = SectionListPage(real.response().replace(body=body))
    assert page.reader == "fallback"
    assert page.entries() == []
    assert (page.next_page_url(), page.last_page_number()) == (None, None)


def test_the_generic_reader_tells_menus_from_the_list_by_element_not_by_address(monkeypatch):
    """It once kept the menus' id()s: addresses, which another element takes once a menu's proxy
    is freed, so that now and then every link of a list page could be taken for a menu's (the
    likely cause of two whole-site crawls in CI, 2026-12-03, each with one generic-reader page
    read as empty). Every address the same is the worst case."""
    body = b"""<html><body><div class="topNav"><a href="/a/202401/02/WS6593a1b2a31040ac301a1b2d.html">Menu</a>
      <span>2024-01-02 10:00</span></div>
      <ul class="story-list">
      <li class="story"><a href="/a/202401/02/WS6593a1b2a31040ac301a1b2c.html">One</a><time>2024-01-02 09:00</time></li>
      <li class="story"><a href="/a/202401/01/WS6593a1b2a31040ac301a1b2e.html">Two</a><time>2024-01-01 09:00</time></li>
    </ul></body></html>"""
    (real, *_) = LISTS
    monkeypatch.setattr(generic_list, "id", lambda _: 1, raising=False)
    page = SectionListPage(real.response().replace(body=body))
    assert page.reader == "fallback"
    assert [entry.headline for entry in page.entries()] == ["One", "Two"]
