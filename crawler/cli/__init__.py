"""The `chinadaily-archive` command: read, search and export the archive, serve it, rebuild it from WARC files, watch shared runs.

Exit status: 0 done (also when nothing matched), 2 bad input, 3 no usable archive (missing,
unreadable, another schema) or no Redis to read, 4 the article or crawl run asked for is not in the archive;
`reextract` exits as the first replayed crawl that failed.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy.exc import SQLAlchemyError

from crawler.cli import commands
from crawler.cli.commands import FrontierUnavailable
from crawler.cli.export import FORMATS, export
from crawler.cli.output import json_line, progress
from pipelines.archive import Archive
from pipelines.archive.db import schema_head
from pipelines.archive.reader import ArchiveError, ArchiveReader, BadInput, Filters, database_url

EXIT_STATUS = (
    "Exit status: 0 done (also when nothing matched); 2 bad input; 3 no usable archive (missing, "
    "unreadable, another schema) or no Redis to read; 4 no such article or crawl run."
)


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


def _shared(function: Callable[..., Any]) -> Callable[..., Any]:
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


def _settle(context: click.Context, db: str | None, as_json: bool | None) -> Invocation:
    shared: Invocation = context.ensure_object(Invocation)
    return Invocation(db or shared.db, bool(as_json) or shared.as_json, shared.out)


def _reporting(function: Callable[..., int | None]) -> Callable[..., int | None]:
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


def _reading(run: Callable[[ArchiveReader, Invocation], None], invocation: Invocation) -> None:
    reader = ArchiveReader(invocation.url())
    try:
        run(reader, invocation)
    finally:
        reader.close()


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _filters(limit_default: int | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
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


def _make_filters(
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


@click.group(epilog=EXIT_STATUS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chinadaily-archive", prog_name="chinadaily-archive")
@_shared
@click.pass_context
def cli(context: click.Context, db: str | None, as_json: bool | None) -> None:
    """Search, read, export and serve the China Daily archive a crawl made."""
    shared = context.ensure_object(Invocation)
    shared.db, shared.as_json = db, bool(as_json)


@cli.command(epilog='Example: chinadaily-archive search "rail link" --since 2019-01-01 --limit 5')
@click.argument("query")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@_filters(20)
@_shared
@click.pass_context
@_reporting
def search(
    context: click.Context, query: str, sort: str, db: str | None, as_json: bool | None, **filters: Any
) -> None:
    """Full-text search over headlines and bodies: words, "a phrase", a OR b, -excluded, prefix*."""
    invocation = _settle(context, db, as_json)
    chosen = _make_filters(**filters)
    _reading(lambda reader, i: commands.search(reader, i.write(), i.as_json, query, chosen, sort), invocation)


@cli.command(
    epilog="Example: chinadaily-archive show https://www.chinadaily.com.cn/a/201901/12/WS5c38….html --diff"
)
@click.argument("article")
@click.option("--versions", is_flag=True, help="List its versions.")
@click.option("--diff", is_flag=True, help="Show what changed from one version to the next.")
@_shared
@click.pass_context
@_reporting
def show(
    context: click.Context, article: str, versions: bool, diff: bool, db: str | None, as_json: bool | None
) -> None:
    """One article, by its id or any of its URLs."""
    invocation = _settle(context, db, as_json)
    _reading(
        lambda reader, i: commands.show(reader, i.write(), i.as_json, article, versions, diff), invocation
    )


@cli.command("export", epilog="Example: chinadaily-archive export --since 2019-01-01 -o recent.csv")
@click.option(
    "--format", "form", type=click.Choice(FORMATS), help="Default: from --output's suffix, else jsonl."
)
@click.option("--output", "-o", metavar="FILE", help="The file to write (default: standard output).")
@click.option("--with-html", is_flag=True, help="Include article_body_html.")
@_filters(None)
@_shared
@click.pass_context
@_reporting
def export_command(
    context: click.Context,
    form: str | None,
    output: str | None,
    with_html: bool,
    db: str | None,
    as_json: bool | None,
    **filters: Any,
) -> None:
    """The articles as JSON Lines, CSV or Parquet; or the whole archive as a SQLite file (--format
    sqlite: a snapshot of a PostgreSQL archive to hand on or to serve)."""
    invocation = _settle(context, db, as_json)
    chosen = _make_filters(**filters)
    _reading(lambda reader, i: export(reader, i.write(), chosen, form, output, with_html), invocation)


@cli.command(epilog="Example: chinadaily-archive stats --by section --since 2019-01-01")
@click.option(
    "--by",
    type=click.Choice(["day", "month", "author", "section", "breadcrumb", "source"]),
    help="Count per this (section: each section path an article was listed under; breadcrumb: its page's section).",
)
@click.option("--chart", metavar="FILE", help="Draw articles per day to a .png or .svg (needs matplotlib).")
@_filters(None)
@_shared
@click.pass_context
@_reporting
def stats(
    context: click.Context,
    by: str | None,
    chart: str | None,
    db: str | None,
    as_json: bool | None,
    **filters: Any,
) -> None:
    """Counts: articles, dead URLs, crawl runs; or articles per day, month, author, section, breadcrumb or source."""
    invocation = _settle(context, db, as_json)
    chosen = _make_filters(**filters)
    _reading(lambda reader, i: commands.stats(reader, i.write(), i.as_json, chosen, by, chart), invocation)


@cli.command(epilog="Example: chinadaily-archive dead --kind soft404 --limit 20")
@click.option(
    "--kind",
    type=click.Choice(["soft404", "http_error", "redirect", "thin", "failed"]),
    help="Only this kind; 'failed': fetches that failed and are tried again next run.",
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@_shared
@click.pass_context
@_reporting
def dead(context: click.Context, kind: str | None, limit: int, db: str | None, as_json: bool | None) -> None:
    """URLs that are not (or no longer) articles, pages an article was stored without, and fetches
    that failed and are tried again next run; and why."""
    invocation = _settle(context, db, as_json)
    _reading(lambda reader, i: commands.dead(reader, i.write(), i.as_json, kind, limit), invocation)


@cli.command(epilog="Example: chinadaily-archive coverage --since 2026-11-24 --json")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day (Beijing), default: 6 days before --until.",
)
@click.option(
    "--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day (Beijing), default: today."
)
@click.option(
    "--by", type=click.Choice(["day", "section"]), default="day", show_default=True, help="One row per this."
)
@_shared
@click.pass_context
@_reporting
def coverage(
    context: click.Context,
    since: datetime | None,
    until: datetime | None,
    by: str,
    db: str | None,
    as_json: bool | None,
) -> None:
    """What the list walk found against what the site's search API showed (scrapy crawl audit),
    per day or section: listed, found by search, both, only in search (archived since, or dead),
    only in lists; and one summary line. --json: one object, `only_in_search` the sorted
    canonical URLs of the articles only the search API showed."""
    invocation = _settle(context, db, as_json)
    last = until.date() if until else datetime.now(timezone(timedelta(hours=8))).date()
    first = since.date() if since else last - timedelta(days=6)
    _reading(lambda reader, i: commands.coverage(reader, i.write(), i.as_json, first, last, by), invocation)


@cli.command(epilog="Example: chinadaily-archive runs --shared --limit 5")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--shared", is_flag=True, help="One line per shared run of several workers: their totals.")
@_shared
@click.pass_context
@_reporting
def runs(context: click.Context, limit: int, shared: bool, db: str | None, as_json: bool | None) -> None:
    """Crawl runs and what they did."""
    invocation = _settle(context, db, as_json)
    _reading(lambda reader, i: commands.runs(reader, i.write(), i.as_json, limit, shared), invocation)


@cli.command(epilog="Example: chinadaily-archive frontier --redis redis://redis-host:6379/0")
@click.option(
    "--redis",
    "redis_url",
    default=lambda: os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    show_default="$REDIS_URL, else redis://127.0.0.1:6379/0",
)
@click.option(
    "--prefix",
    default=lambda: os.environ.get("REDIS_KEY_PREFIX") or "chinadaily-archive",
    show_default="$REDIS_KEY_PREFIX, else chinadaily-archive",
    help="REDIS_KEY_PREFIX of the workers.",
)
@_shared
@click.pass_context
@_reporting
def frontier(
    context: click.Context, redis_url: str, prefix: str, db: str | None, as_json: bool | None
) -> None:
    """The shared runs of several workers (REDIS_URL), live from Redis: queue, workers, progress."""
    invocation = _settle(context, db, as_json)
    commands.frontier(invocation.write(), invocation.as_json, redis_url, prefix)


@cli.command(epilog="Example: chinadaily-archive upgrade --db postgresql+psycopg://user@host/chinadaily")
@_shared
@click.pass_context
@_reporting
def upgrade(context: click.Context, db: str | None, as_json: bool | None) -> None:
    """Bring an archive made by an older version to this version's schema (writes)."""
    invocation = _settle(context, db, as_json)
    Archive.open(invocation.url()).close()
    if invocation.as_json:
        invocation.write().write(json_line({"schema": "up to date", "revision": schema_head()}) + "\n")
    else:
        invocation.write().write(f"The archive's schema is up to date ({schema_head()}).\n")


