"""The `chinadaily-archive` command: search, show, export and count what the archive holds, rebuild it from WARC files, watch shared runs.

Exit status: 0 done (also when nothing matched), 2 bad input, 3 no usable archive (missing,
unreadable, another schema), 4 the article asked for is not in the archive.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from crawler import statkeys as keys
from pipelines.archive import Archive
from pipelines.reader import EXPORT_COLUMNS, ArchiveError, ArchiveReader, BadInput, Filters, database_url

JSON_COLUMNS = ("authors", "breadcrumbs", "images")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=_json_default)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], out: IO[str]) -> None:
    """Columns padded to their widths; the last column is cut to the terminal's width."""
    cells = [[str(cell) if cell is not None else "-" for cell in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    room = shutil.get_terminal_size((120, 24)).columns - sum(widths[:-1]) - 2 * (len(widths) - 1)
    widths[-1] = max(10, min(widths[-1], room))

    def line(values: Sequence[str]) -> str:
        fitted = [
            value if len(value) <= width else value[: width - 1] + "…"
            for value, width in zip(values, widths, strict=True)
        ]
        return "  ".join(value.ljust(width) for value, width in zip(fitted, widths, strict=True)).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * width for width in widths]) + "\n")
    for row in cells:
        out.write(line(row) + "\n")


def _filters(args: argparse.Namespace) -> Filters:
    if args.since and args.until and args.since > args.until:
        raise BadInput(f"--since {args.since} is after --until {args.until}")
    return Filters(args.since, args.until, args.author, args.section, args.source, args.limit)


# --- Commands ------------------------------------------------------------------------------------


