"""The walk of a section's list pages: which listed articles to fetch, when to stop, how far it has reached.

Pure bookkeeping, no I/O: the spider tells it what a list page held and when an article's
fetch has ended, and it answers with what to fetch, where to go next, and the crawl state to
record. Its fields are what a JOBDIR keeps between runs (`save`, `restore`) and, in part, what
travels with the next list page's request in a shared run (`travelling`, `take`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawler.dupefilter import SeenUrls
from crawler.items import CrawlStateItem
from crawler.siteurls import canonical_url, is_article_url, to_origin
from pipelines.archive.records import KnownUrl, WalkRecord

logger = logging.getLogger(__name__)

FULL, INCREMENTAL, BACKFILL = "full", "incremental", "backfill"


@dataclass(frozen=True)
class Candidate:
    """A list item whose link is an article of the site."""

    url: str
    """Where to fetch it: the link, on the crawled origin."""
    canonical: str
    link: str
    """The link as the list wrote it."""
    published: datetime | None
    """The time the list shows for it."""
    date_problem: str | None = None
    """What was wrong with that time (see pages.dates.read_site_time)."""


@dataclass(frozen=True)
class WalkArguments:
    """What the section spider is asked to walk: `-a path=… -a max_pages=… -a since=… -a full=1`."""

    path: str
    """The section's path, e.g. /world/asia_pacific."""
    max_pages: int | None = None
    """List pages to walk (None: all)."""
    since: datetime | None = None
    """Stop at list items older than this day (UTC)."""
    full: bool = False
    """Walk every list page and fetch every listed article again, whatever the archive holds."""

    @classmethod
    def parse(
        cls,
        path: str | None,
        max_pages: str | int | None,
        since: str | None,
        full: str | bool | None,
        *,
        require_path: bool = True,
    ) -> WalkArguments:
        """The spider's arguments as given on the command line; ValueError when one makes no sense."""
        if not path and require_path:
            raise ValueError("no section given: use a named spider or -a path=/world/asia_pacific")
        try:
            pages = int(max_pages) if max_pages not in (None, "") else None
        except ValueError:
            raise ValueError(f"max_pages must be a number of list pages, got {max_pages!r}") from None
        if pages is not None and pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages!r}")
        try:
            day = date.fromisoformat(since) if since else None
        except ValueError:
            raise ValueError(f"since must be a day, YYYY-MM-DD, got {since!r}") from None
        return cls(
            "/" + path.strip().strip("/") if path else "",
            pages,
            datetime.combine(day, datetime.min.time(), tzinfo=UTC) if day else None,
            str(full).lower() in ("1", "true", "yes") if full is not None else False,
        )


