"""`chinadaily-archive reextract`: the WARC files grouped by the crawl that wrote them, and each crawl replayed by worker processes.

Each crawl is replayed, in the order the crawls ran, by `scrapy crawl` with the download handler
and extensions of crawler/replay.py in place of HTTP, into the archive; with several workers,
each replays the articles of its share (WARC_REPLAY_SHARE) and all of them walk the lists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from crawler import statkeys as keys
from crawler.replay import warcinfo
from crawler.statkeys import number as number_of


def warc_paths(paths: list[str]) -> list[Path]:
    """WARC files named, and those in folders named (*.warc.gz, *.warc), in name order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith((".warc.gz", ".warc")))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no WARC file or folder at {path}")
    return found


@dataclass
class CapturedCrawl:
    """The WARC files one crawl wrote, and what their warcinfo says of it."""

    name: str
    started: str
    spider: str
    section: str
    base_url: str
    files: list[Path] = field(default_factory=list)


def captured_crawls(paths: list[Path]) -> list[CapturedCrawl]:
    """The files grouped by the crawl that wrote them, in the order the crawls ran."""
    crawls: dict[str, CapturedCrawl] = {}
    for path in paths:
        info = warcinfo(path)
        if "chinadaily-spider" not in info:
            raise ValueError(f"{path} was not written by a chinadaily-archive crawl (no warcinfo of ours)")
        name = info.get("chinadaily-shared-run") or info.get("isPartOf", str(path))
        crawl = crawls.setdefault(
            name,
            CapturedCrawl(
                name,
                info.get("chinadaily-crawl-started", ""),
                info["chinadaily-spider"],
                info.get("chinadaily-section", ""),
                info.get("chinadaily-base-url", ""),
            ),
        )
        crawl.files.append(path)
        crawl.started = min(crawl.started, info.get("chinadaily-crawl-started", crawl.started))
    return sorted(crawls.values(), key=lambda crawl: crawl.started)


def reextract_command(
    crawl: CapturedCrawl, all_files: list[Path], stats_file: Path, share: tuple[int, int] = (0, 1)
) -> list[str]:
    """`scrapy crawl` replaying one captured crawl (the articles of `share`) into the archive
    (ARCHIVE_DATABASE_URL), offline."""
    command = [sys.executable, "-m", "scrapy", "crawl", crawl.spider, "-a", "full=1"]
    if crawl.spider == "section":
        command += ["-a", f"path={crawl.section}"]
    settings = {
        "CHINADAILY_BASE_URL": crawl.base_url,
        "WARC_REPLAY_FILES": ",".join(str(path) for path in crawl.files),
        "WARC_REPLAY_PROBE_FILES": ",".join(str(path) for path in all_files),
        "WARC_REPLAY_SHARE": f"{share[0]}/{share[1]}" if share[1] > 1 else "",
        "DOWNLOAD_HANDLERS": json.dumps(
            {scheme: "crawler.replay.ReplayDownloadHandler" for scheme in ("http", "https")}
        ),
        "WARC_DIR": "",
        # The captured renders stand in for the browser (see crawler/rendering.py).
        "RENDER_MODE": "auto",
        "ROBOTSTXT_OBEY": "False",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "CHINADAILY_RETRY_AFTER_MAX_SECONDS": "0",
        "HEALTH_ENABLED": "0",
        "REDIS_URL": "",
        "ARCHIVE_STATS_FILE": str(stats_file),
        "LOG_LEVEL": os.environ.get("REEXTRACT_LOG_LEVEL", "WARNING"),
    }
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


@dataclass(frozen=True)
class ReplayedCrawl:
    """What one captured crawl's replay did to the archive."""

    crawl: str
    warc_files: int
    responses: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    dead_urls: int
    exit_status: int

    @classmethod
    def of(cls, crawl: CapturedCrawl, workers: list[tuple[dict[str, Any], int]]) -> ReplayedCrawl:
        """The crawl's replay from its workers' stats and exit statuses (list pages and probes,
        which every worker replays, count once per worker among the responses)."""

        def total(key: str) -> int:
            return sum(number_of(stats, key) for stats, _ in workers)

        return cls(
            crawl.name,
            len(crawl.files),
            total(keys.REPLAY_RESPONSES),
            total(keys.ARTICLES_NEW),
            total(keys.ARTICLES_UPDATED),
            total(keys.ARTICLES_UNCHANGED),
            total(keys.DEAD_URLS),
            next((code for _, code in workers if code), 0),
        )

    def line(self) -> str:
        return (
            f"{self.crawl} ({self.warc_files} WARC files): {self.responses} responses replayed; "
            f"articles {self.articles_new} new, {self.articles_updated} updated, "
            f"{self.articles_unchanged} unchanged; {self.dead_urls} dead URLs"
            + (f" — FAILED (exit status {self.exit_status})" if self.exit_status else "")
        )


def reextract(
    paths: list[str],
    database_url: str,
    out: IO[str],
    progress: Callable[[int, str], AbstractContextManager[Callable[[int], None]]] | None = None,
    as_json: bool = False,
    workers: int = 1,
) -> int:
    """Rebuild or update the archive from WARC files alone; 0 when every replay succeeded, else the
    first failed replay's exit status. One line per captured crawl on `out` (a JSON object with
    `as_json`); `progress(total, label)` gives a step to call after each crawl is replayed.

    The crawls are replayed one after the other, in the order they ran, so that their versions
    come in order; each by `workers` processes at once, every one walking the lists and replaying
    its share of the articles (by canonical URL)."""
    files = warc_paths(paths)
    if not files:
        raise FileNotFoundError("no WARC files among " + ", ".join(paths))
    crawls = captured_crawls(files)
    with (progress or _no_progress)(len(crawls), "Re-extracting {} captured crawls") as step:
        return _replay_all(crawls, files, database_url, out, step, as_json, max(1, workers))


@contextmanager
def _no_progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    yield lambda count: None


def _replay_all(
    crawls: list[CapturedCrawl],
    files: list[Path],
    database_url: str,
    out: IO[str],
    step: Callable[[int], None],
    as_json: bool,
    workers: int,
) -> int:
    # The database URL (and any password in it) goes through the environment, not `ps`.
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "ARCHIVE_DATABASE_URL": database_url}
    status = 0
    with tempfile.TemporaryDirectory() as folder:
        for number, crawl in enumerate(crawls, 1):
            stats_files = [Path(folder) / f"stats-{number}-{worker}.json" for worker in range(workers)]
            running = [
                subprocess.Popen(
                    reextract_command(crawl, files, stats_file, (worker, workers)),
                    env=env,
                    stdin=subprocess.DEVNULL,
                )
                for worker, stats_file in enumerate(stats_files)
            ]
            codes = [process.wait() for process in running]
            results = [
                (json.loads(path.read_text()) if path.exists() else {}, code)
                for path, code in zip(stats_files, codes, strict=True)
            ]
            replayed = ReplayedCrawl.of(crawl, results)
            out.write((json.dumps(asdict(replayed)) if as_json else replayed.line()) + "\n")
            status = status or replayed.exit_status
            step(1)
    return status
