"""The options and help of the commands that read and print (search, show, export, stats, dead, coverage, runs, frontier); commands.py and export.py do the work."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from crawler.cli import commands
from crawler.cli.export import FORMATS, export
from crawler.cli.invocation import (
    filter_options,
    make_filters,
    reporting,
    settle,
    shared_options,
    with_reader,
)


@click.command(epilog='Example: chinadaily-archive search "rail link" --since 2019-01-01 --limit 5')
@click.argument("query")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@filter_options(20)
@shared_options
@click.pass_context
@reporting
def search(
    context: click.Context, query: str, sort: str, db: str | None, as_json: bool | None, **filters: Any
) -> None:
    """Full-text search over headlines and bodies: words, "a phrase", a OR b, -excluded, prefix*."""
    invocation = settle(context, db, as_json)
    chosen = make_filters(**filters)
    with_reader(
        lambda reader, i: commands.search(reader, i.write(), i.as_json, query, chosen, sort), invocation
    )


@click.command(
    epilog="Example: chinadaily-archive show https://www.chinadaily.com.cn/a/201901/12/WS5c38….html --diff"
)
@click.argument("article")
@click.option("--versions", is_flag=True, help="List its versions.")
@click.option("--diff", is_flag=True, help="Show what changed from one version to the next.")
@shared_options
@click.pass_context
@reporting
def show(
    context: click.Context, article: str, versions: bool, diff: bool, db: str | None, as_json: bool | None
) -> None:
    """One article, by its id or any of its URLs."""
    invocation = settle(context, db, as_json)
    with_reader(
        lambda reader, i: commands.show(reader, i.write(), i.as_json, article, versions, diff), invocation
    )


@click.command("export", epilog="Example: chinadaily-archive export --since 2019-01-01 -o recent.csv")
@click.option(
    "--format", "form", type=click.Choice(FORMATS), help="Default: from --output's suffix, else jsonl."
)
@click.option("--output", "-o", metavar="FILE", help="The file to write (default: standard output).")
@click.option("--with-html", is_flag=True, help="Include article_body_html.")
@filter_options(None)
@shared_options
@click.pass_context
@reporting
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
    invocation = settle(context, db, as_json)
    chosen = make_filters(**filters)
    with_reader(lambda reader, i: export(reader, i.write(), chosen, form, output, with_html), invocation)


@click.command(epilog="Example: chinadaily-archive stats --by section --since 2019-01-01")
@click.option(
    "--by",
    type=click.Choice(["day", "month", "author", "section", "breadcrumb", "source"]),
    help="Count per this (section: each section path an article was listed under; breadcrumb: its page's section).",
)
@click.option("--chart", metavar="FILE", help="Draw articles per day to a .png or .svg (needs matplotlib).")
@filter_options(None)
@shared_options
@click.pass_context
@reporting
def stats(
    context: click.Context,
    by: str | None,
    chart: str | None,
    db: str | None,
    as_json: bool | None,
    **filters: Any,
) -> None:
    """Counts: articles, dead URLs, crawl runs; or articles per day, month, author, section, breadcrumb or source."""
    invocation = settle(context, db, as_json)
    chosen = make_filters(**filters)
    with_reader(lambda reader, i: commands.stats(reader, i.write(), i.as_json, chosen, by, chart), invocation)


@click.command(epilog="Example: chinadaily-archive dead --kind soft404 --limit 20")
@click.option(
    "--kind",
    type=click.Choice(["soft404", "http_error", "redirect", "thin", "failed"]),
    help="Only this kind; 'failed': fetches that failed and are tried again next run.",
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@shared_options
@click.pass_context
@reporting
def dead(context: click.Context, kind: str | None, limit: int, db: str | None, as_json: bool | None) -> None:
    """URLs that are not (or no longer) articles, pages an article was stored without, and fetches
    that failed and are tried again next run; and why."""
    invocation = settle(context, db, as_json)
    with_reader(lambda reader, i: commands.dead(reader, i.write(), i.as_json, kind, limit), invocation)


@click.command(epilog="Example: chinadaily-archive coverage --since 2026-11-24 --json")
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
@shared_options
@click.pass_context
@reporting
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
    invocation = settle(context, db, as_json)
    last = until.date() if until else datetime.now(timezone(timedelta(hours=8))).date()
    first = since.date() if since else last - timedelta(days=6)
    with_reader(
        lambda reader, i: commands.coverage(reader, i.write(), i.as_json, first, last, by), invocation
    )


@click.command(epilog="Example: chinadaily-archive runs --shared --limit 5")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--shared", is_flag=True, help="One line per shared run of several workers: their totals.")
@shared_options
@click.pass_context
@reporting
def runs(context: click.Context, limit: int, shared: bool, db: str | None, as_json: bool | None) -> None:
    """Crawl runs and what they did."""
    invocation = settle(context, db, as_json)
    with_reader(lambda reader, i: commands.runs(reader, i.write(), i.as_json, limit, shared), invocation)


@click.command(epilog="Example: chinadaily-archive frontier --redis redis://redis-host:6379/0")
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
@shared_options
@click.pass_context
@reporting
def frontier(
    context: click.Context, redis_url: str, prefix: str, db: str | None, as_json: bool | None
) -> None:
    """The shared runs of several workers (REDIS_URL), live from Redis: queue, workers, progress."""
    invocation = settle(context, db, as_json)
    commands.frontier(invocation.write(), invocation.as_json, redis_url, prefix)
