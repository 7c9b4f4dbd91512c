"""What a coverage audit costs: requests per audited day, and the time of 30 days at the polite defaults.

    python -m benchmarks.audit [--per-day 40] [--days 7] [--delay 1.0] [--json FILE]

The local copy of the site (tests/site) publishes --per-day articles a day in one section, walked
first by `scrapy crawl asia_pacific`; then `scrapy crawl audit` reads the search API over the last
--days days at the polite defaults (DOWNLOAD_DELAY seconds a request, AutoThrottle on) and fetches
nothing (fetch=0), so that only the audit's own requests are counted. The search API answers ten
results a page, and the next day's page 1 repeats the last item of page 0 as the real API is
reported to, so a day costs about per-day / 10 + 1 requests; 30 days cost 30 times that, at the
per-host rate measured here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from crawler import settings as defaults
from tests.crawling import ROOT, crawl_command
from tests.site import SiteModel, serve

SECTION = "/world/asia_pacific"


def measure(per_day: int, days: int, delay: float) -> dict[str, Any]:
    spacing = timedelta(days=1) / per_day
    model = SiteModel({SECTION: per_day * days}, spacing=spacing, multipage_every=0)
    newest = model.article(SECTION, 0).published.date()
    since = newest - timedelta(days=days - 1)
    with tempfile.TemporaryDirectory() as name, serve(model) as (base_url, _):
        folder = Path(name)
        database_url = f"sqlite:///{folder / 'archive.db'}"
        fast = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING"}
        command, env = crawl_command("asia_pacific", base_url, database_url, settings=fast)
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        stats_file = folder / "audit.json"
        polite = {
            "DOWNLOAD_DELAY": str(delay),
            "AUTOTHROTTLE_ENABLED": str(defaults.AUTOTHROTTLE_ENABLED and delay > 0),
            "CHINADAILY_SEARCH_BASE_URL": base_url,
            "ARCHIVE_STATS_FILE": str(stats_file),
            "LOG_LEVEL": "WARNING",
            "HEALTH_ENABLED": "0",
        }
        window = ("-a", f"since={since}", "-a", f"until={newest}", "-a", "fetch=0")
        command, env = crawl_command("audit", base_url, database_url, *window, settings=polite)
        began = time.monotonic()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        seconds = time.monotonic() - began
        stats = json.loads(stats_file.read_text())
    requests = int(stats.get("audit/index_requests", 0))
    per_request = seconds / requests if requests else 0.0
    return {
        "articles_per_day": per_day,
        "days": days,
        "download_delay_s": delay,
        "requests": requests,
        "requests_per_day": round(requests / days, 1),
        "seconds": round(seconds, 1),
        "seconds_per_request": round(per_request, 2),
        "found": int(stats.get("audit/search/found", 0)),
        "seconds_for_30_days": round(30 * requests / days * per_request),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-day", type=int, default=40, help="articles the site publishes a day")
    parser.add_argument("--days", type=int, default=7, help="days audited")
    parser.add_argument("--delay", type=float, default=defaults.DOWNLOAD_DELAY, help="DOWNLOAD_DELAY")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    figures = measure(args.per_day, args.days, args.delay)
    print(
        f"{figures['days']} days of {figures['articles_per_day']} articles: {figures['requests']} requests "
        f"({figures['requests_per_day']} a day) in {figures['seconds']} s, "
        f"{figures['seconds_per_request']} s a request; {figures['found']} articles found"
    )
    print(f"30 days at this rate: about {figures['seconds_for_30_days']} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return figures


if __name__ == "__main__":
    main()
