"""Look-ups by id find what the CSS scan finds (crawler/pages/lookup.py)."""

import pytest
from scrapy.http import HtmlResponse

from crawler.pages.lookup import first_with_id

PAGES = {
    "one": '<div id="lft-art"><h1>A</h1><div id="Content"><p>body</p></div></div>',
    "a sidebar's first": (
        '<div id="Content"><p>sidebar</p></div><div id="lft-art"><div id="Content"><p>body</p></div></div>'
    ),
    "twice inside": '<div id="lft-art"><div id="Content"><p>first</p></div><div id="Content"><p>second</p></div></div>',
    "only outside": '<div id="lft-art"><p>no body</p></div><div id="Content"><p>after</p></div>',
    "none": '<div id="lft-art"><p>nothing</p></div>',
}


def page(html: str) -> HtmlResponse:
    return HtmlResponse(
        "https://www.chinadaily.com.cn/a/1.html", body=f"<html><body>{html}</body></html>".encode()
    )


@pytest.mark.parametrize("html", PAGES.values(), ids=PAGES.keys())
def test_the_first_element_with_an_id_is_the_one_css_finds(html):
    response = page(html)
    container = response.css("#lft-art")[:1]
    assert first_with_id(response, "lft-art").getall() == response.css("#lft-art")[:1].getall()
    assert first_with_id(response, "Content").getall() == response.css("#Content")[:1].getall()
    assert first_with_id(container, "Content").getall() == container.css("#Content")[:1].getall()
    assert first_with_id(response.css("#nowhere"), "Content").getall() == []
