"""The click commands on the archive as a whole: upgrade its schema, rebuild it from WARC files, serve it, bundle a diagnosis."""

from __future__ import annotations

import os
from pathlib import Path

import click

from crawler.cli.invocation import reporting, settle, shared_options
from crawler.cli.output import json_line, progress
from pipelines.archive import Archive
from pipelines.archive.db import schema_head
from pipelines.archive.errors import BadInput
from pipelines.archive.reader import ArchiveReader


@click.command(epilog="Example: chinadaily-archive upgrade --db postgresql+psycopg://user@host/chinadaily")
@shared_options
@click.pass_context
@reporting
def upgrade(context: click.Context, db: str | None, as_json: bool | None) -> None:
    """Bring an archive made by an older version to this version's schema (writes)."""
    invocation = settle(context, db, as_json)
    Archive.open(invocation.url()).close()
    if invocation.as_json:
        invocation.write().write(json_line({"schema": "up to date", "revision": schema_head()}) + "\n")
    else:
        invocation.write().write(f"The archive's schema is up to date ({schema_head()}).\n")


@click.command(epilog="Example: chinadaily-archive reextract --from-warc warc/ --db rebuilt.db")
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
@shared_options
@click.pass_context
@reporting
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

    invocation = settle(context, db, as_json)
    try:
        return replay(
            [*paths, *more], invocation.url(), invocation.write(), progress, invocation.as_json, workers
        )
    except (FileNotFoundError, ValueError) as error:
        raise BadInput(str(error)) from error


@click.command(
    epilog="Example: chinadaily-archive serve --db archive.db --port 8001, then open http://127.0.0.1:8001/-/dashboards/archive"
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to listen on (this machine only)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@shared_options
@click.pass_context
@reporting
def serve(context: click.Context, host: str, port: int, db: str | None, as_json: bool | None) -> None:
    """Browse the archive in Datasette, read-only: tables, search, the saved queries and a dashboard
    (/-/dashboards/archive). SQLite only: a PostgreSQL archive is served from a snapshot
    (`export --format sqlite`). Needs `pip install -e '.[datasette]'`."""
    from crawler.cli.serve import serve as run_datasette

    invocation = settle(context, db, as_json)
    run_datasette(invocation.url(), host, port)


@click.command(
    epilog="Example: chinadaily-archive diagnose -o report.tar.gz, then attach report.tar.gz to an issue"
)
@click.option("--run", "run_id", type=click.IntRange(min=1), help="The crawl run (default: the latest).")
@click.option("--output", "-o", metavar="FILE.tar.gz", required=True, help="Where to write the bundle.")
@shared_options
@click.pass_context
@reporting
def diagnose(
    context: click.Context, run_id: int | None, output: str, db: str | None, as_json: bool | None
) -> None:
    """Bundle what a problem with the real site needs: a run's stats, health verdicts, template-drift
    signals, and the raw HTML of up to 20 pages of each kind it read by the generic fallback,
    judged thin, or judged doubtful (from the run's WARC files)."""
    from crawler.cli.diagnose import bundle

    invocation = settle(context, db, as_json)
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
