"""Query figures on a large archive, SQLite and PostgreSQL: the README's queries' latency, and export throughput and memory.

    python -m benchmarks.query [--articles 100000] [--keep archive.db] [--keep-postgres URL] [--no-postgres]

Builds an archive of generated articles on each database (a Zipf-distributed vocabulary of
30,000 words, so that words are as rare or common as in news text; bodies of 250-600 words;
dates spread over 2015-2026; a dozen sections and five sources). Each archive is made by
Archive.open(), so its schema and indexes (FTS5 and its triggers, PostgreSQL's GIN index) are
the real ones; the rows are written by Core bulk INSERTs, as a whole-site backfill would leave them.
Then it times the README's example queries, each run with other words or another article,
through `chinadaily-archive` itself (crawler.cli.main, in this process: the command's own
opening of the archive included, Python's start-up not), and streams the SQLite archive's
export, measuring Python's peak memory while it runs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from crawler.cli import main as cli
from pipelines.archive import Archive
from pipelines.archive.models import Article, ArticleUrl, ArticleVersion, Base, SectionListing
from pipelines.archive.search import POSTGRES_DOCUMENT_COLUMN
from pipelines.archive.sectioncounts import recount
from tests.databases import postgres_database, postgres_unavailable

VOCABULARY = 30_000
BATCH = 5_000
GOAL_MS = 50.0
START = datetime(2015, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
SINCE = date(2026, 11, 1)
"""The README's `search "trade talks" --since 2026-11-01`: the last month of the archive."""
FLOOR = "runs --limit 1 (the floor)"
"""Not one of the README's queries: what every command costs before its query."""
EDITED = 20
"""One article in EDITED has a second, edited version (what `show --diff` shows)."""
ALIASED = 50
"""One article in ALIASED also stands under an old-style URL, under which a section listed it."""

# (section path, breadcrumb section, weight): a front page's mix, World and China the largest.
SECTIONS = [
    ("/world/asia_pacific", "World > Asia-Pacific", 14),
    ("/world/europe", "World > Europe", 8),
    ("/world/america", "World > America", 8),
    ("/world/africa", "World > Africa", 4),
    ("/china/politics", "China > Politics", 12),
    ("/china/society", "China > Society", 12),
    ("/business/economy", "Business > Economy", 10),
    ("/business/companies", "Business > Companies", 8),
    ("/business/tech", "Business > Technology", 6),
    ("/opinion/editorials", "Opinion > Editorials", 5),
    ("/culture/art", "Culture > Art", 6),
    ("/sports/soccer", "Sports > Soccer", 7),
]
SOURCES = [("China Daily", 60), ("Xinhua", 25), ("chinadaily.com.cn", 10), ("Reuters", 3), ("AFP", 2)]


def _words(rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "sa",
        "tu",
        "vo",
        "ze",
        "qin",
        "pa",
        "dor",
        "li",
        "na",
        "shi",
        "wen",
    ]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def vocabulary() -> list[str]:
    """The generated words; the first (by rank) are the most frequent."""
    return _words(random.Random(3))


def article_url(n: int, published: datetime) -> str:
    return f"https://www.chinadaily.com.cn/a/{published:%Y%m}/{published:%d}/WS{n:024x}.html"


def alias_url(n: int, published: datetime) -> str:
    return f"https://www.chinadaily.com.cn/world/{published:%Y-%m}/{published:%d}/content_{n}.htm"


def published_at(n: int, seed: int = 5) -> datetime:
    """Article n's date: anywhere in the archive's years, not in the order of the ids (a
    backfill walks one section after another, newest first)."""
    span = int((END - START).total_seconds())
    return START + timedelta(seconds=random.Random(n * 7919 + seed).randrange(span))


