"""The menus' page object against the labelled navigation of the real captured list page and a
written Lifestyle page (crawler/pages/navigation.py)."""

import json

import pytest

from crawler.pages.navigation import NavigationPage
from tests.labelled import FIXTURES, LabelledPage, labelled_pages

REAL = LabelledPage(
    "real",
    "list_world_china_us_1",
    json.loads((FIXTURES / "real" / "list_world_china_us_1.navigation.json").read_text(encoding="utf-8")),
)
PAGES = [REAL, *labelled_pages("navigation")]


@pytest.fixture(params=PAGES, ids=[page.id for page in PAGES])
def labelled(request):
    return request.param.label, NavigationPage(request.param.response())


def _sections(links):
    return [{"path": link.path, "name": link.name} for link in links if link.path]


def test_both_pages_are_there():
    assert [page.id for page in PAGES] == ["real/list_world_china_us_1", "written/navigation_life_fashion"]


def test_top_menu_sections(labelled):
    label, page = labelled
    assert _sections(page.top_menu()) == label["top_sections"]


def test_sub_menu_sections(labelled):
    label, page = labelled
    assert _sections(page.sub_menu()) == label["sub_sections"]
    assert page.sub_menu_name() == label["menu_name"]


def test_links_to_other_hosts(labelled):
    label, page = labelled
    assert [link.url for link in page.top_menu() + page.sub_menu() if link.offsite] == label["offsite_links"]


def test_a_page_without_menus():
    page = NavigationPage(REAL.response().replace(body=b"<html><body><p>No menus</p></body></html>"))
    assert (page.top_menu(), page.sub_menu(), page.sub_menu_name()) == ([], [], None)
