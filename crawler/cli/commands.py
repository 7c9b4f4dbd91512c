"""The read commands of `chinadaily-archive`: search, show, stats, dead, runs, and frontier (from Redis)."""

from __future__ import annotations

import dataclasses
import difflib
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from crawler import statkeys as keys
from crawler.cli.output import json_line, table, when
from pipelines.archive.errors import BadInput
from pipelines.archive.filters import Filters
from pipelines.archive.reader import ArchiveReader
from pipelines.archive.records import CrawlRun, Version


class FrontierUnavailable(Exception):
    """Redis cannot be read: `chinadaily-archive frontier` has nothing to show."""

    exit_code = 3


def search(
    reader: ArchiveReader, out: IO[str], as_json: bool, query: str, filters: Filters, sort: str
) -> None:
    hits = reader.search(query, filters, sort=sort)
    for rank, hit in enumerate(hits, 1):
        if as_json:
            out.write(json_line(hit) + "\n")
            continue
        authors = ", ".join(hit.authors) or "no byline"
        out.write(f"{rank}. {hit.headline}\n")
        out.write(f"   {when(hit.date_published)} · {authors} · id {hit.id}\n")
        out.write(f"   {hit.canonical_url}\n")
        out.write(f"   {' '.join((hit.snippet or '').split())}\n\n")
    if not hits and not as_json:
        out.write("No article matches.\n")


def _change(previous: Version | None, version: Version) -> str:
    if previous is None:
        return "first"
    changed = [
        name
        for name, key in (("headline", "headline"), ("authors", "authors"), ("body", "article_body"))
        if getattr(previous, key) != getattr(version, key)
    ]
    return ", ".join(changed) or "-"


def _version_lines(version: Version) -> list[str]:
    return [
        f"Headline: {version.headline}",
        f"Authors: {', '.join(version.authors)}",
        "",
        *version.article_body.splitlines(),
    ]


def show(
    reader: ArchiveReader, out: IO[str], as_json: bool, reference: str, versions: bool, diff: bool
) -> None:
    article = reader.article(reference)
    history = reader.versions(article["id"]) if versions or diff else []
    if as_json:
        record = dict(article)
        record["other_urls"] = reader.aliases(article["id"])
        if versions or diff:
            record["versions"] = [dataclasses.asdict(version) for version in history]
        out.write(json_line(record) + "\n")
    elif versions:
        _show_versions(article, history, out)
    elif diff:
        _show_diff(article, history, out)
    else:
        _show_article(reader, article, out)


def _show_versions(article: dict[str, Any], versions: list[Version], out: IO[str]) -> None:
    rows = []
    for number, version in enumerate(versions, 1):
        previous = versions[number - 2] if number > 1 else None
        rows.append(
            [
                number,
                when(version.fetched_at),
                version.content_hash[:12],
                len(version.article_body),
                _change(previous, version),
            ]
        )
    out.write(f"{article['headline']}\n{article['canonical_url']}\n\n")
    table(rows, ["version", "fetched", "content hash", "body chars", "changed"], out)


def _show_diff(article: dict[str, Any], versions: list[Version], out: IO[str]) -> None:
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
                fromfile=f"version {number} ({when(old.fetched_at)})",
                tofile=f"version {number + 1} ({when(new.fetched_at)})",
                lineterm="",
            )
        )


def _show_article(reader: ArchiveReader, article: dict[str, Any], out: IO[str]) -> None:
    authors = ", ".join(article["authors"])
    out.write(f"{article['headline']}\n")
    out.write(f"Published {when(article['date_published'])}")
    if article["date_modified"]:
        out.write(f" · updated {when(article['date_modified'])}")
    out.write("\n")
    out.write(
        " · ".join(filter(None, [f"By {authors}" if authors else "", article["source"], article["section"]]))
    )
    out.write(f"\n{article['canonical_url']}\n")
    for alias in reader.aliases(article["id"]):
        out.write(f"also at {alias}\n")
    if article["sections"]:
        out.write(f"Listed under {', '.join(article['sections'])}\n")
    if article["gone_at"]:
        out.write(f"The page is gone since {when(article['gone_at'])}; the archive keeps it.\n")
    if article["pages_missing"]:
        out.write(
            f"Incomplete: {article['pages_stored']} of {article['pages_expected']} pages stored; "
            "the next run that lists it fetches it again.\n"
        )
        for page in article["pages_missing"]:
            reason = f": {page['reason']}" if page["reason"] else ""
            out.write(f"  missing {page['url']} ({page['kind']}{reason})\n")
    out.write("\n" + "\n\n".join(article["article_body"].splitlines()) + "\n")
    for image in article["images"]:
        out.write(
            f"\n[image] {image['src']}" + (f" — {image['caption']}" if image.get("caption") else "") + "\n"
        )