def _body(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    chosen = rng.choices(words, cum_weights=cumulative, k=rng.randint(250, 600))
    return "\n".join(" ".join(chosen[i : i + 60]).capitalize() + "." for i in range(0, len(chosen), 60))


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def batches(count: int, seed: int = 3) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The rows of `count` articles, BATCH at a time: articles, their versions, their other URLs
    and the section lists that showed them."""
    rng = random.Random(seed)
    words = vocabulary()
    cumulative: list[float] = []
    total = 0.0
    for rank in range(VOCABULARY):
        total += 1 / (rank + 1)
        cumulative.append(total)
    sections = [(path, name) for path, name, _ in SECTIONS]
    section_weights = [weight for _, _, weight in SECTIONS]
    sources = [name for name, _ in SOURCES]
    source_weights = [weight for _, weight in SOURCES]
    crawled = END + timedelta(days=1)
    for first in range(1, count + 1, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {
            "articles": [],
            "versions": [],
            "aliases": [],
            "listings": [],
        }
        for n in range(first, min(first + BATCH, count + 1)):
            published = published_at(n)
            url = article_url(n, published)
            path, section = rng.choices(sections, section_weights)[0]
            headline = " ".join(rng.choices(words, cum_weights=cumulative, k=8)).capitalize()
            authors = [f"Author {rng.randint(1, 300)}"] if rng.random() < 0.8 else []
            body = _body(rng, words, cumulative)
            seen = published + timedelta(hours=rng.randint(1, 48))
            rows["articles"].append(
                {
                    "id": n,
                    "canonical_url": url,
                    "site_article_id": f"WS{n:024x}",
                    "headline": headline,
                    "authors": authors,
                    "source": rng.choices(sources, source_weights)[0],
                    "section": section,
                    "breadcrumbs": ["Home", *section.split(" > ")],
                    "date_published": published,
                    "date_modified": None,
                    "article_body": body,
                    "article_body_html": "",
                    "description": None,
                    "language": "en",
                    "images": [],
                    "content_hash": _hash(headline, *authors, body),
                    "headline_key": headline.lower(),
                    "body_simhash": None,
                    "template": "2019",
                    "pages_missing": None,
                    "http_etag": None,
                    "http_last_modified": None,
                    "first_seen_at": seen,
                    "last_seen_at": crawled,
                    "gone_at": None,
                }
            )
            if n % EDITED == 0:
                earlier = _body(rng, words, cumulative)
                rows["versions"].append(
                    {
                        "article_id": n,
                        "content_hash": _hash(headline, *authors, earlier),
                        "headline": headline,
                        "authors": authors,
                        "article_body": earlier,
                        "fetched_at": seen,
                        "crawl_run_id": None,
                        "warc_records": None,
                    }
                )
                seen += timedelta(days=1)
            rows["versions"].append(
                {
                    "article_id": n,
                    "content_hash": rows["articles"][-1]["content_hash"],
                    "headline": headline,
                    "authors": authors,
                    "article_body": body,
                    "fetched_at": seen,
                    "crawl_run_id": None,
                    "warc_records": None,
                }
            )
            listed = url
            if n % ALIASED == 0:
                listed = alias_url(n, published)
                rows["aliases"].append(
                    {
                        "url": listed,
                        "canonical_url": listed,
                        "site_article_id": f"content_{n}",
                        "article_id": n,
                        "content_hash": None,
                        "first_seen_at": seen,
                        "last_seen_at": crawled,
                    }
                )
            paths = [path]
            if rng.random() < 0.1:
                paths.append(path.rsplit("/", 1)[0])  # also on its section's front page
            rows["listings"] += [
                {
                    "canonical_url": listed,
                    "section_path": shown,
                    "first_listed_at": seen,
                    "last_listed_at": seen,
                }
                for shown in paths
            ]
        yield rows


def build(url: str, count: int) -> None:
    """An archive of `count` generated articles at url: made by Archive.open (the real schema,
    indexes and triggers), its rows written by Core bulk INSERTs; a build that was stopped goes
    on after the last batch it wrote."""
    Archive.open(url).close()
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    tables = {
        name: Base.metadata.tables[model.__tablename__]
        for name, model in (
            ("articles", Article),
            ("versions", ArticleVersion),
            ("aliases", ArticleUrl),
            ("listings", SectionListing),
        )
    }
    with engine.begin() as connection:
        done = int(connection.scalar(select(func.coalesce(func.max(Article.id), 0))) or 0)
        if postgres:
            # As for any bulk load: the GIN index is made once after it, not row by row; the
            # same definition as migration 0011's.
            connection.execute(text("DROP INDEX IF EXISTS ix_articles_fulltext"))
    began = time.perf_counter()
    for rows in batches(count):
        if rows["articles"][-1]["id"] <= done:
            continue
        with engine.begin() as connection:
            for name, table in tables.items():
                if rows[name]:
                    connection.execute(insert(table), rows[name])
        written = rows["articles"][-1]["id"]
        if written % (BATCH * 20) == 0:
            rate = (written - done) / (time.perf_counter() - began)
            print(f"  {written:,} articles, {rate:,.0f}/s", flush=True)
    # The rows went in around the writer, which keeps the section counts: they are counted once.
    with engine.begin() as connection:
        recount(connection)
    if postgres:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            connection.execute(
                text(f"CREATE INDEX ix_articles_fulltext ON articles USING GIN ({POSTGRES_DOCUMENT_COLUMN})")
            )
            # The ids were given: the sequences go on after them, as if the crawl had written them.
            for table_name in ("articles", "article_versions", "article_urls", "section_listings"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                        f"(SELECT max(id) FROM {table_name}))"
                    )
                )
        # What autovacuum does to the tables after a bulk load, done now rather than mid-measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def article_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = int(connection.scalar(select(func.count()).select_from(Article)) or 0)
    engine.dispose()
    return count


def _percentiles(timings: list[float]) -> dict[str, Any]:
    timings = sorted(timings)
    p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
    return {
        "runs": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "goal_met": p95 < GOAL_MS,
    }


def latency(url: str, commands: Iterator[list[str]], runs: int, budget_s: float) -> dict[str, Any]:
    """Median and 95th percentile of `chinadaily-archive` runs of the given commands (at least
    ten; fewer than `runs` when they take longer than budget_s together)."""
    timings = []
    spent = time.perf_counter()
    for number, command in enumerate(commands):
        if number == runs or (number >= 10 and time.perf_counter() - spent > budget_s):
            break
        out = io.StringIO()
        began = time.perf_counter()
        code = cli(["--db", url, *command], out=out)
        timings.append((time.perf_counter() - began) * 1000)
        assert code == 0, (command, out.getvalue())
    return _percentiles(timings)


def queries(count: int, seed: int = 11) -> dict[str, Iterator[list[str]]]:
    """The README's example queries, each run with other words, or another article."""
    middling = vocabulary()[200:3000]

    def search(*extra: str) -> Iterator[list[str]]:
        rng = random.Random(seed)
        while True:
            yield ["search", " ".join(rng.sample(middling, 2)), *extra]

    def show(*extra: str, every: int = 1) -> Iterator[list[str]]:
        rng = random.Random(seed)
        while True:
            n = every * rng.randint(1, max(1, count // every))
            yield ["show", article_url(n, published_at(n)), *extra]

    def stats() -> Iterator[list[str]]:
        while True:
            yield ["stats", "--by", "section"]

    def floor() -> Iterator[list[str]]:
        while True:
            yield ["runs", "--limit", "1"]

    return {
        # What every command costs before its query: parsing, opening the archive, checking its schema.
        FLOOR: floor(),
        "search --since, by relevance": search("--since", f"{SINCE}"),
        "search --since, by date": search("--since", f"{SINCE}", "--sort", "date"),
        "search, by relevance": search(),
        "search, by date": search("--sort", "date"),
        "show URL": show(),
        "show URL --diff": show("--diff", every=EDITED if count >= EDITED else 1),
        "stats --by section": stats(),
    }


def export_figures(url: str, form: str) -> dict[str, float]:
    """Rows per second and Python's peak memory of `chinadaily-archive export` to a file."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"export.{form}"
        tracemalloc.start()
        began = time.perf_counter()
        code = cli(["--db", url, "export", "--format", form, "--output", str(target)], out=io.StringIO())
        elapsed = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert code == 0
        with target.open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1 if form == "csv" else sum(1 for _ in handle)
        size = target.stat().st_size
    return {
        "rows": rows,
        "rows_per_s": round(rows / elapsed),
        "peak_python_memory_mb": round(peak / 2**20, 1),
        "file_mb": round(size / 2**20, 1),
    }


def _existing(url: str) -> int:
    """How many articles an archive at url holds already (0: none there, or no archive)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    try:
        return article_count(url)
    except Exception:
        return 0


def _ready(name: str, url: str, count: int) -> dict[str, Any]:
    """Build the archive at url, or finish one a stopped build left, or reuse one that has
    `count` articles (upgrading its schema, as a crawl would); how long that took and how many
    articles it has."""
    reuse = _existing(url) >= count
    began = time.perf_counter()
    if reuse:
        Archive.open(url).close()
    else:
        print(f"Building the {name} archive of {count:,} articles ...", flush=True)
        build(url, count)
    seconds = round(time.perf_counter() - began, 1)
    found = article_count(url)
    print(
        f"{name} archive of {found:,} articles at {make_url(url).render_as_string()}: "
        + (f"built in {seconds:,.0f} s" if not reuse else f"reused, its schema upgraded in {seconds:,.1f} s"),
        flush=True,
    )
    return {"articles": found, "build_s": None if reuse else seconds, "upgrade_s": seconds if reuse else None}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="runs of each query (default 100)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        help="stop a query's runs after this many seconds (at least 10 runs)",
    )
    parser.add_argument("--keep", type=Path, help="build (or reuse) the SQLite archive at this path")
    parser.add_argument(
        "--keep-postgres",
        metavar="URL",
        help="build (or reuse) the PostgreSQL archive in this (existing) database",
    )
    parser.add_argument("--no-postgres", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--no-export", action="store_true", help="leave the export figures out")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with_postgres = not args.no_postgres
    if with_postgres and (reason := postgres_unavailable()):
        print(f"PostgreSQL left out: {reason}")
        with_postgres = False
    elif not with_postgres:
        print("PostgreSQL left out (--no-postgres)")
    figures: dict[str, Any] = {"articles": args.articles, "databases": {}}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        path = args.keep or folder / "archive.db"
        archives = [("SQLite", f"sqlite:///{path}")]
        if with_postgres:
            archives.append(("PostgreSQL", args.keep_postgres or stack.enter_context(postgres_database())))
        for name, url in archives:
            database = figures["databases"][name] = _ready(name, url, args.articles)
            for query, commands in queries(database["articles"]).items():
                figures_of = latency(url, commands, args.queries, args.budget)
                database[query] = figures_of
                print(
                    f"  {query:<31} median {figures_of['median_ms']:>7.1f} ms, "
                    f"95th percentile {figures_of['p95_ms']:>7.1f} ms over {figures_of['runs']} runs"
                    + (
                        ""
                        if figures_of["goal_met"] or query == FLOOR
                        else f"  MISSED the goal (p95 < {GOAL_MS:.0f} ms)"
                    ),
                    flush=True,
                )
            if name == "SQLite" and not args.no_export:
                for form in ("jsonl", "csv"):
                    export = database[f"export_{form}"] = export_figures(url, form)
                    print(
                        f"  export {form:<5}: {export['rows']:,} rows at {export['rows_per_s']:,} rows/s, "
                        f"{export['file_mb']} MB written, Python's peak memory {export['peak_python_memory_mb']} MB",
                        flush=True,
                    )
    # The keys of the SQLite-only benchmark this one grew from, for what reads them.
    sqlite = figures["databases"]["SQLite"]
    figures["search_relevance"] = sqlite["search, by relevance"]
    figures["search_by_date"] = sqlite["search, by date"]
    figures.update({key: value for key, value in sqlite.items() if key.startswith("export_")})
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
