"""The generic list reader: a section list page in a template no page object knows, read by its links' shapes.

A template change must degrade a crawl, never stop it. Whatever the markup, a list page links to
its articles (`/a/YYYYMM/DD/WS….html`, legacy `…/YYYY-MM/DD/content_N.htm`) and prints each one's
time beside it, and it links to its next page. The reader takes, in page order, the article links
whose own list item (the largest element around the link that holds no other article) prints a
date: links in menus, sidebars and "most popular" boxes print none. A page whose article links
print no date at all gives no items: a sidebar is no list, and a section read as empty fails the
health check loudly rather than filling the archive with the wrong articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from crawler.pages.dates import SiteTime, read_site_time
from crawler.pages.text import text_of
from crawler.siteurls import canonical_url, is_article_url, list_page_number, site_link

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PAGE_OF = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_LIST_PAGE = re.compile(r"/page_(\d+)\.html$")
# Menus are no list: their links are left out before anything else is looked at.
_NOT_LIST = "div.topNav, div.topNav2_art, ul.xiao-ul, nav.navbartop1"


@dataclass(frozen=True)
class GenericEntry:
    url: str
    headline: str
    listed: SiteTime


class GenericListReader:
    """Reads list items, next page and page count from any list page."""

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    @cached_property
    def _article_links(self) -> list[tuple[Selector, str]]:
        """Every link to an article of the site outside the menus, with its canonical URL, in page order."""
        # The menu elements themselves, held here, not their id()s: an id is an address, free for
        # another element (the page's <body>, say) once the menu's proxy is gone, and a collision
        # hid every link under that element, so that a list page read as empty now and then.
        menus = {node.root for node in self.response.css(_NOT_LIST)}
        found = []
        for link in self.response.xpath("//a[@href]"):
            if any(ancestor.root in menus for ancestor in link.xpath("ancestor::*")):
                continue
            url = site_link(link.attrib["href"].strip(), self.response.url)
            if is_article_url(url):
                found.append((link, canonical_url(url)))
        return found

    def _item_of(self, link: Selector, canonical: str) -> Selector:
        """The largest element around a link that links to no other article: its list item."""
        item = link
        for ancestor in reversed(link.xpath("ancestor::*")):
            others = {
                canonical_url(site_link(href.strip(), self.response.url))
                for href in ancestor.xpath(".//a/@href").getall()
                if is_article_url(site_link(href.strip(), self.response.url))
            }
            if others - {canonical}:
                break
            item = ancestor
        return item

    @cached_property
    def entries(self) -> list[GenericEntry]:
        # An article is placed where a link to it first prints a date: a lead story or a picture
        # that links to it higher up, without a date, does not move it.
        dated: dict[str, tuple[str, SiteTime]] = {}
        headlines: dict[str, list[str]] = {}
        for link, canonical in self._article_links:
            headlines.setdefault(canonical, []).append(text_of(link))
            if canonical in dated:
                continue
            # The item's own text, without the link texts: a headline holding a date is no time.
            texts = " ".join(self._item_of(link, canonical).xpath(".//text()[not(ancestor::a)]").getall())
            match = _DATE.search(texts)
            if match:
                listed = read_site_time(texts[match.start() :])
                if listed.value is not None or listed.problem:
                    dated[canonical] = (site_link(link.attrib["href"].strip(), self.response.url), listed)
        return [
            GenericEntry(url, max(headlines[canonical], key=len), listed)
            for canonical, (url, listed) in dated.items()
        ]

    @property
    def _section_url(self) -> str:
        return _LIST_PAGE.sub("", self.response.url.split("?")[0]).rstrip("/")

    def _page_url(self, number: int) -> str:
        return self._section_url if number == 1 else f"{self._section_url}/page_{number}.html"

    def _page_of(self) -> tuple[int, int] | None:
        """'k/N' as the site's mobile pager prints it (span.pageno), or any element holding only that."""
        for text in self.response.css(".pageno ::text, .page-no ::text, .pages ::text").getall():
            match = _PAGE_OF.match(text)
            if match:
                return int(match.group(1)), int(match.group(2))
        return None

    def next_page_url(self) -> str | None:
        """A link saying 'Next' to a list page, or a link to page N+1; else page N+1 when 'k/N' says there is one."""
        wanted = urlsplit(self._page_url(list_page_number(self.response.url) + 1)).path
        for link in self.response.xpath("//a[@href]"):
            href = link.attrib["href"].strip()
            if href.startswith("javascript:"):
                continue
            path = urlsplit(self.response.urljoin(href)).path
            text = text_of(link).lower()
            says_next = "next" in text or text in ("›", "»", ">")
            if (says_next and _LIST_PAGE.search(path)) or path == wanted:
                return self.response.urljoin(href)
        page_of = self._page_of()
        if page_of is not None and page_of[0] < page_of[1]:
            return self._page_url(page_of[0] + 1)
        return None

    def last_page_number(self) -> int | None:
        numbers = [
            int(match.group(1))
            for href in self.response.xpath("//a/@href").getall()
            if (match := _LIST_PAGE.search(href.strip()))
        ]
        page_of = self._page_of()
        if page_of is not None:
            numbers.append(page_of[1])
        return max(numbers) if numbers else None
