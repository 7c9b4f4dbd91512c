"""Page object for a section list page (`/world/asia_pacific`, `.../page_N.html`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from scrapy.http import TextResponse

from crawler.pages.breadcrumbs import breadcrumb_names, section_of
from crawler.pages.dates import read_site_time
from crawler.pages.generic_list import GenericListReader
from crawler.pages.pager import PAGER, next_links
from crawler.pages.text import text_of
from crawler.siteurls import list_page_number, site_link

# The list block is div.lft_art (id "left"; "lft-art" on some sections). Classes are
# matched as tokens because the site writes class="mb10 tw3_01_2 " with a trailing space.
_ITEMS = "div.lft_art .tw3_01_2, #lft-art .tw3_01_2, #left .tw3_01_2"
_LIST_BLOCK = "div.lft_art, #lft-art, #left"


@dataclass(frozen=True)
class ListEntry:
    """One item of a section list: its link as the live site means it, headline, listed time (UTC)."""

    url: str
    headline: str
    published: datetime | None
    date_problem: str | None = None
    """What was wrong with the listed time (see dates.read_site_time), if anything."""


class SectionListPage:
    """Reads the list items, pager and breadcrumb of one section list page.

    A page in the site's list template is read by its markup; any other page by the generic
    list reader (crawler/pages/generic_list.py), and `reader` says which.
    """

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    @cached_property
    def reader(self) -> str:
        """'template' for the site's list template, 'fallback' for the generic list reader."""
        return "template" if self.has_list_block() else "fallback"

    @cached_property
    def _generic(self) -> GenericListReader:
        return GenericListReader(self.response)

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def page_number(self) -> int:
        return list_page_number(self.response.url)

    def has_list_block(self) -> bool:
        """True when the page is in the list template, items or not."""
        return bool(self.response.css(_LIST_BLOCK))

    def entries(self) -> list[ListEntry]:
        if self.reader == "fallback":
            return [
                ListEntry(entry.url, entry.headline, entry.listed.value, entry.listed.problem)
                for entry in self._generic.entries
            ]
        return self._entries

    @cached_property
    def _entries(self) -> list[ListEntry]:
        found = []
        for node in self.response.css(_ITEMS):
            link = node.css(".tw3_01_2_t h4 a")
            href = link.attrib.get("href", "").strip() if link else ""
            if not href:
                continue
            headline = text_of(link)
            listed = read_site_time(node.css(".tw3_01_2_t b::text").get())
            found.append(
                ListEntry(site_link(href, self.response.url), headline, listed.value, listed.problem)
            )
        return found

    def next_page_url(self) -> str | None:
        """The pager's 'Next' link, absolute; None on the last page."""
        if self.reader == "fallback":
            return self._generic.next_page_url()
        return next(next_links(self.response), None)

    def last_page_number(self) -> int | None:
        """The number of list pages the pager announces (its '>>|' link), if it shows one."""
        if self.reader == "fallback":
            return self._generic.last_page_number()
        if not self.response.css(PAGER):
            return None
        numbers = [self.page_number]
        for href in self.response.css(f"{PAGER} a::attr(href)").getall():
            match = re.search(r"page_(\d+)\.html", href)
            if match:
                numbers.append(int(match.group(1)))
        return max(numbers)

    def breadcrumbs(self) -> list[str]:
        return breadcrumb_names(self.response)

    def section(self) -> str | None:
        return section_of(self.breadcrumbs())
