"""Storage figures: rows/s of batched and one-row writes on SQLite and PostgreSQL, and whether the
write path holds a crawl back (pages/s with storage on against storage off, on the local site).

    python -m benchmarks.storage [--rows 10000] [--articles 2000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.items import ArticleItem
from pipelines.archive import Archive
from tests.databases import postgres_database, postgres_unavailable
from tests.site import SiteModel, serve

ROOT = Path(__file__).resolve().parent.parent


def generated_items(count: int) -> list[ArticleItem]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    body = "\n".join(
        f"Paragraph {n} of a story about trade, ports and the rail link across the region." for n in range(20)
    )
    items = []
    for n in range(count):
        url = f"https://www.chinadaily.com.cn/a/202001/01/WS{n:024x}.html"
        items.append(
            ArticleItem(
                url=url,
                canonical_url=url,
                site_article_id=f"WS{n:024x}",
                headline=f"Story {n}: delegates discuss regional trade",
                authors=["Wang Xu"],
                source="China Daily",
                section="World > Asia-Pacific",
                breadcrumbs=["Home", "World", "Asia-Pacific"],
                date_published=start + timedelta(minutes=n),
                article_body=f"{body}\nStory number {n}.",
                article_body_html="<p>...</p>",
                language="en",
            )
        )
    return items


def rows_per_second(database_url: str, items: list[ArticleItem], batch: int) -> float:
    archive = Archive.open(database_url)
    began = time.perf_counter()
    for start in range(0, len(items), batch):
        archive.store(items[start : start + batch])
    elapsed = time.perf_counter() - began
    archive.close()
    return len(items) / elapsed


@contextmanager
def databases(with_postgres: bool) -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        found = [("SQLite", f"sqlite:///{folder}/a.db"), ("SQLite", f"sqlite:///{folder}/b.db")]
        if not with_postgres:
            yield found
            return
        with postgres_database() as first, postgres_database() as second:
            yield [*found, ("PostgreSQL", first), ("PostgreSQL", second)]


def write_figures(rows: int, with_postgres: bool) -> list[dict[str, Any]]:
    items = generated_items(rows)
    one_by_one = items[: min(rows, 1000)]
    figures = []
    with databases(with_postgres) as urls:
        for (engine, batched_url), (_, single_url) in zip(urls[::2], urls[1::2], strict=True):
            figures.append(
                {
                    "database": engine,
                    "batched_500_rows_per_s": round(rows_per_second(batched_url, items, 500)),
                    "one_row_per_transaction_rows_per_s": round(rows_per_second(single_url, one_by_one, 1)),
                    "rows": rows,
                }
            )
    return figures


def crawl_pages_per_second(base_url: str, database_url: str, storage: bool, folder: Path) -> dict[str, Any]:
    stats_file = folder / f"stats-{storage}-{time.monotonic_ns()}.json"
    settings = {
        "CHINADAILY_BASE_URL": base_url,
        "ARCHIVE_DATABASE_URL": database_url,
        "ARCHIVE_ENABLED": "1" if storage else "0",
        "ARCHIVE_STATS_FILE": str(stats_file),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "asia_pacific"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    subprocess.run(command, cwd=ROOT, check=True, stdin=subprocess.DEVNULL)
    stats = json.loads(stats_file.read_text())
    pages = stats["downloader/response_count"]
    return {
        "pages": pages,
        "seconds": stats["elapsed_time_seconds"],
        "pages_per_s": pages / stats["elapsed_time_seconds"],
    }


def crawl_figures(articles: int, rounds: int) -> dict[str, Any]:
    model = SiteModel({"/world/asia_pacific": articles, "/world/europe": 6})
    runs: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder, serve(model) as (base_url, _):
        for n in range(rounds):
            for storage in (False, True):
                database_url = f"sqlite:///{folder}/crawl-{n}.db"
                runs[storage].append(
                    crawl_pages_per_second(base_url, database_url, storage, Path(folder))["pages_per_s"]
                )
    on, off = max(runs[True]), max(runs[False])
    return {
        "articles": articles,
        "rounds": rounds,
        "storage_off_pages_per_s": round(off, 1),
        "storage_on_pages_per_s": round(on, 1),
        "ratio": round(on / off, 3),
        "goal": ">= 0.8",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument(
        "--rounds", type=int, default=2, help="crawls of each kind; the best of each is compared"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with_postgres = not args.no_postgres
    if with_postgres and (reason := postgres_unavailable()):
        print(f"PostgreSQL left out: {reason}")
        with_postgres = False
    writes = write_figures(args.rows, with_postgres)
    print(f"\nWrites ({args.rows} articles; one row a transaction measured on the first 1,000):")
    print(f"{'database':<12}{'batched (500) rows/s':>24}{'one row a transaction rows/s':>32}")
    for row in writes:
        print(
            f"{row['database']:<12}{row['batched_500_rows_per_s']:>24,}{row['one_row_per_transaction_rows_per_s']:>32,}"
        )
    crawl = crawl_figures(args.articles, args.rounds)
    print(f"\nCrawl of the local site ({args.articles} articles, best of {args.rounds} each):")
    print(f"  storage off: {crawl['storage_off_pages_per_s']} pages/s")
    print(f"  storage on:  {crawl['storage_on_pages_per_s']} pages/s")
    print(f"  ratio:       {crawl['ratio']} (goal {crawl['goal']})")
    if args.json:
        args.json.write_text(json.dumps({"writes": writes, "crawl": crawl}, indent=1) + "\n")


if __name__ == "__main__":
    main()
