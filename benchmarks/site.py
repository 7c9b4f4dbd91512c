"""The whole site in one run against one run per section, at the polite defaults, on the local site.

    python -m benchmarks.site [--delay 1.0] [--json FILE]

`scrapy crawl site` walks every section of the local copy of the site (tests/site, the
whole-site model: 12 sections, three list templates) at once, under one politeness budget for
the host: its time should be about its pages at the per-host rate (DOWNLOAD_DELAY seconds a
page, AutoThrottle on, as crawler/settings.py sets them). Then each section is crawled on its
own, one after another (`scrapy crawl section -a path=…`, a fresh archive each), and the times
are added up: what walking the sections one by one would cost. Both are printed, with the pages
each fetched.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from crawler import settings as defaults
from tests.crawling import ROOT, crawl_command
from tests.site import serve
from tests.site.model import whole_site_model


def crawl(spider: str, base_url: str, folder: Path, name: str, delay: float, *args: str) -> dict[str, Any]:
    """One crawl into a fresh archive: its wall time and the pages it fetched."""
    stats_file = folder / f"{name}.json"
    settings = {
        "DOWNLOAD_DELAY": str(delay),
        "AUTOTHROTTLE_ENABLED": str(defaults.AUTOTHROTTLE_ENABLED and delay > 0),
        "ARCHIVE_STATS_FILE": str(stats_file),
        "LOG_LEVEL": "WARNING",
    }
    database_url = f"sqlite:///{folder / (name + '.db')}"
    command, env = crawl_command(spider, base_url, database_url, *args, settings=settings)
    began = time.monotonic()
    process = subprocess.run(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    seconds = time.monotonic() - began
    if process.returncode != 0:
        raise RuntimeError(
            f"{spider} {' '.join(args)} exited with {process.returncode}: {process.stderr[-2000:]}"
        )
    stats = json.loads(stats_file.read_text())
    return {"seconds": round(seconds, 1), "pages": int(stats.get("downloader/response_count", 0))}


def measure(delay: float) -> dict[str, Any]:
    model = whole_site_model()
    with tempfile.TemporaryDirectory() as name, serve(model) as (base_url, _):
        folder = Path(name)
        whole = crawl("site", base_url, folder, "site", delay)
        sections = {
            section: crawl("section", base_url, folder, f"section-{n}", delay, "-a", f"path={section}")
            for n, section in enumerate(model.sections)
        }
    return {
        "download_delay_s": delay,
        "sections": len(model.sections),
        "site": {**whole, "seconds_at_per_host_rate": round(whole["pages"] * delay, 1)},
        "one_run_per_section": {
            "seconds": round(sum(run["seconds"] for run in sections.values()), 1),
            "pages": sum(run["pages"] for run in sections.values()),
            "runs": sections,
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=defaults.DOWNLOAD_DELAY,
        help="DOWNLOAD_DELAY (default: the polite default)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    figures = measure(args.delay)
    site, each = figures["site"], figures["one_run_per_section"]
    print(f"{figures['sections']} sections, DOWNLOAD_DELAY {args.delay:g} s, AutoThrottle as the defaults")
    print(f"{'':32}{'pages':>8}{'seconds':>10}")
    print(f"{'scrapy crawl site':32}{site['pages']:>8}{site['seconds']:>10}")
    print(f"{'  its pages at the per-host rate':32}{'':>8}{site['seconds_at_per_host_rate']:>10}")
    print(f"{'one run per section, added up':32}{each['pages']:>8}{each['seconds']:>10}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return figures


if __name__ == "__main__":
    main()
