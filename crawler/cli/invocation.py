"""What every `chinadaily-archive` command shares: --db and --json, the filter options, one way to report a problem."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import click
from sqlalchemy.exc import SQLAlchemyError

from crawler.cli.commands import FrontierUnavailable
from pipelines.archive.errors import ArchiveError, BadInput
from pipelines.archive.filters import Filters
from pipelines.archive.reader import ArchiveReader
from pipelines.archive.readonly import database_url


@dataclass
class Invocation:
    """What every command shares: the archive asked for, JSON or not, where output goes."""

    db: str | None = None
    as_json: bool = False
    out: IO[str] | None = None

    def url(self) -> str:
        return database_url(self.db or os.environ.get("ARCHIVE_DATABASE_URL"))

    def write(self) -> IO[str]:
        return self.out or click.get_text_stream("stdout")


def shared_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--db and --json, given before the command or after it (after it, they win)."""
    function = click.option(
        "--json", "as_json", is_flag=True, default=None, help="One JSON object a line, for scripts."
    )(function)
    return click.option(
        "--db",
        metavar="URL|FILE",
        default=None,
        help="The archive: an SQLAlchemy URL or a SQLite file (default: $ARCHIVE_DATABASE_URL, else ./archive.db).",
    )(function)


def settle(context: click.Context, db: str | None, as_json: bool | None) -> Invocation:
    shared: Invocation = context.ensure_object(Invocation)
    return Invocation(db or shared.db, bool(as_json) or shared.as_json, shared.out)


def reporting(function: Callable[..., int | None]) -> Callable[..., int | None]:
    """A problem the user can act on is one line on standard error and an exit status, never a traceback."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> int | None:
        try:
            code = function(*args, **kwargs)
        except (ArchiveError, FrontierUnavailable) as error:
            click.echo(f"chinadaily-archive: {error}", err=True)
            raise click.exceptions.Exit(error.exit_code) from None
        except SQLAlchemyError as error:
            message = str(getattr(error, "orig", None) or error).splitlines()[0]
            click.echo(f"chinadaily-archive: the archive could not be read: {message}", err=True)
            raise click.exceptions.Exit(ArchiveError.exit_code) from None
        except BrokenPipeError:
            # `chinadaily-archive export | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None
        if code:
            raise click.exceptions.Exit(code)
        return code

    return run


def with_reader(run: Callable[[ArchiveReader, Invocation], None], invocation: Invocation) -> None:
    reader = ArchiveReader(invocation.url())
    try:
        run(reader, invocation)
    finally:
        reader.close()


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def filter_options(limit_default: int | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--since, --until, --author, --section, --source, --limit."""

    def add(function: Callable[..., Any]) -> Callable[..., Any]:
        day = click.DateTime(formats=["%Y-%m-%d"])
        for option in reversed(
            [
                click.option("--since", type=day, help="Published on or after this day (YYYY-MM-DD, UTC)."),
                click.option("--until", type=day, help="Published on or before this day (YYYY-MM-DD, UTC)."),
                click.option("--author", help="An author's name, e.g. 'Wang Xu'."),
                click.option(
                    "--section",
                    help="A section path the article was listed under, e.g. /world/asia_pacific (or /world "
                    "and below); or a breadcrumb section, e.g. 'World > Asia-Pacific'.",
                ),
                click.option("--source", help="e.g. 'China Daily', 'Xinhua'."),
                click.option(
                    "--limit",
                    type=click.IntRange(min=1),
                    default=limit_default,
                    show_default=limit_default is not None,
                    help="At most this many.",
                ),
            ]
        ):
            function = option(function)
        return function

    return add


def make_filters(
    since: datetime | None,
    until: datetime | None,
    author: str | None,
    section: str | None,
    source: str | None,
    limit: int | None,
) -> Filters:
    if since and until and since > until:
        raise BadInput(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
    return Filters(_day(since), _day(until), author, section, source, limit)
