"""Shared test configuration: archive databases on both engines, the fast lane's rule, a summary of labelled-page results."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
from collections import Counter

import pytest

from tests.databases import archive_database, unavailable


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build matplotlib's font cache before any test: on a fresh machine it runs fc-list, a process."""
    import matplotlib.font_manager  # noqa: F401


@pytest.fixture(autouse=True)
def _processes_only_in_e2e_tests(request, monkeypatch):
    """The fast lane (`pytest -m "not e2e"`) starts no process: a test that does must be marked e2e."""
    if request.node.get_closest_marker("e2e") is not None:
        return

    def refuse(*args, **kwargs):
        raise AssertionError(f"{request.node.nodeid} starts a process: mark it @pytest.mark.e2e")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "system", refuse)
    monkeypatch.setattr(multiprocessing.Process, "start", refuse)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty archive database, once on SQLite and once on PostgreSQL."""
    with archive_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database_url(request, tmp_path):
    """An archive database at the current schema with no rows, once on SQLite and once on PostgreSQL."""
    with archive_database(request.param, tmp_path, migrated=True) as url:
        yield url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print page-object results per fixture origin, so real and written pages are reported apart."""
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "xfailed"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "test_article_page.py" not in nodeid and "test_judging.py" not in nodeid:
                continue
            for origin in ("real", "written"):
                if f"[{origin}/" in nodeid:
                    counts[(origin, outcome)] += 1
    if counts:
        terminalreporter.section("labelled pages (page objects and verdicts)")
        for origin in ("real", "written"):
            parts = ", ".join(
                f"{counts[(origin, o)]} {o}" for o in ("passed", "failed", "xfailed") if counts[(origin, o)]
            )
            terminalreporter.write_line(f"{origin:>8} pages: {parts or 'none'}")


CHROMIUM = os.environ.get("RENDER_BROWSER_PATH") or shutil.which("chromium")


@pytest.fixture
def chromium():
    """The browser; outside CI a machine without one skips, in CI it must be there."""
    if CHROMIUM:
        return CHROMIUM
    unavailable(
        "no Chromium installed (apt-get install -y chromium)",
        "no Chromium: .ci/run installs Debian's chromium, the browser tests must run in CI",
    )
