"""Rendering figures: pages/s and memory of a crawl whose every page goes through Chromium.

    python -m benchmarks.render [--articles 1000] [--max-pages 4]

Serves the local site, runs `scrapy crawl asia_pacific -s RENDER_MODE=always` against it, and
samples the memory (proportional set size) of the crawl and every process under it
(Playwright's driver, Chromium's browser, renderer and utility processes) four times a second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.crawling import crawl_command
from tests.site import SiteModel, serve


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _rss_mb(pid: int) -> float:
    """Proportional set size: Chromium's processes share much memory, which RSS would count twice."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_memory(root: int) -> tuple[float, float]:
    """Memory (MB) of the crawl process itself, and of everything under it."""
    tree = _children()
    below, stack = 0.0, list(tree.get(root, []))
    while stack:
        pid = stack.pop()
        below += _rss_mb(pid)
        stack.extend(tree.get(pid, []))
    return _rss_mb(root), below


def measure(articles: int, max_pages: int, browser: str) -> dict[str, Any]:
    model = SiteModel({"/world/asia_pacific": articles, "/world/europe": 6})
    with tempfile.TemporaryDirectory() as folder, serve(model) as (base_url, _):
        stats_file = Path(folder) / "stats.json"
        settings = {
            "RENDER_MODE": "always",
            "RENDER_BROWSER_PATH": browser,
            "RENDER_MAX_PAGES": str(max_pages),
            "CONCURRENT_REQUESTS": str(max_pages * 2),
            "ARCHIVE_STATS_FILE": str(stats_file),
            "LOG_LEVEL": "WARNING",
        }
        command, env = crawl_command(
            "asia_pacific", base_url, f"sqlite:///{folder}/archive.db", settings=settings
        )
        began = time.monotonic()
        crawl = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
        samples: list[tuple[float, float, float]] = []
        while crawl.poll() is None:
            own, below = tree_memory(crawl.pid)
            samples.append((time.monotonic() - began, own, below))
            time.sleep(0.25)
        if crawl.returncode != 0:
            raise SystemExit(f"the crawl failed with status {crawl.returncode}")
        stats = json.loads(stats_file.read_text())
    rendered = stats["render/pages"]
    quarters = [samples[min(len(samples) - 1, int(len(samples) * q))] for q in (0.25, 0.5, 0.75, 0.99)]
    return {
        "articles": articles,
        "max_open_pages": max_pages,
        "rendered_pages": rendered,
        "seconds": round(stats["elapsed_time_seconds"], 1),
        "pages_per_s": round(rendered / stats["elapsed_time_seconds"], 1),
        "peak_crawl_mb": round(max(s[1] for s in samples)),
        "peak_browser_mb": round(max(s[2] for s in samples)),
        "peak_total_mb": round(max(s[1] + s[2] for s in samples)),
        "total_mb_at_quarters": [round(s[1] + s[2]) for s in quarters],
        "max_concurrent_contexts": stats.get("playwright/context_count/max_concurrent"),
        "blocked_requests": stats.get("playwright/request_count/aborted", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--max-pages", type=int, default=4, help="RENDER_MAX_PAGES")
    parser.add_argument(
        "--browser", default=os.environ.get("RENDER_BROWSER_PATH") or shutil.which("chromium")
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.browser:
        sys.exit("no Chromium: apt-get install -y chromium, or give --browser")
    figures = measure(args.articles, args.max_pages, args.browser)
    print(
        f"Rendered {figures['rendered_pages']} pages in {figures['seconds']} s: {figures['pages_per_s']} pages/s "
        f"(RENDER_MAX_PAGES={args.max_pages}, {figures['blocked_requests']} image/font/media requests blocked)"
    )
    print(
        f"Peak memory: crawl {figures['peak_crawl_mb']} MB, browser and driver {figures['peak_browser_mb']} MB, "
        f"together {figures['peak_total_mb']} MB; together at 25/50/75/99 % of the run: "
        + ", ".join(f"{mb} MB" for mb in figures["total_mb_at_quarters"])
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
