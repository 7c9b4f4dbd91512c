"""WARC figures: disk cost per 1,000 articles, what capture costs the crawl, and how fast re-extraction runs.

    python -m benchmarks.warc [--articles 2000] [--runs 3]

Crawls the local site (tests/site) without and with WARC_DIR, one right after the other, as
benchmarks/compare.py crawls it, then re-extracts the WARC files into an empty archive with
`chinadaily-archive reextract` (its default workers). A crawl's pages per second vary by some
15 % from run to run on a shared machine, so this is done `--runs` times: the capture cost is
the median of the pairs' costs, the re-extraction rate the median of the runs, all of them printed.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.compare import our_crawl, pages_per_second
from crawler import cli
from tests.site import SiteModel, serve

SECTION = "/world/asia_pacific"


def measure_once(articles: int, base_url: str, folder: Path) -> dict[str, Any]:
    """One pair of crawls, without and with capture, and the re-extraction of the capture."""
    plain = our_crawl(base_url, f"sqlite:///{folder / 'plain.db'}", folder, settings={"WARC_DIR": ""})
    captured = our_crawl(
        base_url, f"sqlite:///{folder / 'captured.db'}", folder, settings={"WARC_DIR": str(folder / "warc")}
    )
    files = sorted((folder / "warc").glob("*.warc.gz"))
    size = sum(path.stat().st_size for path in files)
    began = time.monotonic()
    cli.main(
        ["reextract", "--from-warc", str(folder / "warc"), "--db", f"sqlite:///{folder / 're.db'}"],
        out=io.StringIO(),
    )
    reextract_seconds = time.monotonic() - began
    without, with_capture = pages_per_second(plain), pages_per_second(captured)
    return {
        "pages": captured["downloader/response_count"],
        "warc_files": len(files),
        "warc_records": captured.get("warc/records", 0),
        "warc_bytes": size,
        "payload_bytes": captured.get("warc/payload_bytes", 0),
        "pages_per_s_without": round(without, 1),
        "pages_per_s_with": round(with_capture, 1),
        "capture_cost": round(1 - with_capture / without, 3),
        "reextract_seconds": round(reextract_seconds, 1),
        "reextract_articles_per_s": round(articles / reextract_seconds, 1),
    }


def measure(articles: int, runs: int = 3) -> dict[str, Any]:
    model = SiteModel({SECTION: articles, "/world/europe": 6}, dead_links={"soft404": 5, "hard404": 2})
    results = []
    with serve(model) as (base_url, _):
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as name:
                results.append(measure_once(articles, base_url, Path(name)))
    # The run whose capture cost is the median stands for the crawl figures.
    middle = sorted(results, key=lambda run: run["capture_cost"])[len(results) // 2]
    return {
        "articles": articles,
        **middle,
        "mb_per_1000_articles": round(middle["warc_bytes"] / articles * 1000 / 2**20, 2),
        "capture_cost": statistics.median(run["capture_cost"] for run in results),
        "reextract_articles_per_s": statistics.median(run["reextract_articles_per_s"] for run in results),
        "runs": results,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="pairs of crawls and re-extractions (default 3)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    figures = measure(args.articles, args.runs)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    runs = figures["runs"]
    print(
        f"{figures['articles']:,} articles, {figures['pages']:,} pages: {figures['warc_bytes'] / 2**20:.1f} MB of WARC "
        f"in {figures['warc_files']} file(s), {figures['warc_records']:,} records "
        f"({figures['payload_bytes'] / 2**20:.1f} MB of bodies as received) = "
        f"{figures['mb_per_1000_articles']} MB per 1,000 articles\n"
        f"capture cost, median of {len(runs)} pairs: {figures['capture_cost']:.1%} (runs: "
        + ", ".join(
            f"{run['capture_cost']:.1%} = {run['pages_per_s_without']} → {run['pages_per_s_with']} pages/s"
            for run in runs
        )
        + ")\n"
        f"re-extraction into an empty archive, median: {figures['reextract_articles_per_s']} articles/s (runs: "
        + ", ".join(f"{run['reextract_articles_per_s']} in {run['reextract_seconds']} s" for run in runs)
        + ")"
    )
    return figures


if __name__ == "__main__":
    main()