class Listed(Protocol):
    """A list page's item as the walk needs it (crawler/pages/list_page.py, ListEntry)."""

    @property
    def url(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def date_problem(self) -> str | None: ...


def list_candidates(
    entries: Sequence[Listed], page_url: str, origin: str
) -> tuple[list[Candidate], Counter[str]]:
    """The list items that link to an article of the site, on the crawled origin; and stats of
    the others (links to other hosts, links that are no article)."""
    found, counts = [], Counter({"list/items": len(entries)})
    for entry in entries:
        url = to_origin(entry.url, page_url, origin)
        if url is None:
            counts["list/offsite_links"] += 1
        elif not is_article_url(url):
            counts["list/non_article_links"] += 1
            logger.debug("Not an article URL, skipped: %s", url)
        else:
            found.append(Candidate(url, canonical_url(url), entry.url, entry.published, entry.date_problem))
    return found, counts


@dataclass
class Choice:
    """What a list page's items come to: the ones to fetch, and whether the walk should stop."""

    fetch: list[tuple[Candidate, KnownUrl | None]] = field(default_factory=list)
    """The items to fetch, each with the archive's record when it is a re-check of an archived one."""
    up_to_date: bool = False
    """The stop rule ended the walk: enough archived items in a row."""
    older_than_since: bool = False
    """An item older than the walk's `since` day was reached."""
    counts: Counter[str] = field(default_factory=Counter)
    """Stats to count."""


@dataclass
class SectionWalk:
    """How far one walk of a section has got, and the rules it walks by."""

    section_url: str
    """The section's first list page on the crawled origin."""
    section_key: str
    """The section's canonical URL: its crawl state's key."""
    stop_after_known: int = 20
    recheck_age: timedelta = timedelta(days=3)
    max_pages: int | None = None
    since: datetime | None = None

    mode: str = BACKFILL
    resume_page: int = 0
    """The page an interrupted backfill continues from (0: none)."""
    requested: SeenUrls = field(default_factory=SeenUrls)
    """Canonical URLs of the articles requested in this run, as 8-byte digests: a backfill of
    a whole section must not keep each URL."""
    pending: dict[int, int] = field(default_factory=dict)
    """Article fetches not yet finished, per list page beyond done_through."""
    done_through: int = 0
    """List pages 1..done_through are walked and all their articles handed on."""
    last_page: int | None = None
    """The section's last list page, once the walk has reached it."""
    pager_last_page: int | None = None
    known_in_a_row: int = 0
    """Archived, not-due list items in a row so far: the incremental stop rule counts them."""
    first_page_items: int | None = None
    section_name: str | None = None

    # What a JOBDIR keeps of a walk between runs.
    _SAVED = (
        "mode",
        "resume_page",
        "requested",
        "pending",
        "done_through",
        "last_page",
        "pager_last_page",
        "known_in_a_row",
        "first_page_items",
        "section_name",
    )
    # What travels with a list page's request: in a shared run another worker may read it.
    _TRAVELLING = ("mode", "known_in_a_row", "resume_page")

    @classmethod
    def from_settings(
        cls, settings: Any, section_url: str, arguments: WalkArguments, requested: SeenUrls | None = None
    ) -> SectionWalk:
        """The walk of the section at section_url (CHINADAILY_STOP_AFTER_KNOWN, CHINADAILY_RECHECK_DAYS);
        walks given the same `requested` set fetch an article listed in several sections once."""
        return cls(
            section_url,
            canonical_url(section_url),
            stop_after_known=settings.getint("CHINADAILY_STOP_AFTER_KNOWN"),
            recheck_age=timedelta(days=settings.getfloat("CHINADAILY_RECHECK_DAYS")),
            max_pages=arguments.max_pages,
            since=arguments.since,
            requested=requested if requested is not None else SeenUrls(),
        )

    @property
    def path(self) -> str:
        """The section's path as on the site: /world/asia_pacific."""
        return urlsplit(self.section_url).path.rstrip("/")

    def choose_mode(self, record: WalkRecord | None, *, full: bool) -> None:
        """A full walk when asked (or with no archive); incremental once a backfill has
        completed; else a backfill, continuing where an interrupted one reached."""
        if full:
            self.mode = FULL
        elif record is not None and record.backfill_complete:
            self.mode = INCREMENTAL
        else:
            self.mode = BACKFILL
            self.resume_page = record.reached_page if record is not None else 0
        detail = f", continuing after list page {self.resume_page}" if self.resume_page else ""
        logger.info("Walking %s in %s mode%s", self.section_url, self.mode, detail)

    def save(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._SAVED}

    def restore(self, saved: SectionWalk | dict[str, Any]) -> None:
        """Take on how far an earlier walk of the same section had got (a JOBDIR's walk)."""
        values = saved.save() if isinstance(saved, SectionWalk) else saved
        for name in self._SAVED:
            if name == "requested":
                # Shared with the spider's other walks: added to, never replaced. A job saved
                # before the digests holds a set of URLs.
                self.requested.update(values[name])
            else:
                setattr(self, name, values[name])
        logger.info("Resuming the job's walk of %s at list page %d", self.section_url, self.done_through + 1)

    def travelling(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._TRAVELLING}

    def take(self, travelled: dict[str, Any]) -> None:
        for name in self._TRAVELLING:
            setattr(self, name, travelled[name])

    def choose(self, candidates: list[Candidate], known: dict[str, KnownUrl], now: datetime) -> Choice:
        """The list items to fetch: new ones, and archived ones due for a re-check."""
        choice = Choice()
        for candidate in candidates:
            if candidate.date_problem:
                choice.counts[f"dates/list_{candidate.date_problem}"] += 1
                logger.warning(
                    "An absurd listed time for %s (%s)",
                    candidate.url,
                    candidate.date_problem.replace("_", " "),
                )
            if self.since and candidate.published and candidate.published < self.since:
                choice.older_than_since = True
                return choice
            if candidate.canonical in self.requested:
                choice.counts["list/repeated_items"] += 1
                continue
            info = known.get(candidate.canonical)
            # A full walk re-checks everything; otherwise only young articles are due, and those
            # stored with pages missing.
            due = info is not None and (
                self.mode == FULL
                or (info.kind == "article" and not info.complete)
                or (
                    info.kind == "article"
                    and info.date_published is not None
                    and now - info.date_published < self.recheck_age
                )
            )
            if info is not None and not due:
                choice.counts["list/known_items"] += 1
                self.known_in_a_row += 1
                if self.mode == INCREMENTAL and self.known_in_a_row >= self.stop_after_known:
                    choice.up_to_date = True
                    return choice
                continue
            self.known_in_a_row = 0
            choice.counts["recheck/requests" if due else "list/new_items"] += 1
            self.requested.add(candidate.canonical)
            choice.fetch.append((candidate, info if due else None))
        return choice

    def listed(self, number: int, fetches: int) -> None:
        """List page `number` of the walk handed on this many article fetches."""
        self.pending[number] = fetches

    def next_page(self, number: int, next_url: str | None, choice: Choice) -> str | None:
        """The next list page to walk after list page `number` (None: the walk ends there)."""
        if choice.up_to_date:
            logger.info(
                "%d archived items in a row by list page %d: the archive is up to date",
                self.known_in_a_row,
                number,
            )
            return None
        if choice.older_than_since:
            logger.info("List page %d reaches items older than %s: the walk ends", number, self.since)
            return None
        if next_url is None:
            self.ended_at(number)
            return None
        if self.max_pages is not None and number >= self.max_pages:
            return None
        target = number + 1
        # An interrupted backfill walked and stored pages up to resume_page: once the head
        # of the list is known, carry on from there. New items only push old ones to later
        # pages, so nothing unseen stands before it; one page of overlap covers deletions.
        if (
            self.mode == BACKFILL
            and self.resume_page
            and self.known_in_a_row >= self.stop_after_known
            and self.resume_page - 1 > target
        ):
            for skipped in range(target, self.resume_page - 1):
                self.pending[skipped] = 0
            target = self.resume_page - 1
            logger.info("Continuing the interrupted backfill at list page %d", target)
            self.resume_page = 0
            return f"{self.section_url}/page_{target}.html"
        return next_url

    def ended_at(self, last_page: int) -> None:
        """The walk found the section's end: list page `last_page` is its last."""
        self.last_page = last_page

    def fetch_ended(self, list_page: int | None) -> None:
        """One article fetch (with its extra pages) of list page `list_page` has ended."""
        if list_page is not None and self.pending.get(list_page, 0) > 0:
            self.pending[list_page] -= 1

    def advance(self) -> Iterator[CrawlStateItem]:
        """Move the reached page past every list page whose articles are all handed on; yields the
        crawl state to record when it moved (never for an incremental walk, which reaches no new page)."""
        moved = False
        while self.pending.get(self.done_through + 1) == 0:
            # A page walked past is never looked at again: its entry would only grow with the section.
            del self.pending[self.done_through + 1]
            self.done_through += 1
            moved = True
        if not moved or self.mode == INCREMENTAL:
            return
        complete = self.last_page is not None and self.done_through >= self.last_page
        if complete:
            logger.info("The backfill of %s is complete (%d list pages)", self.section_url, self.done_through)
        yield CrawlStateItem(
            section_url=self.section_key,
            reached_page=self.done_through,
            complete=complete,
            last_page=self.pager_last_page,
        )