def cmd_search(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    hits = reader.search(args.query, _filters(args), sort=args.sort)
    for number, hit in enumerate(hits, 1):
        if args.json:
            out.write(_json_line({key: hit[key] for key in hit if key != "rank"}) + "\n")
            continue
        authors = ", ".join(hit["authors"]) or "no byline"
        out.write(f"{number}. {hit['headline']}\n")
        out.write(f"   {_when(hit['date_published'])} · {authors} · id {hit['id']}\n")
        out.write(f"   {hit['canonical_url']}\n")
        out.write(f"   {' '.join((hit['snippet'] or '').split())}\n\n")
    if not hits and not args.json:
        out.write("No article matches.\n")


def _change(previous: dict[str, Any] | None, version: dict[str, Any]) -> str:
    if previous is None:
        return "first"
    changed = [
        name
        for name, key in (("headline", "headline"), ("authors", "authors"), ("body", "article_body"))
        if previous[key] != version[key]
    ]
    return ", ".join(changed) or "-"


def _version_lines(version: dict[str, Any]) -> list[str]:
    return [
        f"Headline: {version['headline']}",
        f"Authors: {', '.join(version['authors'])}",
        "",
        *version["article_body"].splitlines(),
    ]


def cmd_show(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    article = reader.article(args.article)
    versions = reader.versions(article["id"]) if args.versions or args.diff else []
    if args.json:
        record = dict(article)
        record["other_urls"] = reader.aliases(article["id"])
        if args.versions or args.diff:
            record["versions"] = versions
        out.write(_json_line(record) + "\n")
        return
    if args.versions:
        previous = None
        rows = []
        for number, version in enumerate(versions, 1):
            rows.append(
                [
                    number,
                    _when(version["fetched_at"]),
                    version["content_hash"][:12],
                    len(version["article_body"]),
                    _change(previous, version),
                ]
            )
            previous = version
        out.write(f"{article['headline']}\n{article['canonical_url']}\n\n")
        table(rows, ["version", "fetched", "content hash", "body chars", "changed"], out)
        return
    if args.diff:
        if len(versions) < 2:
            out.write(f"{article['headline']}: one version only, nothing has changed.\n")
            return
        for number in range(1, len(versions)):
            old, new = versions[number - 1], versions[number]
            out.writelines(
                line + "\n"
                for line in difflib.unified_diff(
                    _version_lines(old),
                    _version_lines(new),
                    fromfile=f"version {number} ({_when(old['fetched_at'])})",
                    tofile=f"version {number + 1} ({_when(new['fetched_at'])})",
                    lineterm="",
                )
            )
        return
    authors = ", ".join(article["authors"])
    out.write(f"{article['headline']}\n")
    out.write(f"Published {_when(article['date_published'])}")
    if article["date_modified"]:
        out.write(f" · updated {_when(article['date_modified'])}")
    out.write("\n")
    out.write(
        " · ".join(filter(None, [f"By {authors}" if authors else "", article["source"], article["section"]]))
    )
    out.write(f"\n{article['canonical_url']}\n")
    for alias in reader.aliases(article["id"]):
        out.write(f"also at {alias}\n")
    if article["gone_at"]:
        out.write(f"The page is gone since {_when(article['gone_at'])}; the archive keeps it.\n")
    out.write("\n" + "\n\n".join(article["article_body"].splitlines()) + "\n")
    for image in article["images"]:
        out.write(
            f"\n[image] {image['src']}" + (f" — {image['caption']}" if image.get("caption") else "") + "\n"
        )


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a CSV or Parquet row: lists as JSON text, times as ISO text."""
    row = {}
    for key, value in record.items():
        if key in JSON_COLUMNS:
            row[key] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, datetime):
            row[key] = value.isoformat()
        else:
            row[key] = value
    return row


def _chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def cmd_export(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    form = args.format or (Path(args.output).suffix.lstrip(".") if args.output else "jsonl")
    form = {"json": "jsonl", "ndjson": "jsonl"}.get(form, form)
    if form not in ("jsonl", "csv", "parquet"):
        raise BadInput(f"cannot export to {form!r}: jsonl, csv or parquet")
    columns = [*EXPORT_COLUMNS, "article_body_html"] if args.with_html else list(EXPORT_COLUMNS)
    records = reader.iter_articles(_filters(args), with_html=args.with_html)
    if form == "parquet":
        _export_parquet(records, columns, args.output)
        return
    target = open(args.output, "w", encoding="utf-8", newline="") if args.output else out  # noqa: SIM115
    try:
        if form == "jsonl":
            for record in records:
                target.write(_json_line(record) + "\n")
        else:
            writer = csv.DictWriter(target, fieldnames=columns)
            writer.writeheader()
            for record in records:
                writer.writerow(_flat(record))
    finally:
        if target is not out:
            target.close()


def _export_parquet(records: Iterable[dict[str, Any]], columns: list[str], output: str | None) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BadInput("Parquet needs pyarrow: pip install 'chinadaily-archive[parquet]'") from None
    if not output:
        raise BadInput("Parquet is written to a file: give --output FILE.parquet")
    types = {"id": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in columns])
    with pq.ParquetWriter(output, schema) as writer:
        for chunk in _chunks((_flat(record) for record in records), 5_000):
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=schema))


def cmd_stats(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    filters = _filters(args)
    if args.chart:
        _chart(reader.counts("day", filters), args.chart)
        out.write(f"Wrote articles per day to {args.chart}\n")
        return
    if args.by:
        counts = reader.counts(args.by, filters)
        if args.json:
            out.writelines(_json_line({args.by: key, "articles": count}) + "\n" for key, count in counts)
        else:
            table(counts, [args.by, "articles"], out)
        return
    days = reader.counts("day", Filters(since=filters.since, until=filters.until))
    dead_urls = dict(reader.dead_counts())
    summary: dict[str, Any] = {
        "articles": sum(count for _, count in days),
        "first_day": days[0][0] if days else None,
        "last_day": days[-1][0] if days else None,
        "dead_urls": dead_urls,
        "crawl_runs": len(reader.runs()),
    }
    if args.json:
        out.write(_json_line(summary) + "\n")
        return
    rows = [
        ["articles", summary["articles"]],
        ["first day", summary["first_day"]],
        ["last day", summary["last_day"]],
        *[[f"dead URLs ({kind})", count] for kind, count in dead_urls.items()],
        ["crawl runs", summary["crawl_runs"]],
    ]
    table(rows, ["", "count"], out)


def _chart(counts: list[tuple[str, int]], path: str) -> None:
    if Path(path).suffix.lower() not in (".png", ".svg"):
        raise BadInput(f"a chart is a .png or .svg file, not {path!r}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BadInput("charts need matplotlib: pip install 'chinadaily-archive[charts]'") from None
    figure, axes = plt.subplots(figsize=(10, 4))
    days = [datetime.fromisoformat(day) for day, _ in counts]
    axes.bar(days, [count for _, count in counts], width=1.0)  # type: ignore[arg-type]
    axes.set_title("Articles per day")
    axes.set_ylabel("articles")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def cmd_dead(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    rows = reader.dead_urls(args.kind, args.limit)
    if args.json:
        out.writelines(_json_line(row) + "\n" for row in rows)
        return
    table(
        [
            [row["kind"], row["status"], _when(row["last_seen_at"]), row["reason"], row["canonical_url"]]
            for row in rows
        ],
        ["kind", "status", "last seen", "reason", "url"],
        out,
    )


def cmd_runs(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    if args.shared:
        _shared_runs(reader, args, out)
        return
    rows = reader.runs(args.limit)
    if args.json:
        out.writelines(_json_line(row) + "\n" for row in rows)
        return

    def stat(run: dict[str, Any], key: str) -> Any:
        return (run["stats"] or {}).get(key, 0)

    table(
        [
            [
                run["id"],
                run["spider"],
                _when(run["started_at"]),
                run["finish_reason"],
                stat(run, keys.ARTICLES_NEW),
                stat(run, keys.ARTICLES_UPDATED),
                stat(run, keys.DEAD_URLS),
                "failed" if stat(run, keys.HEALTH_FAILED) else "ok",
            ]
            for run in rows
        ],
        ["run", "spider", "started", "finished", "new", "updated", "dead", "health"],
        out,
    )


def _shared_runs(reader: ArchiveReader, args: argparse.Namespace, out: IO[str]) -> None:
    """The totals of each shared run (REDIS_URL): the crawl_runs rows of its workers added up."""
    totals: dict[str, dict[str, Any]] = {}
    summed = [keys.RESPONSES, keys.ARTICLES_NEW, keys.ARTICLES_UPDATED, keys.DEAD_URLS]
    for run in reversed(reader.runs()):
        stats = run["stats"] or {}
        shared = stats.get(keys.SHARED_RUN)
        if not shared:
            continue
        total = totals.setdefault(
            shared,
            {
                "run": shared,
                "spider": run["spider"],
                "started_at": run["started_at"],
                "workers": 0,
                "finished": 0,
                **dict.fromkeys(summed, 0),
            },
        )
        total["workers"] += 1
        total["finished"] += run["finish_reason"] == "finished"
        for key in summed:
            total[key] += keys.number(stats, key)
    rows = sorted(totals.values(), key=lambda total: str(total["started_at"]), reverse=True)[: args.limit]
    if args.json:
        out.writelines(_json_line(row) + "\n" for row in rows)
        return
    table(
        [
            [
                row["run"],
                row["spider"],
                _when(row["started_at"]),
                f"{row['finished']}/{row['workers']}",
                *(row[key] for key in summed),
            ]
            for row in rows
        ],
        ["shared run", "spider", "started", "finished", "pages", "new", "updated", "dead"],
        out,
    )


def cmd_frontier(args: argparse.Namespace, out: IO[str]) -> None:
    """What the workers of shared runs are doing, read from Redis."""
    import redis

    from crawler.distributed import describe_runs

    try:
        runs = describe_runs(redis.Redis.from_url(args.redis, socket_connect_timeout=5), args.prefix)
    except redis.RedisError as error:
        raise FrontierUnavailable(f"Redis at {args.redis} cannot be read: {error}") from error
    if args.json:
        out.writelines(_json_line(run) + "\n" for run in runs)
        return
    if not runs:
        out.write(f"No shared run under the prefix {args.prefix!r} at {args.redis}.\n")
    for run in runs:
        lost = "; a worker was lost: the next run walks again" if run["lost_work"] else ""
        out.write(
            f"{run['spider_section']} run {run['run']}: {run['state']}, {run['mode'] or '?'} mode, "
            f"list page {run['list_pages_walked']}, {run['queued']:,} requests queued, "
            f"{run['seen']:,} seen{lost}\n"
        )
        table(
            [
                [w["worker"], w["state"], w.get("pages", ""), w.get("articles_new", ""), w.get("at", "")]
                for w in run["workers"]
            ],
            ["worker", "state", "pages", "new", "last heartbeat"],
            out,
        )
        out.write("\n")


class FrontierUnavailable(ArchiveError):
    exit_code = 3


# --- Arguments -----------------------------------------------------------------------------------


def _add_common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """--db and --json, before or after the command; after it, absent ones change nothing."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "--db",
        help="archive: a SQLAlchemy URL or a SQLite file (default: $ARCHIVE_DATABASE_URL, else ./archive.db)",
        **default,
    )
    parser.add_argument("--json", action="store_true", help="one JSON object a line, for scripts", **default)


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
        epilog="Exit status: 0 done, 2 bad input, 3 no usable archive, 4 not found.",
    )
    _add_common(main, suppress=False)
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=description, description=description)
        _add_common(sub, suppress=True)
        return sub

    search = command("search", "full-text search over headlines and bodies")
    search.add_argument("query", help='words; "a phrase"; a OR b; -excluded; prefix*')
    search.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    _add_filters(search, 20)

    show = command("show", "one article, by id or URL")
    show.add_argument("article", help="the article's id or any of its URLs")
    show.add_argument("--versions", action="store_true", help="list its versions")
    show.add_argument("--diff", action="store_true", help="show what changed between versions")

    export = command("export", "articles as JSON Lines, CSV or Parquet")
    export.add_argument(
        "--format", choices=["jsonl", "csv", "parquet"], help="default: from --output, else jsonl"
    )
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.add_argument("--with-html", action="store_true", help="include article_body_html")
    _add_filters(export, None)

    stats = commands.add_parser(
        "stats", help="counts: articles, dead URLs, runs; --by day|month|author|section|source"
    )
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

    frontier = commands.add_parser(
        "frontier",
        help="the shared runs of several workers, live from Redis",
        description="The shared runs of several workers (REDIS_URL), live from Redis: queue, workers, progress.",
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
    frontier.add_argument("--json", action="store_true", help="one JSON object a line")

    command("upgrade", "upgrade an older archive to this version's schema (writes)")

    reextract = command(
        "reextract",
        "rebuild or update the archive from WARC files alone, with today's extraction (writes; offline)",
    )
    reextract.add_argument(
        "--from-warc", nargs="+", required=True, metavar="PATH", help="WARC files, or folders holding them"
    )
    return main


COMMANDS = {
    "search": cmd_search,
    "show": cmd_show,
    "export": cmd_export,
    "stats": cmd_stats,
    "dead": cmd_dead,
    "runs": cmd_runs,
}


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    url = database_url(args.db or os.environ.get("ARCHIVE_DATABASE_URL"))
    try:
        if args.command == "frontier":
            cmd_frontier(args, out)
            return 0
        if args.command == "reextract":
            from crawler.replay import reextract

            try:
                return reextract(args.from_warc, url, out)
            except (FileNotFoundError, ValueError) as error:
                raise BadInput(str(error)) from error
        if args.command == "upgrade":
            archive = Archive.open(url)
            archive.close()
            out.write("The archive's schema is up to date.\n")
            return 0
        reader = ArchiveReader(url)
        try:
            COMMANDS[args.command](reader, args, out)
        finally:
            reader.close()
    except ArchiveError as error:
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
    return 0


def main_exit() -> None:
    """The console script's entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
