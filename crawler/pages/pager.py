"""The site's pager (`#div_currpage`), on list pages and on the pages of an article; a photo story's 'next photo' link."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import TextResponse

from crawler.pages.lookup import compiled_css
from crawler.pages.text import text_of

PAGER = "#div_currpage"
# Where an article's page links to its other pages: the pager (an older form is #currpage), and
# the photo template's picture, which links to the next photo.
_ARTICLE_PAGE_LINKS = f"{PAGER} a[href], #currpage a[href], div.picshow a[href]"
_ARTICLE_PAGE_LINK_HOLDERS = ("currpage", "picshow")
_ARTICLE_PAGE_LINK_QUERY = compiled_css(_ARTICLE_PAGE_LINKS)


def next_links(response: TextResponse) -> Iterator[str]:
    """The absolute URLs of the pager's 'Next' links, in page order."""
    for link in response.css(f"{PAGER} a.pagestyle"):
        href = link.attrib.get("href", "").strip()
        if href and not href.startswith("javascript:") and "next" in text_of(link).lower():
            yield response.urljoin(href)


def article_page_links(response: TextResponse) -> Iterator[str]:
    """The absolute URLs an article's page links to from its pager and its 'next photo' link."""
    # Most articles have one page: their text names no pager, and the tree need not be searched.
    text = response.text
    if not any(name in text for name in _ARTICLE_PAGE_LINK_HOLDERS):
        return
    for link in _ARTICLE_PAGE_LINK_QUERY(response.selector.root):
        href = link.get("href", "").strip()
        if href and not href.startswith("javascript:"):
            yield response.urljoin(href)
