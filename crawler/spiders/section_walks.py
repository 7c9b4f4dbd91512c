"""The walks a section spider keeps, one per section path: made on demand, restored from a resumed job, shared with the other workers of a run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from crawler import statkeys as keys
from crawler.dupefilter import SeenUrls
from crawler.items import CrawlStateItem
from crawler.shared_run import SharedRun
from crawler.walk import SectionWalk, WalkArguments


class SectionWalks:
    """SectionSpider's walks (it mixes this class in; crawler/spiders/section.py)."""

    # Set up by SectionSpider and Scrapy.
    name: str
    crawler: Crawler
    origin: str
    section_path: str
    whole_site: bool
    arguments: WalkArguments
    requested: SeenUrls
    walks: dict[str, SectionWalk]
    shared_run: SharedRun | None

    @property
    def walk(self) -> SectionWalk:
        """The walk of a one-section spider."""
        walk = self.walks.get(self.section_path)
        if walk is None:
            # AttributeError, not KeyError: Scrapy looks over the spider's attributes.
            raise AttributeError(f"{self.name} walks many sections, not one")
        return walk

    def add_walk(self, path: str) -> SectionWalk:
        """A walk of the section at `path`, from now on one of this spider's."""
        walk = SectionWalk.from_settings(
            self.crawler.settings, self.origin + path, self.arguments, requested=self.requested
        )
        self.walks[path] = walk
        return walk

    def sections_to_restart(self, known: list[str]) -> list[str]:
        """The sections (canonical URLs) a lost shared run of this spider may have left half-walked."""
        return [self.walk.section_key]

    def walk_of(self, meta: dict[str, Any]) -> SectionWalk:
        """The walk a request belongs to; in a shared run, one another worker started is taken up here."""
        path = meta.get("section") or self.section_path
        return self.walks.get(path) or self.add_walk(path)

    def _restore_walks(self) -> bool:
        """With JOBDIR, Scrapy keeps the spider's `state` between runs: a resumed job knows its walks."""
        job = vars(self).get("state")  # set by Scrapy's SpiderState extension only with JOBDIR
        if not isinstance(job, dict):
            return False
        saved, job["walks"] = job.get("walks"), self.walks
        if not saved and job.get("walk") is not None and self.section_path:
            saved = {self.section_path: job.pop("walk")}  # a job saved before walks were per section
        if not saved:
            return False
        for path, walk in saved.items():
            self.walk_of({"section": path}).restore(walk)
        for walk in self.walks.values():
            self._note_first_page(walk)
        return True

    def _note_first_page(self, walk: SectionWalk) -> None:
        """What the health checks read of a section's first list page."""
        if walk.first_page_items is None:
            return
        self.crawler.stats.set_value(keys.section_key(walk.path, "first_page_items"), walk.first_page_items)
        if not self.whole_site:
            self.crawler.stats.set_value(keys.LIST_FIRST_PAGE_ITEMS, walk.first_page_items)
            if walk.section_name:
                self.crawler.stats.set_value(keys.LIST_SECTION, walk.section_name)

    def _share(self, walk: SectionWalk, **info: Any) -> None:
        """What a shared run knows of each section's walk, under `<name>:<section path>`."""
        if self.shared_run is not None:
            self.shared_run.set_info(**{f"{name}:{walk.path}": value for name, value in info.items()})

    def _advance(self, walk: SectionWalk) -> Iterator[CrawlStateItem]:
        # In a shared run other workers fetch this walk's articles: the last one out records it.
        if self.shared_run is None:
            yield from walk.advance()

    def _fetch_ended(self, request: Request | None) -> Iterator[CrawlStateItem]:
        """One article fetch (with its extra pages) has ended; maybe its list page is done."""
        if request is None or request.meta.get("list_page") is None:
            return
        walk = self.walk_of(request.meta)
        walk.fetch_ended(request.meta["list_page"])
        yield from self._advance(walk)

    def request_dropped(self, request: Request) -> None:
        if request.meta.get("list_page") is not None:
            self.walk_of(request.meta).fetch_ended(request.meta["list_page"])
