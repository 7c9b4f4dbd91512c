"""Opening an archive read-only: a --db value as a URL, an engine that cannot write, and the refusal of another schema."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from pipelines.archive.db import SCHEMA_HEAD, alembic_config, schema_head
from pipelines.archive.errors import ArchiveMissing, SchemaMismatch


def database_url(given: str | None) -> str:
    """A --db value as an SQLAlchemy URL: a URL as it is, anything else a SQLite file path."""
    if given and "://" in given:
        return given
    return f"sqlite:///{Path(given or 'archive.db')}"


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened read-only, PostgreSQL in read-only transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(unquote(parsed.database or ""))
        if not parsed.database or not path.is_file():
            raise ArchiveMissing(
                f"no archive at {path or parsed.database!s}: run `scrapy crawl asia_pacific` first, or give --db"
            )
        return create_engine(f"sqlite+pysqlite:///file:{path.resolve()}?mode=ro&uri=true")
    return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})


def check_schema(engine: Engine, url: str) -> None:
    """SchemaMismatch for an archive at an older or a newer schema than this version's; ArchiveMissing for no readable archive."""
    try:
        with engine.connect() as connection:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    except (OperationalError, DBAPIError) as error:
        message = str(error.orig).splitlines()[0] if error.orig else str(error)
        raise ArchiveMissing(
            f"{make_url(url).render_as_string()} is not a readable archive ({message})"
        ) from None
    if revision == SCHEMA_HEAD:
        return
    head = schema_head()
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision not in known:
        raise SchemaMismatch(
            f"the archive's schema ({revision}) is newer than this chinadaily-archive knows ({head}): "
            "upgrade the package"
        )
    raise SchemaMismatch(
        f"the archive's schema ({revision}) is older than this chinadaily-archive's ({head}): "
        "run `chinadaily-archive upgrade` (or a crawl) to upgrade it"
    )
