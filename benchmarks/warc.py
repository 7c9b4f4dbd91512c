"""WARC figures: disk cost per 1,000 articles, what capture costs the crawl, and how fast re-extraction runs.

    python -m benchmarks.warc [--articles 2000]

Crawls the local site (tests/site) twice, without and with WARC_DIR, as benchmarks/compare.py crawls
it, then re-extracts the WARC files into an empty archive with `chinadaily-archive reextract`.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.compare import our_crawl, pages_per_second
from crawler import cli
from tests.site import SiteModel, serve

SECTION = "/world/asia_pacific"


def measure(articles: int) -> dict[str, Any]:
    model = SiteModel({SECTION: articles, "/world/europe": 6}, dead_links={"soft404": 5, "hard404": 2})
    with tempfile.TemporaryDirectory() as name, serve(model) as (base_url, _):
        folder = Path(name)
        plain = our_crawl(base_url, f"sqlite:///{folder / 'plain.db'}", folder, settings={"WARC_DIR": ""})
        captured = our_crawl(
            base_url,
            f"sqlite:///{folder / 'captured.db'}",
            folder,
            settings={"WARC_DIR": str(folder / "warc")},
        )
        files = sorted((folder / "warc").glob("*.warc.gz"))
        size = sum(path.stat().st_size for path in files)
        began = time.monotonic()
        cli.main(
            ["reextract", "--from-warc", str(folder / "warc"), "--db", f"sqlite:///{folder / 're.db'}"],
            out=io.StringIO(),
        )
        reextract_seconds = time.monotonic() - began
    return {
        "articles": articles,
        "pages": captured["downloader/response_count"],
        "warc_files": len(files),
        "warc_records": captured.get("warc/records", 0),
        "warc_bytes": size,
        "payload_bytes": captured.get("warc/payload_bytes", 0),
        "mb_per_1000_articles": round(size / articles * 1000 / 2**20, 2),
        "pages_per_s_without": round(pages_per_second(plain), 1),
        "pages_per_s_with": round(pages_per_second(captured), 1),
        "reextract_seconds": round(reextract_seconds, 1),
        "reextract_articles_per_s": round(articles / reextract_seconds, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    figures = measure(args.articles)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(
        f"{figures['articles']:,} articles, {figures['pages']:,} pages: {figures['warc_bytes'] / 2**20:.1f} MB of WARC "
        f"in {figures['warc_files']} file(s), {figures['warc_records']:,} records "
        f"({figures['payload_bytes'] / 2**20:.1f} MB of bodies as received) = "
        f"{figures['mb_per_1000_articles']} MB per 1,000 articles\n"
        f"crawl: {figures['pages_per_s_without']} pages/s without capture, {figures['pages_per_s_with']} with\n"
        f"re-extraction into an empty archive: {figures['reextract_seconds']} s "
        f"({figures['reextract_articles_per_s']} articles/s)"
    )
    return figures


if __name__ == "__main__":
    main()
