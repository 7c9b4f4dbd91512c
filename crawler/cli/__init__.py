"""The `chinadaily-archive` command: read, search and export the archive, serve it, rebuild it from WARC files, watch shared runs.

Exit status: 0 done (also when nothing matched), 2 bad input, 3 no usable archive (missing,
unreadable, another schema) or no Redis to read, 4 the article or crawl run asked for is not in the archive;
`reextract` exits as the first replayed crawl that failed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

import click

from crawler.cli.archive_commands import diagnose, reextract, serve, upgrade
from crawler.cli.invocation import Invocation, shared_options
from crawler.cli.read_commands import coverage, dead, export_command, frontier, runs, search, show, stats

EXIT_STATUS = (
    "Exit status: 0 done (also when nothing matched); 2 bad input; 3 no usable archive (missing, "
    "unreadable, another schema) or no Redis to read; 4 no such article or crawl run."
)


@click.group(epilog=EXIT_STATUS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chinadaily-archive", prog_name="chinadaily-archive")
@shared_options
@click.pass_context
def cli(context: click.Context, db: str | None, as_json: bool | None) -> None:
    """Search, read, export and serve the China Daily archive a crawl made."""
    shared = context.ensure_object(Invocation)
    shared.db, shared.as_json = db, bool(as_json)


for command in (
    search,
    show,
    export_command,
    stats,
    dead,
    coverage,
    runs,
    frontier,
    upgrade,
    reextract,
    serve,
    diagnose,
):
    cli.add_command(command)


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
