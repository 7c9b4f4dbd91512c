"""The one door to the archive for a crawl: each call is one transaction, retried while its failure may pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pipelines.archive import read, write
from pipelines.archive.db import ArchiveOptions, create_archive_engine, retried, upgrade_schema, writing
from pipelines.archive.records import KnownUrl, ProbeRecord, StoreResult, WalkRecord
from pipelines.archive.stories import DedupRules

_T = TypeVar("_T")


class Archive:
    """Reads and writes the archive through SQLAlchemy; every write is one transaction."""

    def __init__(self, engine: Engine, options: ArchiveOptions | None = None) -> None:
        self.engine = engine
        self.options = options or ArchiveOptions()

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, options: ArchiveOptions | None = None) -> Archive:
        """The archive at url, its schema created or upgraded; ArchiveUnavailable if it cannot be."""
        archive = cls(create_archive_engine(url, options), options)
        if upgrade:
            try:
                archive.upgrade()
            except BaseException:
                archive.close()
                raise
        return archive

    def close(self) -> None:
        self.engine.dispose()

    def upgrade(self, revision: str = "head") -> None:
        """Create the schema, or bring an older archive up to the current revision."""
        retried(self.options, lambda: upgrade_schema(self.engine, revision))

    def _read(self, query: Callable[[Session], _T]) -> _T:
        def run() -> _T:
            with Session(self.engine) as session:
                return query(session)

        return retried(self.options, run)

    def _write(self, change: Callable[[Session], _T]) -> _T:
        def run() -> _T:
            with writing(self.engine) as session:
                return change(session)

        return retried(self.options, run)

    # --- Writes -------------------------------------------------------------------------------

    def store(
        self, items: Iterable[Any], *, run_id: int | None = None, rules: DedupRules | None = None
    ) -> StoreResult:
        """Write a batch of crawl items — articles, their other URLs, re-checks, dead and failed
        URLs, crawl state — in one transaction."""
        batch = list(items)
        return self._write(lambda session: write.store(session, batch, run_id, rules or DedupRules()))

    def start_run(self, spider: str) -> int:
        return self._write(lambda session: write.start_run(session, spider))

    def finish_run(self, run_id: int, reason: str, stats: dict[str, Any]) -> None:
        self._write(lambda session: write.finish_run(session, run_id, reason, stats))

    def save_probe_fingerprints(self, records: Sequence[ProbeRecord]) -> None:
        """Replace the stored fingerprints of the same origin and URL shape."""
        self._write(lambda session: write.save_probe_fingerprints(session, records))

    # --- Reads --------------------------------------------------------------------------------

    def known(self, urls: Iterable[str]) -> dict[str, KnownUrl]:
        """What the archive already holds under these canonical URLs."""
        wanted = list(urls)
        return self._read(lambda session: read.known(session, wanted))

    def crawl_state(self, section_url: str) -> WalkRecord | None:
        """How far the walk of a section (its canonical URL) has reached."""
        return self._read(lambda session: read.crawl_state(session, section_url))

    def crawl_state_keys(self) -> list[str]:
        """The canonical URLs of every section whose walk the archive records."""
        return self._read(read.crawl_state_keys)

    def listed(self, urls: Iterable[str]) -> set[str]:
        """The canonical URLs among these that a section list has shown (under them or an alias)."""
        wanted = list(urls)
        return self._read(lambda session: read.listed(session, wanted))

    def failed_audit_days(self) -> list[tuple[str, str]]:
        """(source, day) of every day an audit could not read and none has read since."""
        return self._read(read.failed_audit_days)

    def last_new_article_at(self, section: str | None = None) -> datetime | None:
        """When the archive last gained an article (of a section, given its breadcrumb name)."""
        return self._read(lambda session: read.last_new_article_at(session, section))

    def unresolved_failed_urls(self, limit: int = 1000) -> list[str]:
        """URLs whose last fetch failed for a passing reason, oldest first."""
        return self._read(lambda session: read.unresolved_failed_urls(session, limit))

    def incomplete_articles(self, since: datetime, limit: int = 1000) -> list[str]:
        """Articles first archived since then with pages missing, oldest first."""
        return self._read(lambda session: read.incomplete_articles(session, since, limit))

    def probe_fingerprints(self, origin: str) -> list[ProbeRecord]:
        return self._read(lambda session: read.probe_fingerprints(session, origin))