@cli.command(epilog="Example: chinadaily-archive reextract --from-warc warc/ --db rebuilt.db")
@click.option(
    "--from-warc",
    "paths",
    multiple=True,
    required=True,
    metavar="PATH",
    help="A WARC file, or a folder holding them; give it once per path.",
)
@click.argument("more", nargs=-1, metavar="[PATH]...")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="the cores, at most 4",
    help="Processes replaying each captured crawl at once, each its share of the articles.",
)
@_shared
@click.pass_context
@_reporting
def reextract(
    context: click.Context,
    paths: tuple[str, ...],
    more: tuple[str, ...],
    workers: int,
    db: str | None,
    as_json: bool | None,
) -> int:
    """Rebuild or update the archive from WARC files alone, with today's extraction (writes; offline)."""
    from crawler.reextract import reextract as replay

    invocation = _settle(context, db, as_json)
    try:
        return replay(
            [*paths, *more], invocation.url(), invocation.write(), progress, invocation.as_json, workers
        )
    except (FileNotFoundError, ValueError) as error:
        raise BadInput(str(error)) from error


@cli.command(
    epilog="Example: chinadaily-archive serve --db archive.db --port 8001, then open http://127.0.0.1:8001/-/dashboards/archive"
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to listen on (this machine only)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@_shared
@click.pass_context
@_reporting
def serve(context: click.Context, host: str, port: int, db: str | None, as_json: bool | None) -> None:
    """Browse the archive in Datasette, read-only: tables, search, the saved queries and a dashboard
    (/-/dashboards/archive). SQLite only: a PostgreSQL archive is served from a snapshot
    (`export --format sqlite`). Needs `pip install -e '.[datasette]'`."""
    from crawler.cli.serve import serve as run_datasette

    invocation = _settle(context, db, as_json)
    run_datasette(invocation.url(), host, port)


@cli.command(
    epilog="Example: chinadaily-archive diagnose -o report.tar.gz, then attach report.tar.gz to an issue"
)
@click.option("--run", "run_id", type=click.IntRange(min=1), help="The crawl run (default: the latest).")
@click.option("--output", "-o", metavar="FILE.tar.gz", required=True, help="Where to write the bundle.")
@_shared
@click.pass_context
@_reporting
def diagnose(
    context: click.Context, run_id: int | None, output: str, db: str | None, as_json: bool | None
) -> None:
    """Bundle what a problem with the real site needs: a run's stats, health verdicts, template-drift
    signals, and the raw HTML of up to 20 pages of each kind it read by the generic fallback,
    judged thin, or judged doubtful (from the run's WARC files)."""
    from crawler.cli.diagnose import bundle

    invocation = _settle(context, db, as_json)
    reader = ArchiveReader(invocation.url())
    try:
        made = bundle(reader, run_id, Path(output))
    finally:
        reader.close()
    out = invocation.write()
    if invocation.as_json:
        out.write(json_line(made) + "\n")
    else:
        out.write(
            f"Wrote {made['file']}: crawl run {made['run']}, with {made['fallback']} pages read by the "
            f"generic fallback, {made['thin']} thin and {made['doubtful']} doubtful.\n"
        )


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command with these arguments, writing to out (default: standard output); its exit status.

    A usage error (an unknown option, a bad date) is printed with the usage and exits 2 as
    SystemExit, as click does."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="chinadaily-archive",
            standalone_mode=False,
            obj=Invocation(out=out),
        )
    except click.ClickException as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        raise SystemExit(1) from None
    return result if isinstance(result, int) else 0


def main_exit() -> None:
    """The console script's entry point."""
    sys.exit(main())