def stats(
    reader: ArchiveReader, out: IO[str], as_json: bool, filters: Filters, by: str | None, chart: str | None
) -> None:
    if chart:
        _chart(reader.counts("day", filters), chart)
        out.write(f"Wrote articles per day to {chart}\n")
        return
    if by:
        counts = reader.counts(by, filters)
        if as_json:
            out.writelines(json_line({by: key, "articles": count}) + "\n" for key, count in counts)
        else:
            table(counts, [by, "articles"], out)
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
    if as_json:
        out.write(json_line(summary) + "\n")
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


def dead(reader: ArchiveReader, out: IO[str], as_json: bool, kind: str | None, limit: int) -> None:
    rows = reader.dead_urls(kind, limit)
    if as_json:
        out.writelines(json_line(row) + "\n" for row in rows)
        return
    table(
        [[row.kind, row.status, when(row.last_seen_at), row.reason, row.canonical_url] for row in rows],
        ["kind", "status", "last seen", "reason", "url"],
        out,
    )


def coverage(reader: ArchiveReader, out: IO[str], as_json: bool, since: date, until: date, by: str) -> None:
    found = reader.coverage(since, until)
    if as_json:
        out.write(json_line(found.as_json()) + "\n")
        return
    rows = found.days if by == "day" else found.sections
    columns = ["audited", "listed", "search", "both", "only_in_search", "fetched", "dead", "only_in_lists"]
    table(
        [
            [
                row.key,
                *([row.audited] if by == "day" else []),
                row.listed,
                row.search,
                row.both,
                row.only_in_search,
                row.only_in_search_fetched,
                row.only_in_search_dead,
                row.only_in_lists,
            ]
            for row in rows
        ],
        [by, *(columns if by == "day" else columns[1:])],
        out,
    )
    for source, count in sorted(found.other_sources.items()):
        out.write(f"{source}: {count} articles in the window\n")
    out.write(found.summary() + "\n")


def runs(reader: ArchiveReader, out: IO[str], as_json: bool, limit: int, shared: bool) -> None:
    if shared:
        _shared_runs(reader, out, as_json, limit)
        return
    rows = reader.runs(limit)
    if as_json:
        out.writelines(json_line(row) + "\n" for row in rows)
        return
    table(
        [
            [
                run.id,
                run.spider,
                when(run.started_at),
                run.finish_reason,
                keys.number(run.stats, keys.ARTICLES_NEW),
                keys.number(run.stats, keys.ARTICLES_UPDATED),
                keys.number(run.stats, keys.DEAD_URLS),
                "failed" if run.stats.get(keys.HEALTH_FAILED) else "ok",
            ]
            for run in rows
        ],
        ["run", "spider", "started", "finished", "new", "updated", "dead", "health"],
        out,
    )


# What `runs --shared` adds up over the workers of a shared run.
_SUMMED = (keys.RESPONSES, keys.ARTICLES_NEW, keys.ARTICLES_UPDATED, keys.DEAD_URLS)


def _shared_runs(reader: ArchiveReader, out: IO[str], as_json: bool, limit: int) -> None:
    """The totals of each shared run (REDIS_URL): the crawl_runs rows of its workers added up."""
    totals: dict[str, dict[str, Any]] = {}
    run: CrawlRun
    for run in reversed(reader.runs()):
        shared = run.stats.get(keys.SHARED_RUN)
        if not shared:
            continue
        total = totals.setdefault(
            shared,
            {
                "run": shared,
                "spider": run.spider,
                "started_at": run.started_at,
                "workers": 0,
                "finished": 0,
                **dict.fromkeys(_SUMMED, 0),
            },
        )
        total["workers"] += 1
        total["finished"] += run.finish_reason == "finished"
        for key in _SUMMED:
            total[key] += keys.number(run.stats, key)
    rows = sorted(totals.values(), key=lambda total: str(total["started_at"]), reverse=True)[:limit]
    if as_json:
        out.writelines(json_line(row) + "\n" for row in rows)
        return
    table(
        [
            [
                row["run"],
                row["spider"],
                when(row["started_at"]),
                f"{row['finished']}/{row['workers']}",
                *(row[key] for key in _SUMMED),
            ]
            for row in rows
        ],
        ["shared run", "spider", "started", "finished", "pages", "new", "updated", "dead"],
        out,
    )


def frontier(out: IO[str], as_json: bool, redis_url: str, prefix: str) -> None:
    """What the workers of shared runs are doing, read from Redis."""
    import redis

    from crawler.shared_run import describe_runs

    try:
        found = describe_runs(redis.Redis.from_url(redis_url, socket_connect_timeout=5), prefix)
    except redis.RedisError as error:
        raise FrontierUnavailable(f"Redis at {redis_url} cannot be read: {error}") from error
    if as_json:
        out.writelines(json_line(run) + "\n" for run in found)
        return
    if not found:
        out.write(f"No shared run under the prefix {prefix!r} at {redis_url}.\n")
    for run in found:
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
