"""Page object for the site's menus: the top menu (div.topNav) and a section's sub-menu (div.topNav2_art)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from crawler.pages.text import text_of
from crawler.siteurls import MIRROR_HOSTS

_TOP_MENU = "div.topNav ul.dropdown > li > a"
_SUB_MENU = "div.topNav2_art ul li a"
_PAGE_SUFFIX = re.compile(r"/(?:page_\d+|index)\.html?$")


@dataclass(frozen=True)
class MenuLink:
    """A menu link: where it points (absolute), its text, and the section path it names, if any."""

    url: str
    name: str
    path: str | None
    """The section's path as on the site, no host, no trailing slash; None for a link that names
    no section of this site: another host, the home page, a page (…html), a script."""
    offsite: bool
    """The link points at another host."""


def section_path(url: str, page_url: str) -> tuple[str | None, bool]:
    """(the section path an absolute menu link names, whether it points at another host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None, False
    host = (parts.hostname or "").lower()
    if host not in MIRROR_HOSTS and host != (urlsplit(page_url).hostname or "").lower():
        return None, True
    path = _PAGE_SUFFIX.sub("", parts.path).rstrip("/")
    if not path or path.endswith((".html", ".htm")) or path.startswith("/a/"):
        return None, False
    return path, False


class NavigationPage:
    """Reads the menus any page of the site carries."""

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    def _links(self, selector: str) -> list[MenuLink]:
        found = []
        for link in self.response.css(selector):
            href = link.attrib.get("href", "").strip()
            if not href:
                continue
            url = self.response.urljoin(href)
            path, offsite = section_path(url, self.response.url)
            found.append(MenuLink(url, text_of(link), path, offsite))
        return found

    def top_menu(self) -> list[MenuLink]:
        """The top menu's own items (not the sub-menus hanging from them), in order."""
        return self._links(_TOP_MENU)

    def sub_menu(self) -> list[MenuLink]:
        """The sub-menu of the page's section (on a subsection's page: its parent's), in order."""
        return self._links(_SUB_MENU)

    def sub_menu_name(self) -> str | None:
        name = text_of(self.response.css("div.topNav2_art > span"))
        return name or None
