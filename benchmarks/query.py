"""Query figures on a large archive: full-text search latency and export throughput and memory.

    python -m benchmarks.query [--articles 100000] [--keep archive-100k.db]

Builds a SQLite archive of generated articles (a Zipf-distributed vocabulary of 30,000 words,
so that words are as rare or common as in news text), then times two-word searches through
the same code as `chinadaily-archive search`, and streams an export through the same code as
`chinadaily-archive export`, measuring Python's peak memory while it runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.cli import main as cli
from crawler.items import ArticleItem
from pipelines.archive import Archive
from pipelines.archive.reader import ArchiveReader, Filters

VOCABULARY = 30_000


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


def build(path: Path, count: int, seed: int = 3) -> list[str]:
    """An archive of `count` articles at path; returns the vocabulary, most frequent first."""
    rng = random.Random(seed)
    vocabulary = _words(rng)
    weights = [1 / (rank + 1) for rank in range(VOCABULARY)]
    archive = Archive.open(f"sqlite:///{path}")
    start = datetime(2015, 1, 1, tzinfo=UTC)
    batch: list[ArticleItem] = []
    for n in range(count):
        body_words = rng.choices(vocabulary, weights, k=rng.randint(250, 600))
        paragraphs = [
            " ".join(body_words[i : i + 60]).capitalize() + "." for i in range(0, len(body_words), 60)
        ]
        url = f"https://www.chinadaily.com.cn/a/{n:024x}.html"
        batch.append(
            ArticleItem(
                url=url,
                canonical_url=url,
                site_article_id=None,
                headline=" ".join(rng.choices(vocabulary, weights, k=8)).capitalize() + f" {n}",
                authors=[f"Author {rng.randint(1, 300)}"],
                source=rng.choice(["China Daily", "Xinhua", "chinadaily.com.cn"]),
                section="World > Asia-Pacific",
                breadcrumbs=["Home", "World", "Asia-Pacific"],
                date_published=start + timedelta(minutes=47 * n),
                article_body="\n".join(paragraphs),
                article_body_html="",
                language="en",
            )
        )
        if len(batch) == 1000:
            archive.store(batch)
            batch = []
    if batch:
        archive.store(batch)
    archive.close()
    return vocabulary


def search_latency(path: Path, vocabulary: list[str], queries: int, sort: str) -> dict[str, float]:
    """Median and 95th percentile of two-word searches, words of middling frequency."""
    rng = random.Random(11)
    middling = vocabulary[200:3000]
    reader = ArchiveReader(f"sqlite:///{path}")
    timings = []
    for _ in range(queries):
        query = " ".join(rng.sample(middling, 2))
        began = time.perf_counter()
        reader.search(query, Filters(limit=20), sort=sort)
        timings.append((time.perf_counter() - began) * 1000)
    reader.close()
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(0.95 * len(timings))], 1),
    }


def export_figures(path: Path, form: str) -> dict[str, float]:
    """Rows per second and Python's peak memory of `chinadaily-archive export` to a file."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"export.{form}"
        tracemalloc.start()
        began = time.perf_counter()
        code = cli(
            ["--db", str(path), "export", "--format", form, "--output", str(target)], out=io.StringIO()
        )
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive at this path")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "archive.db"
        began = time.perf_counter()
        vocabulary = _words(random.Random(3)) if path.exists() else build(path, args.articles)
        print(
            f"Archive of {args.articles:,} articles at {path} ({path.stat().st_size / 2**20:,.0f} MB), "
            f"ready in {time.perf_counter() - began:.0f} s"
        )
        figures = {
            "articles": args.articles,
            "search_relevance": search_latency(path, vocabulary, args.queries, "relevance"),
            "search_by_date": search_latency(path, vocabulary, args.queries, "date"),
            "export_jsonl": export_figures(path, "jsonl"),
            "export_csv": export_figures(path, "csv"),
        }
    for sort in ("relevance", "date"):
        latency = figures[f"search_{'by_date' if sort == 'date' else 'relevance'}"]
        print(
            f"two-word search, sorted by {sort:<9}: median {latency['median_ms']} ms, "
            f"95th percentile {latency['p95_ms']} ms (goal: median < 50 ms)"
        )
    for form in ("jsonl", "csv"):
        export = figures[f"export_{form}"]
        print(
            f"export {form:<5}: {export['rows']:,} rows at {export['rows_per_s']:,} rows/s, "
            f"{export['file_mb']} MB written, Python's peak memory {export['peak_python_memory_mb']} MB"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
