"""Fresh archive databases for tests: a SQLite file, or a PostgreSQL database of the test's own."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest

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


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards: its SQLAlchemy URL."""
    require_postgres()
    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def archive_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty archive database of the given kind ('sqlite' or 'postgresql')."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'archive.db'}"
    else:
        with postgres_database() as url:
            yield url
