"""The site's pager (`#div_currpage`), on list pages and on the pages of an article."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import TextResponse

from crawler.pages.text import text_of

PAGER = "#div_currpage"


def next_links(response: TextResponse) -> Iterator[str]:
    """The absolute URLs of the pager's 'Next' links, in page order."""
    for link in response.css(f"{PAGER} a.pagestyle"):
        href = link.attrib.get("href", "").strip()
        if href and not href.startswith("javascript:") and "next" in text_of(link).lower():
            yield response.urljoin(href)
