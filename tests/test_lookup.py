"""Look-ups by id find what the CSS scan finds (crawler/pages/lookup.py)."""

import pytest
from scrapy.http import HtmlResponse

from crawler.pages.lookup import compiled_css, element_with_id, page_element_with_id

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


def first_css(scope, query):
    found = scope.css(query)
    return found[0].root if found else None


@pytest.mark.parametrize("html", PAGES.values(), ids=PAGES.keys())
def test_the_first_element_with_an_id_is_the_one_css_finds(html):
    response = page(html)
    container = response.css("#lft-art")[0]
    assert page_element_with_id(response, "lft-art") is first_css(response, "#lft-art")
    assert page_element_with_id(response, "Content") is first_css(response, "#Content")
    assert element_with_id(container.root, "Content") is first_css(container, "#Content")
    assert element_with_id(container.root, "lft-art") is container.root
    assert page_element_with_id(response, "nowhere") is None


@pytest.mark.parametrize("query", ["span.info_l", "div.ce_art h1", "h1.dabiaoti, div.xinf-le, #Content", "p"])
def test_a_compiled_css_query_selects_what_parsel_selects(query):
    response = page(
        '<div class="ce_art"><h1>A</h1><span class=" info_l x">b</span></div>'
        '<div class="container-left2"><h1 class="dabiaoti">C</h1><div class="xinf-le">d</div>'
        '<div id="Content"><p>e</p><p>f</p></div></div>'
    )
    root = response.selector.root
    assert compiled_css(query)(root) == [selected.root for selected in response.css(query)]
