"""The whole site: every section the navigation shows, walked concurrently under one politeness budget."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import statkeys as keys
from crawler.judging import ERROR_STATUSES, failure_reason
from crawler.pages.list_page import SectionListPage
from crawler.pages.navigation import MenuLink, NavigationPage
from crawler.spiders.section import SectionSpider
from crawler.walk import SectionWalk, WalkArguments

logger = logging.getLogger(__name__)


class SiteSpider(SectionSpider):
    """Crawls every section of the site: `scrapy crawl site [-a sections=/world,/business/tech]`.

    It reads the home page's top menu, then each top-level section's page and its sub-menu, and
    the sub-menu of every section's first list page (a third level shows there). A link to another
    host, or to a page that is no section, is counted and left. Every section found is walked by
    the section spider's rules (incremental stop, young re-checks, backfill, resume) at once, all
    requests sharing the per-host politeness settings. A top-level page that has no sub-menu is a
    section itself, as is one in the list template.

    Arguments: sections (comma-separated paths; a path selects its subtree), and the section
    spider's max_pages, since and full, which apply to each section.
    """

    name = "site"
    whole_site = True
    menu: str = ""
    """The top-level menu this spider keeps to ('/china'); empty: every menu."""

    def __init__(self, *args: Any, sections: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = tuple(
            "/" + part.strip().strip("/") for part in (sections or "").split(",") if part.strip().strip("/")
        )
        """The section paths to walk, each with its subtree (empty: all)."""
        self.found: dict[str, str] = {}
        """Every section path the navigation showed, with the top-level menu it was found under."""
        self.menus_failed: list[str] = []
        self.discovering = 0
        """Navigation pages and first list pages not yet read: while any is, more sections may show."""
        self.known_sections: list[str] = []

    @classmethod
    def parse_arguments(
        cls,
        path: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        full: str | bool | None = None,
    ) -> WalkArguments:
        if path:
            raise ValueError(
                f"{cls.name} walks the sections the navigation shows: use -a sections=…, not path"
            )
        return WalkArguments.parse("", max_pages, since, full, require_path=False)

    def in_scope(self, path: str) -> bool:
        return not self.scope or any(path == prefix or path.startswith(prefix + "/") for prefix in self.scope)

    def sections_to_restart(self, known: list[str]) -> list[str]:
        return [key for key in known if self._ours(urlsplit(key).path)]

    def _ours(self, path: str) -> bool:
        """A section this spider would walk, were it still in the navigation."""
        return self.in_scope(path) and (
            not self.menu or path == self.menu or path.startswith(self.menu + "/")
        )

    def _navigation_request(self, url: str, callback: Any, **meta: Any) -> Request:
        self.discovering += 1
        return Request(
            url,
            callback=callback,
            errback=self.navigation_failed,
            # The menus come first: every section found is work for the queue.
            priority=4,
            meta={"handle_httpstatus_list": ERROR_STATUSES, "page_kind": "navigation", **meta},
        )

    def first_requests(self) -> Any:
        self.crawler.stats.set_value(keys.SITE_SECTIONS, [])
        yield self._navigation_request(self.origin + "/", self.parse_home, menu="")

    def _menu_sections(self, links: list[MenuLink]) -> list[MenuLink]:
        """The links that name sections of this site, once each; the others counted."""
        sections, seen = [], set()
        for link in links:
            if link.offsite:
                self._count(keys.NAVIGATION_OFFSITE_LINKS)
            elif link.path is None:
                self._count(keys.NAVIGATION_OTHER_LINKS)
            elif link.path not in seen:
                seen.add(link.path)
                sections.append(link)
        return sections

    def _read(self, response: Response) -> NavigationPage | None:
        """The menus of a navigation page that answered, None (the reason recorded) when it did not."""
        if response.status == 200 and isinstance(response, TextResponse):
            self._count(keys.NAVIGATION_PAGES)
            return NavigationPage(response)
        self._menu_failed(response.meta.get("menu", ""), f"HTTP {response.status}")
        return None

    async def parse_home(self, response: Response) -> AsyncIterator[Any]:
        navigation = self._read(response)
        tops = self._menu_sections(navigation.top_menu()) if navigation else []
        if navigation and not tops:
            self._menu_failed("", "no section in the top menu")
        for link in tops:
            if self.menu and link.path != self.menu:
                continue
            yield self._navigation_request(self.origin + str(link.path), self.parse_menu, menu=link.path)
        if navigation and self.menu and self.menu not in {link.path for link in tops}:
            self._menu_failed(self.menu, "not in the top menu")
        self._discovered()

    async def parse_menu(self, response: Response) -> AsyncIterator[Any]:
        """A top-level section's page: its sub-menu's sections; itself, when it is a list."""
        menu = response.meta["menu"]
        navigation = self._read(response)
        if navigation is None:
            self._discovered()
            return
        below = [link for link in self._menu_sections(navigation.sub_menu()) if link.path != menu]
        for link in below:
            request = await self._found(str(link.path), menu)
            if request is not None:
                yield request
        page = SectionListPage(response) if isinstance(response, TextResponse) else None
        listed = page is not None and page.reader == "template" and bool(page.entries())
        if (not below or listed) and await self._add_section(menu, menu) is not None:
            # The page is its section's first list page, read now rather than fetched again.
            self.discovering += 1
            response.meta["section"] = menu
            async for output in self.parse_list(response):
                yield output
        self._discovered()

    async def prepare(self) -> None:
        """The sections the archive has walked before, to tell which left the navigation."""
        storage = self.storage
        keys_known = await storage.use(lambda archive: archive.crawl_state_keys()) if storage else []
        self.known_sections = [urlsplit(key).path for key in keys_known]

    async def first_list_page(self, response: Response, walk: SectionWalk) -> list[Request]:
        """A section's first list page: its sub-menu may show sections one level further down."""
        requests = []
        if isinstance(response, TextResponse) and response.status == 200:
            menu = self.found.get(walk.path, walk.path)
            for link in self._menu_sections(NavigationPage(response).sub_menu()):
                request = await self._found(str(link.path), menu)
                if request is not None:
                    requests.append(request)
        self._discovered()
        return requests

    def first_list_page_failed(self, request: Request) -> None:
        self.discovering -= 1

    async def _found(self, path: str, menu: str) -> Request | None:
        """A section the navigation shows: walked from its first list page if new and in scope."""
        walk = await self._add_section(path, menu)
        if walk is None:
            return None
        self.discovering += 1
        return self._list_request(walk.section_url, path)

    async def _add_section(self, path: str, menu: str) -> SectionWalk | None:
        if path in self.found:
            return None
        self.found[path] = menu
        self._count(keys.NAVIGATION_SECTIONS)
        if not self.in_scope(path):
            return None
        walk = self.walk_of({"section": path})
        await self.choose_mode(walk)
        self.crawler.stats.set_value(keys.SITE_SECTIONS, sorted(self.walks))
        logger.info("Section %s (menu %s): walking it", path, menu or "/")
        return walk

    def _menu_failed(self, menu: str, reason: str) -> None:
        self.menus_failed.append(menu)
        self.crawler.stats.set_value(
            keys.NAVIGATION_FAILED,
            [*(self.crawler.stats.get_value(keys.NAVIGATION_FAILED) or []), f"{menu or '/'}: {reason}"],
        )
        logger.error("The navigation page %s could not be read (%s)", menu or "/", reason)

    def navigation_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value if failure.value is not None else RuntimeError("unknown failure")
        self._menu_failed(request.meta.get("menu", ""), failure_reason(error))
        self._discovered()

    def _discovered(self) -> None:
        """One navigation or first list page read; once none is left, the sections the archive
        walked before but the navigation no longer shows are reported."""
        self.discovering -= 1
        if self.discovering != 0 or self.shared_run is not None:
            return
        self.crawler.stats.set_value(keys.SITE_SECTIONS_FOUND, len(self.found))
        if "" in self.menus_failed:
            return  # without the top menu, nothing can be said to have left it
        failed = [menu for menu in self.menus_failed if menu]
        dropped = sorted(
            path
            for path in self.known_sections
            if self._ours(path)
            and path not in self.found
            and not any(path == menu or path.startswith(menu + "/") for menu in failed)
        )
        self.crawler.stats.set_value(keys.SITE_DROPPED_SECTIONS, dropped)
        for path in dropped:
            logger.warning("Section %s is no longer in the navigation: not walked (its archive stays)", path)


class ChinaSpider(SiteSpider):
    name = "china"
    menu = "/china"


class WorldSpider(SiteSpider):
    name = "world"
    menu = "/world"


class BusinessSpider(SiteSpider):
    name = "business"
    menu = "/business"


class LifeSpider(SiteSpider):
    name = "life"
    menu = "/life"


class CultureSpider(SiteSpider):
    name = "culture"
    menu = "/culture"


class TravelSpider(SiteSpider):
    name = "travel"
    menu = "/travel"


class SportsSpider(SiteSpider):
    name = "sports"
    menu = "/sports"


class OpinionSpider(SiteSpider):
    name = "opinion"
    menu = "/opinion"
