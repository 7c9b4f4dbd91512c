"""Runs the real `scrapy crawl` command in a subprocess against the local site, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tests crawl 127.0.0.1 as fast as it answers; the polite defaults are for the real site.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO"}


@dataclass
class CrawlResult:
    returncode: int
    log: str


def crawl_command(
    spider: str,
    base_url: str,
    database_url: str,
    *args: str,
    settings: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """`scrapy crawl SPIDER -s CHINADAILY_BASE_URL=... -s ARCHIVE_DATABASE_URL=... [args]` and its environment."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    merged = {
        **FAST,
        "CHINADAILY_BASE_URL": base_url,
        "ARCHIVE_DATABASE_URL": database_url,
        **(settings or {}),
    }
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    command += list(args)
    environment = {key: value for key, value in os.environ.items() if key not in merged}
    environment["PYTHONWARNINGS"] = "always::DeprecationWarning"
    environment.update(env or {})
    return command, environment


def start_crawl(
    spider: str, base_url: str, database_url: str, *args: str, settings: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """The crawl in the background, its log on stdout (for tests that signal or kill it)."""
    command, env = crawl_command(spider, base_url, database_url, *args, settings=settings)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def run_crawl(
    spider: str,
    base_url: str,
    database_url: str,
    *args: str,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> CrawlResult:
    """Run the crawl to its end (`env`: more environment variables)."""
    command, env = crawl_command(spider, base_url, database_url, *args, settings=settings, env=env)
    process = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return CrawlResult(process.returncode, process.stdout + process.stderr)


def our_warnings(log: str) -> list[str]:
    """Deprecation warnings raised from this project's own modules."""
    return [
        line
        for line in log.splitlines()
        if "DeprecationWarning" in line
        and any(f"/{package}/" in line for package in ("crawler", "pipelines"))
    ]
