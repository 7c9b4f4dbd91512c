"""A SQLite copy of an archive (of a PostgreSQL one, typically): one file to hand a user or to serve with Datasette."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from pipelines.archive.archive import Archive
from pipelines.archive.db import writing
from pipelines.archive.models import Base, SectionCount
from pipelines.archive.sectioncounts import recount

BATCH = 1000


def snapshot(source: Engine, path: Path, progress: Callable[[int], None] | None = None) -> int:
    """Copy every table of the archive that `source` reads into a new SQLite archive at path
    (its own schema, full-text index and views made by the migrations); the rows copied."""
    if path.exists():
        raise FileExistsError(f"{path} exists: a snapshot is written to a new file")
    target = Archive.open(f"sqlite:///{path}")
    copied = 0
    try:
        with source.connect() as reading, writing(target.engine) as session:
            for table in Base.metadata.sorted_tables:
                if table.name == SectionCount.__tablename__:
                    continue
                rows = reading.execution_options(yield_per=BATCH).execute(select(table))
                for batch in rows.partitions():
                    session.execute(insert(table), [dict(row._mapping) for row in batch])
                    copied += len(batch)
                    if progress is not None:
                        progress(len(batch))
            # Counted from the rows copied, not copied: a crawl writing meanwhile may have moved
            # the source's counts between the reads of its tables.
            recount(session)
    except BaseException:
        target.close()
        path.unlink(missing_ok=True)
        raise
    target.close()
    return copied


def rows_in(source: Engine) -> int:
    """How many rows the archive's tables hold (the length of a snapshot's progress)."""
    with source.connect() as connection:
        return sum(
            int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name != SectionCount.__tablename__
        )
