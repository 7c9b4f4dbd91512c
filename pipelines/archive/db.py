"""The archive's database: engines, SQLite pragmas, write locks, schema upgrades, and retries of passing failures."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
# Alembic announces each of its plugins at INFO on every start; only its migrations are news.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

MIGRATIONS = "pipelines.archive:migrations"
# Keys of the PostgreSQL advisory locks that make concurrent crawls take turns: writing a
# batch, and upgrading the schema (N crawls starting at once upgrade it once).
WRITE_LOCK_KEY = 0x0C0D_A1_1A
SCHEMA_LOCK_KEY = 0x0C0D_A1_1B
# PostgreSQL SQLSTATE classes of failures that may pass: lost connections (08), the server
# shutting down or starting (57P), serialization failures and deadlocks (40).
_TRANSIENT_SQLSTATES = ("08", "57P", "40")


@dataclass(frozen=True)
class ArchiveOptions:
    """How the archive copes with a busy or failing database."""

    lock_timeout: float = 30.0
    """SQLite: seconds to wait for another writer's lock before a write fails (and is retried)."""
    retries: int = 5
    """Times a failed read or write is tried again, when the failure may pass."""
    retry_delay: float = 1.0
    """Seconds before the first retry; each next one waits twice as long."""
    sqlite_max_page_count: int = 0
    """SQLite: a ceiling on the file, in pages (0: none), for quotas and for tests of a full disk."""

    @classmethod
    def from_settings(cls, settings: Any) -> ArchiveOptions:
        return cls(
            lock_timeout=settings.getfloat("ARCHIVE_LOCK_TIMEOUT_SECONDS"),
            retries=settings.getint("ARCHIVE_RETRIES"),
            retry_delay=settings.getfloat("ARCHIVE_RETRY_DELAY_SECONDS"),
            sqlite_max_page_count=settings.getint("ARCHIVE_SQLITE_MAX_PAGE_COUNT"),
        )


class ArchiveUnavailable(RuntimeError):
    """The archive cannot be read or written, for good or after its retries; says why in one line."""


def transient(error: BaseException) -> bool:
    """Whether a database error may pass if the same work is tried again."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        sqlstate = getattr(error.orig, "sqlstate", None)
        if sqlstate:
            return str(sqlstate).startswith(_TRANSIENT_SQLSTATES)
        message = str(error.orig).lower()
        if "locked" in message or "busy" in message:
            return True
        # psycopg raises OperationalError without a SQLSTATE when the connection is gone.
        return isinstance(error, OperationalError) and not isinstance(error.orig, sqlite3.Error)
    return False


def describe(error: BaseException) -> str:
    """An error in one line: its driver's exception type and first line of message."""
    origin = getattr(error, "orig", None) or error
    return f"{type(origin).__name__}: {str(origin).strip().splitlines()[0] if str(origin).strip() else ''}"


def retried(options: ArchiveOptions, work: Callable[[], _T]) -> _T:
    """Run work, again with doubling pauses while its failure may pass; ArchiveUnavailable when
    it fails for good or after options.retries more tries."""

    def say(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "The archive failed (%s); trying again in %.0f s (%d of %d)",
            describe(error) if error else "?",
            pause,
            state.attempt_number,
            options.retries,
        )

    retrying = Retrying(
        retry=retry_if_exception(transient),
        stop=stop_after_attempt(options.retries + 1),
        wait=wait_exponential(multiplier=options.retry_delay, exp_base=2),
        before_sleep=say,
        sleep=time.sleep,
        reraise=True,
    )
    try:
        return retrying(work)
    except SQLAlchemyError as error:
        attempts = retrying.statistics.get("attempt_number", 1)
        tries = f" after {attempts} tries" if attempts > 1 else ""
        raise ArchiveUnavailable(f"{describe(error)}{tries}") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, options: ArchiveOptions) -> None:
    cursor = dbapi_connection.cursor()
    # First, so that even switching the journal waits for another writer instead of failing.
    cursor.execute(f"PRAGMA busy_timeout={int(options.lock_timeout * 1000)}")
    if options.sqlite_max_page_count:
        cursor.execute(f"PRAGMA max_page_count={int(options.sqlite_max_page_count)}")
    # WAL lets readers (the query tools, Datasette) work while a crawl writes. It stays set in
    # the file; switching a new file to it fails at once, busy timeout or not, while another
    # connection holds a lock, so that one step is retried.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        for attempt in range(200):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 199:
                    raise
                time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (the pysqlite driver's own is deferred).
    dbapi_connection.isolation_level = None


# Marks a connection that writes (execution option): on SQLite it takes the write lock at once.
WRITES = "archive_writes"


def _sqlite_begin(connection: Any) -> None:
    # A write transaction takes the write lock at once, so two crawls writing the same file
    # take turns instead of both reading and then failing to upgrade their locks. A read takes
    # none: in WAL mode it reads beside a writer, and is never kept waiting by one.
    writes = connection.get_execution_options().get(WRITES)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def json_text(value: Any) -> str:
    """json.dumps(value), the same text, sooner for a list of strings (authors, breadcrumbs):
    dumps makes a new encoder each call, several times the work of encoding two names."""
    if type(value) is list and all(type(element) is str for element in value):
        return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
    return json.dumps(value)


def create_archive_engine(url: str, options: ArchiveOptions | None = None) -> Engine:
    options = options or ArchiveOptions()
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), json_serializer=json_text)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, options=options))
        event.listen(engine, "connect", _sqlite_autocommit)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


SCHEMA_HEAD = "0011_search_document"
"""The newest migration's revision, named here so that a command need not load every migration
to learn it (a test holds it to Alembic's head): 10-20 ms of each `chinadaily-archive` run."""


def schema_head() -> str:
    """The schema revision this version writes (the newest migration), as Alembic finds it."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Create the schema, or bring an older archive up to the revision."""
    config = alembic_config()
    with engine.execution_options(**{WRITES: True}).begin() as connection:
        # SQLite's BEGIN IMMEDIATE already holds the file's write lock here.
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A write transaction that concurrent crawls take in turns (on SQLite, BEGIN IMMEDIATE does
    that; on PostgreSQL, an advisory lock held to the end of the transaction)."""
    with Session(engine.execution_options(**{WRITES: True})) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        yield session
