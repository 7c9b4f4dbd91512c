"""Scale-out figures: pages/s of one worker against several sharing a frontier in Redis, on the local site.

    python -m benchmarks.workers [--articles 2000] [--workers 3] [--concurrency 4] [--latency 0.1]

Each worker is `scrapy crawl asia_pacific` with REDIS_URL and one PostgreSQL archive (a database of
its own per measurement, dropped afterwards), the same per-worker concurrency and no delay. The
local site answers article pages after --latency seconds, standing in for the network and the
site's own time: with no latency at all, the workers and the site share this machine's cores and
the figure says more about the machine than about the design, so both are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.crawling import ROOT, crawl_command
from tests.databases import postgres_database
from tests.redis_server import REDIS_URL, redis_prefix
from tests.site import SiteModel, serve

SECTION = "/world/asia_pacific"


def shared_crawl(
    base_url: str, database_url: str, workers: int, concurrency: int, folder: Path
) -> dict[str, Any]:
    """Start the workers at once, wait for all: wall time, pages, and each worker's pages."""
    processes, stats_files = [], []
    with redis_prefix() as prefix:
        began = time.monotonic()
        for number in range(workers):
            stats_file = folder / f"worker-{workers}-{number}.json"
            settings = {
                "REDIS_URL": REDIS_URL,
                "REDIS_KEY_PREFIX": prefix,
                "CONCURRENT_REQUESTS": str(concurrency),
                "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
                "ARCHIVE_STATS_FILE": str(stats_file),
                "LOG_LEVEL": "WARNING",
                "HEALTH_ENABLED": "0",
            }
            command, env = crawl_command("asia_pacific", base_url, database_url, settings=settings)
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
                )
            )
            stats_files.append(stats_file)
        for process in processes:
            if process.wait() != 0:
                raise RuntimeError(f"a worker exited with status {process.returncode}")
        wall = time.monotonic() - began
    pages = [int(json.loads(path.read_text())["downloader/response_count"]) for path in stats_files]
    return {
        "workers": workers,
        "seconds": round(wall, 1),
        "pages": sum(pages),
        "pages_per_s": round(sum(pages) / wall, 1),
        "pages_per_worker": pages,
    }


def measure(articles: int, workers: int, concurrency: int, latency: float) -> list[dict[str, Any]]:
    rows = []
    model = SiteModel({SECTION: articles, "/world/europe": 6})
    with tempfile.TemporaryDirectory() as name, serve(model, article_delay=latency) as (base_url, _):
        for count in (1, workers):
            with postgres_database() as database_url:
                row = shared_crawl(base_url, database_url, count, concurrency, Path(name))
            rows.append({"latency_s": latency, "concurrency_per_worker": concurrency, **row})
    return rows


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="CONCURRENT_REQUESTS of each worker")
    parser.add_argument(
        "--latency", type=float, nargs="+", default=[0.1, 0.0], help="seconds the site takes per article page"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    rows = []
    for latency in args.latency:
        rows += measure(args.articles, args.workers, args.concurrency, latency)
    print(f"{'latency':>8}{'workers':>8}{'pages':>8}{'seconds':>9}{'pages/s':>9}  pages per worker")
    for row in rows:
        print(
            f"{row['latency_s']:>8}{row['workers']:>8}{row['pages']:>8}{row['seconds']:>9}"
            f"{row['pages_per_s']:>9}  {row['pages_per_worker']}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return rows


if __name__ == "__main__":
    main()
