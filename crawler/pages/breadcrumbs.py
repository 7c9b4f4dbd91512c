"""The breadcrumb trail of a page, on the English and the Chinese templates."""

from __future__ import annotations

from scrapy.http import TextResponse

from crawler.pages.lookup import first_with_id
from crawler.pages.text import element_text

# English pages: span#bread-nav with links "Home", "/ World", "/ Asia-Pacific".
# Chinese subsite: div.da-bre with links "评论", " > 海外观察".
# Older templates: an element whose class names a breadcrumb ("crumb", "breadcrumb").
# A page may repeat its trail for phones: the first one is read.
_TRAILS = ("#bread-nav", "div.da-bre", "[class~='crumb'], [class~='breadcrumb']")
_SEPARATORS = " />›»\u00a0\t\r\n"


def breadcrumb_names(response: TextResponse) -> list[str]:
    for selector in _TRAILS:
        names = []
        trail = (
            first_with_id(response, selector[1:]) if selector.startswith("#") else response.css(selector)[:1]
        )
        for link in trail[0].root.iter("a") if trail else ():
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
