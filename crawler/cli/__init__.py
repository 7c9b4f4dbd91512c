"""The `chinadaily-archive` command: read, search and export the archive, rebuild it from WARC files, watch shared runs.

Exit status: 0 done (also when nothing matched), 2 bad input, 3 no usable archive (missing,
unreadable, another schema) or no Redis to read, 4 the article asked for is not in the archive.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from crawler.cli import commands
from crawler.cli.commands import FrontierUnavailable
from crawler.cli.export import FORMATS, export
from pipelines.archive import Archive
from pipelines.archive.reader import ArchiveError, ArchiveReader, BadInput, Filters, database_url


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def _common(suppress: bool) -> argparse.ArgumentParser:
    """--db and --json, given before the command or after it (where an absent one changes nothing)."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        help="archive: a SQLAlchemy URL or a SQLite file (default: $ARCHIVE_DATABASE_URL, else ./archive.db)",
        **default,
    )
    common.add_argument("--json", action="store_true", help="one JSON object a line, for scripts", **default)
    return common


def _add_filters(parser: argparse.ArgumentParser, limit_default: int | None) -> None:
    parser.add_argument("--since", type=_day, help="published on or after this day (YYYY-MM-DD, UTC)")
    parser.add_argument("--until", type=_day, help="published on or before this day")
    parser.add_argument("--author", help="an author's name, e.g. 'Wang Xu'")
    parser.add_argument("--section", help="a section, e.g. 'World > Asia-Pacific' (or 'World' and below)")
    parser.add_argument("--source", help="e.g. 'China Daily', 'Xinhua'")
    parser.add_argument("--limit", type=_positive, default=limit_default, help="at most this many")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="chinadaily-archive",
        description="Search, read and export the China Daily archive.",
        epilog="Exit status: 0 done, 2 bad input, 3 no usable archive (or Redis), 4 not found.",
        parents=[_common(suppress=False)],
    )
    commands_ = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    after = _common(suppress=True)

    def command(name: str, description: str) -> argparse.ArgumentParser:
        return commands_.add_parser(name, help=description, description=description, parents=[after])

    search = command("search", "full-text search over headlines and bodies")
    search.add_argument("query", help='words; "a phrase"; a OR b; -excluded; prefix*')
    search.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    _add_filters(search, 20)

    show = command("show", "one article, by id or URL")
    show.add_argument("article", help="the article's id or any of its URLs")
    show.add_argument("--versions", action="store_true", help="list its versions")
    show.add_argument("--diff", action="store_true", help="show what changed between versions")

    exporting = command("export", "articles as JSON Lines, CSV or Parquet")
    exporting.add_argument("--format", choices=FORMATS, help="default: from --output, else jsonl")
    exporting.add_argument("--output", "-o", help="file to write (default: standard output)")
    exporting.add_argument("--with-html", action="store_true", help="include article_body_html")
    _add_filters(exporting, None)

    stats = command("stats", "counts: articles, dead URLs, runs; --by day|month|author|section|source")
    stats.add_argument("--by", choices=["day", "month", "author", "section", "source"])
    stats.add_argument(
        "--chart", metavar="FILE", help="draw articles per day to a .png or .svg (needs matplotlib)"
    )
    _add_filters(stats, None)

    dead = command("dead", "URLs that are not (or no longer) articles")
    dead.add_argument("--kind", choices=["soft404", "http_error", "redirect", "thin"])
    dead.add_argument("--limit", type=_positive, default=100)

    runs = command("runs", "crawl runs and what they did")
    runs.add_argument("--limit", type=_positive, default=20)
    runs.add_argument(
        "--shared", action="store_true", help="one line per shared run of several workers: their totals"
    )

    frontier = command(
        "frontier",
        "the shared runs of several workers (REDIS_URL), live from Redis: queue, workers, progress",
    )
    frontier.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        help="default: $REDIS_URL, else redis://127.0.0.1:6379/0",
    )
    frontier.add_argument(
        "--prefix",
        default=os.environ.get("REDIS_KEY_PREFIX") or "chinadaily-archive",
        help="REDIS_KEY_PREFIX",
    )

    command("upgrade", "upgrade an older archive to this version's schema (writes)")

    reextract = command(
        "reextract",
        "rebuild or update the archive from WARC files alone, with today's extraction (writes; offline)",
    )
    reextract.add_argument(
        "--from-warc", nargs="+", required=True, metavar="PATH", help="WARC files, or folders holding them"
    )
    return main


def _filters(args: argparse.Namespace) -> Filters:
    if args.since and args.until and args.since > args.until:
        raise BadInput(f"--since {args.since} is after --until {args.until}")
    return Filters(args.since, args.until, args.author, args.section, args.source, args.limit)


def _run(args: argparse.Namespace, url: str, out: IO[str]) -> int:
    if args.command == "frontier":
        commands.frontier(args, out)
        return 0
    if args.command == "reextract":
        from crawler.replay import reextract

        try:
            return reextract(args.from_warc, url, out)
        except (FileNotFoundError, ValueError) as error:
            raise BadInput(str(error)) from error
    if args.command == "upgrade":
        Archive.open(url).close()
        out.write("The archive's schema is up to date.\n")
        return 0
    reader = ArchiveReader(url)
    try:
        if args.command == "search":
            commands.search(reader, _filters(args), args, out)
        elif args.command == "show":
            commands.show(reader, args, out)
        elif args.command == "export":
            export(reader, _filters(args), args, out)
        elif args.command == "stats":
            commands.stats(reader, _filters(args), args, out)
        elif args.command == "dead":
            commands.dead(reader, args, out)
        else:
            commands.runs(reader, args, out)
    finally:
        reader.close()
    return 0


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    url = database_url(args.db or os.environ.get("ARCHIVE_DATABASE_URL"))
    try:
        return _run(args, url, out)
    except (ArchiveError, FrontierUnavailable) as error:
        print(f"chinadaily-archive: {error}", file=sys.stderr)
        return error.exit_code
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"chinadaily-archive: the archive could not be read: {message}", file=sys.stderr)
        return ArchiveError.exit_code
    except BrokenPipeError:
        # `chinadaily-archive export | head`: the reader left; that is not an error.
        sys.stderr.close()
        return 0


def main_exit() -> None:
    """The console script's entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
