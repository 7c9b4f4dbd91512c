"""Fresh archive databases for tests: a SQLite file, or a PostgreSQL database of the test's own."""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest

from pipelines.archive import Archive

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str, in_ci: str | None = None) -> NoReturn:
    """A test's server or tool is missing: outside CI it skips, saying why; CI must run every
    test, so there it fails (with `in_ci`, else `reason`)."""
    if IN_CI:
        pytest.fail(in_ci or reason)
    pytest.skip(reason)


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {ADMIN_URL} is not reachable ({error.__class__.__name__})"


def require_postgres() -> None:
    """Skip outside CI when PostgreSQL is down; in CI a missing server is a failure."""
    reason = postgres_unavailable()
    if reason is not None:
        unavailable(reason, f"{reason}; CI must run the PostgreSQL tests (.ci/run starts the server)")


def _url(name: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def _drop(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards: its SQLAlchemy URL."""
    require_postgres()
    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url(name)
    finally:
        _drop(name)


@functools.cache
def _migrated(kind: str) -> str:
    """An archive at the current schema, made once per test session: a SQLite file to copy, or a
    PostgreSQL database to empty for each test (dropped when the session ends)."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="archive-template-")) / "archive.db"
        atexit.register(shutil.rmtree, path.parent, True)
        Archive.open(f"sqlite:///{path}").close()
        return str(path)
    require_postgres()
    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    atexit.register(_drop, name)
    Archive.open(_url(name)).close()
    return name


def _emptied(name: str) -> str:
    """The session's migrated PostgreSQL archive, every table emptied (the schema's version kept)."""
    with psycopg.connect(_url(name).replace("+psycopg", ""), autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        connection.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return _url(name)


@contextmanager
def archive_database(kind: str, folder: Path, *, migrated: bool = False) -> Iterator[str]:
    """An archive database of the given kind ('sqlite' or 'postgresql'): empty, or `migrated`,
    at the current schema with no rows (made once per session: a test that does not test
    making the schema need not wait for it)."""
    if kind == "sqlite":
        path = folder / "archive.db"
        if migrated:
            shutil.copyfile(_migrated(kind), path)
        yield f"sqlite:///{path}"
    elif migrated:
        yield _emptied(_migrated(kind))
    else:
        with postgres_database() as url:
            yield url
