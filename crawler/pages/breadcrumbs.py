"""The breadcrumb trail of a page, on the English and the Chinese templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import TextResponse

from crawler.pages.lookup import compiled_css, page_element_with_id
from crawler.pages.text import element_text

# English pages: span#bread-nav with links "Home", "/ World", "/ Asia-Pacific".
# Chinese subsite: div.da-bre with links "评论", " > 海外观察".
# Older templates: an element whose class names a breadcrumb ("crumb", "breadcrumb").
# A page may repeat its trail for phones: the first one is read.
_TRAIL_ID = "bread-nav"
_OTHER_TRAILS = (compiled_css("div.da-bre"), compiled_css("[class~='crumb'], [class~='breadcrumb']"))
_SEPARATORS = " />›»\u00a0\t\r\n"


def _trails(response: TextResponse) -> Iterator[Any | None]:
    """The first element of each kind of trail, in the order they are tried (None: no such trail)."""
    yield page_element_with_id(response, _TRAIL_ID)
    for query in _OTHER_TRAILS:
        found = query(response.selector.root)
        yield found[0] if found else None


def breadcrumb_names(response: TextResponse) -> list[str]:
    for trail in _trails(response):
        names = []
        for link in trail.iter("a") if trail is not None else ():
            name = element_text(link).strip(_SEPARATORS)
            if name:
                names.append(name)
        if names:
            return names
    return []


def section_of(breadcrumbs: list[str]) -> str | None:
    """The trail below Home, e.g. 'World > Asia-Pacific'."""
    below_home = [name for name in breadcrumbs if name.lower() != "home"]
    return " > ".join(below_home) or None
