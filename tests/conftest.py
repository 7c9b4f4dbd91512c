"""Shared test configuration: a summary of labelled-page results, real and written pages apart."""

from __future__ import annotations

from collections import Counter

import pytest


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
