"""The archive: its models and migrations, the one door a crawl writes and reads through, and the read-only reader.

- db: engines, locks, schema upgrades, retries;
- archive: `Archive`, each call one retried transaction (write, read);
- stories: which story an article is, and whether its content changed (a new version);
- reader, search: what the `chinadaily-archive` command reads; filters (what it narrows by),
  readonly (opening an archive read-only), errors (the problems it reports);
- records: the plain data they hand out.
"""

from pipelines.archive.archive import Archive
from pipelines.archive.db import ArchiveOptions, ArchiveUnavailable, alembic_config, create_archive_engine
from pipelines.archive.records import KnownUrl, ProbeRecord, StoreResult, WalkRecord
from pipelines.archive.stories import DedupRules
from pipelines.archive.write import STORED_ITEMS

__all__ = [
    "STORED_ITEMS",
    "Archive",
    "ArchiveOptions",
    "ArchiveUnavailable",
    "DedupRules",
    "KnownUrl",
    "ProbeRecord",
    "StoreResult",
    "WalkRecord",
    "alembic_config",
    "create_archive_engine",
]
