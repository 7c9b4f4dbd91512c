"""Coverage: what the list walk found against what the site's search API showed, per day and section."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pipelines.archive.models import Article, ArticleUrl, AuditedDay, DeadUrl, Discovery, SectionListing

# The site's days are Beijing days: the search API is asked about them, and lists print them.
BEIJING_OFFSET = timedelta(hours=8)
_CHUNK = 5000
_T = TypeVar("_T")


@dataclass
class CoverageRow:
    """One day (or one section) of the window."""

    key: str
    audited: str = "no"
    """'yes' when the search API's day was read to its end, 'failed' when it could not be, 'no'."""
    listed: int = 0
    """Articles a section list showed (by their publication day)."""
    search: int = 0
    """Articles the search API showed."""
    both: int = 0
    only_in_search: int = 0
    only_in_search_fetched: int = 0
    """Of those, archived since (the audit fetched them)."""
    only_in_search_dead: int = 0
    only_in_lists: int = 0
    """Listed, but not among the search API's results of an audited day."""


@dataclass
class Coverage:
    since: date
    until: date
    days: list[CoverageRow]
    sections: list[CoverageRow]
    only_in_search: list[str]
    """Canonical URLs of the articles only the search API showed in the window, sorted."""
    other_sources: dict[str, int] = field(default_factory=dict)
    """Articles the RSS feeds and the sitemap showed in the window, per source."""

    @property
    def search_total(self) -> int:
        return sum(row.search for row in self.days)

    @property
    def share(self) -> float | None:
        """Of the search API's results, the share the list walk found too."""
        total = self.search_total
        return sum(row.both for row in self.days) / total if total else None

    def summary(self) -> str:
        """One line, for a job summary."""
        audited = sum(row.audited == "yes" for row in self.days)
        failed = [row.key for row in self.days if row.audited == "failed"]
        share = f"{self.share:.1%}" if self.share is not None else "n/a"
        only = len(self.only_in_search)
        fetched = sum(row.only_in_search_fetched for row in self.days)
        dead = sum(row.only_in_search_dead for row in self.days)
        line = (
            f"Search coverage {self.since}..{self.until}: {share} of {self.search_total} search results "
            f"found by the list walk; {only} only in search ({fetched} archived since, {dead} dead); "
            f"{audited} of {len(self.days)} days audited"
        )
        return line + (f", not audited: {', '.join(failed)}" if failed else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "coverage": round(self.share, 4) if self.share is not None else None,
            "summary": self.summary(),
            "only_in_search": self.only_in_search,
            "days": [asdict(row) | {"day": row.key} for row in self.days],
            "sections": [asdict(row) | {"section": row.key} for row in self.sections],
            "other_sources": self.other_sources,
        }


def _chunks(values: list[_T]) -> Iterable[list[_T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _beijing_day(moment: datetime | None) -> str | None:
    return (moment + BEIJING_OFFSET).date().isoformat() if moment is not None else None


def coverage(connection: Connection, since: date, until: date) -> Coverage:
    """The window's days, newest first, and its sections."""
    days = [(until - timedelta(days=n)).isoformat() for n in range((until - since).days + 1)]
    first, last = days[-1], days[0]
    audited = {
        day: ("failed" if failure else "yes")
        for day, failure in connection.execute(
            select(AuditedDay.day, AuditedDay.failure).where(
                AuditedDay.source == "search", AuditedDay.day >= first, AuditedDay.day <= last
            )
        )
    }
    searched: dict[str, str] = {}
    hints: dict[str, str | None] = {}
    others: Counter[str] = Counter()
    for url, source, day, hint in connection.execute(
        select(Discovery.canonical_url, Discovery.source, Discovery.day, Discovery.section_hint).where(
            Discovery.day >= first, Discovery.day <= last
        )
    ):
        if source == "search":
            searched[url] = day
            hints[url] = hint
        else:
            others[source] += 1
    # The window's articles by publication day, and the sections that listed each.
    start = datetime.combine(since, time(), tzinfo=UTC) - BEIJING_OFFSET
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC) - BEIJING_OFFSET
    published: dict[str, str] = {}
    owner: dict[str, str] = {}
    ids: dict[int, str] = {}
    for article_id, url, when in connection.execute(
        select(Article.id, Article.canonical_url, Article.date_published).where(
            Article.date_published >= start, Article.date_published < end
        )
    ):
        published[url] = _beijing_day(when) or ""
        owner[url] = url
        ids[article_id] = url
    # Search results outside the archive's window rows still need their archive state.
    candidates = sorted(set(searched) | set(published))
    archived: set[str] = set()
    for chunk in _chunks(candidates):
        for article_id, url in connection.execute(
            select(Article.id, Article.canonical_url).where(Article.canonical_url.in_(chunk))
        ):
            archived.add(url)
            owner[url] = url
            ids[article_id] = url
    for ids_chunk in _chunks(sorted(ids)):
        for article_id, alias in connection.execute(
            select(ArticleUrl.article_id, ArticleUrl.canonical_url).where(
                ArticleUrl.article_id.in_(ids_chunk)
            )
        ):
            owner.setdefault(alias, ids[article_id])
    listings: defaultdict[str, set[str]] = defaultdict(set)
    lookup = sorted(set(owner))
    for chunk in _chunks(lookup):
        for url, path in connection.execute(
            select(SectionListing.canonical_url, SectionListing.section_path).where(
                SectionListing.canonical_url.in_(chunk)
            )
        ):
            listings[owner[url]].add(path)
    dead: set[str] = set()
    for chunk in _chunks(sorted(searched)):
        dead.update(connection.scalars(select(DeadUrl.canonical_url).where(DeadUrl.canonical_url.in_(chunk))))

    rows = {day: CoverageRow(day, audited.get(day, "no")) for day in days}
    sections: dict[str, CoverageRow] = {}

    def section_row(key: str) -> CoverageRow:
        return sections.setdefault(key, CoverageRow(key))

    only_in_search = []
    for url, day in searched.items():
        row = rows[day]
        row.search += 1
        if listings.get(url):
            row.both += 1
            for path in listings[url]:
                section_row(path).search += 1
                section_row(path).both += 1
        else:
            only_in_search.append(url)
            row.only_in_search += 1
            row.only_in_search_fetched += url in archived
            row.only_in_search_dead += url in dead
            unlisted = section_row(f"(not listed: {hints[url]})" if hints.get(url) else "(not listed)")
            unlisted.search += 1
            unlisted.only_in_search += 1
            unlisted.only_in_search_fetched += url in archived
            unlisted.only_in_search_dead += url in dead
    for url, day in published.items():
        paths = listings.get(url)
        if not paths or day not in rows:
            continue
        rows[day].listed += 1
        for path in paths:
            section_row(path).listed += 1
        if url not in searched and rows[day].audited == "yes":
            rows[day].only_in_lists += 1
            for path in paths:
                section_row(path).only_in_lists += 1
    return Coverage(
        since,
        until,
        [rows[day] for day in days],
        sorted(sections.values(), key=lambda row: row.key),
        sorted(only_in_search),
        dict(others),
    )
