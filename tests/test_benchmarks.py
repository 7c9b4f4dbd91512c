"""Smoke runs of the benchmark scripts on small inputs, as a user runs them, so that they cannot rot."""

import json
import subprocess
import sys

import pytest

from tests.crawling import ROOT

pytestmark = pytest.mark.e2e


def benchmark(name, *args, tmp_path):
    """`python -m benchmarks.NAME ARGS --json FILE`: the figures it wrote."""
    figures = tmp_path / f"{name}.json"
    command = [sys.executable, "-m", f"benchmarks.{name}", *args, "--json", str(figures)]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return json.loads(figures.read_text())


def test_the_query_benchmark_runs_on_a_small_archive(tmp_path):
    figures = benchmark("query", "--articles", "300", "--queries", "5", tmp_path=tmp_path)
    assert figures["search_relevance"]["median_ms"] > 0
    assert figures["export_csv"]["rows"] == 300
    assert figures["export_csv"]["rows_per_s"] > 0


def test_the_scale_out_benchmark_runs_one_and_two_workers(tmp_path):
    rows = benchmark("workers", "--articles", "60", "--workers", "2", "--latency", "0", tmp_path=tmp_path)
    assert [row["workers"] for row in rows] == [1, 2]
    assert all(row["pages"] >= 60 and row["pages_per_s"] > 0 for row in rows)
    assert len(rows[1]["pages_per_worker"]) == 2


def test_the_warc_benchmark_runs_on_a_small_site(tmp_path):
    figures = benchmark("warc", "--articles", "40", "--runs", "3", tmp_path=tmp_path)
    assert figures["warc_bytes"] > figures["payload_bytes"] / 20 > 0
    assert figures["mb_per_1000_articles"] > 0 and figures["reextract_seconds"] > 0
    costs = sorted(run["capture_cost"] for run in figures["runs"])
    assert len(costs) == 3 and figures["capture_cost"] == costs[1]


def test_the_comparison_benchmark_runs_and_reports_every_figure(tmp_path):
    figures = benchmark(
        "compare",
        *("--articles", "200", "--large", "300", "--huge", "0", "--speed-pages", "20", "--rows", "200"),
        *("--memory-runs", "1"),
        tmp_path=tmp_path,
    )
    assert figures["throughput"]["articles_archived"] == 200
    assert figures["throughput"]["ratio"] > 0
    runs = figures["throughput"]["runs"]
    assert len(runs) == 3 and figures["throughput"]["ratio"] == sorted(run["ratio"] for run in runs)[1]
    for run in runs:
        # A crawl of a few hundred pages takes more than a millisecond of CPU a page (start-up
        # alone is a second or more), and less than a second.
        assert 1 < run["ours_cpu_ms_per_page"] < 1000 and 1 < run["bare_cpu_ms_per_page"] < 1000
        cost = run["bare_cpu_ms_per_page"] / run["ours_cpu_ms_per_page"]
        assert run["cpu_ratio"] == pytest.approx(cost, abs=0.01)
    assert set(figures["extraction_ms_per_page"]) == {"chinadaily-archive", "trafilatura", "readability-lxml"}
    for name, rounds in figures["extraction_runs"].items():
        assert len(rounds) == 3 and figures["extraction_ms_per_page"][name] == sorted(rounds)[1]
    assert set(figures["quality"]) == {"real", "written"}
    assert set(figures["memory"]["peak_rss_mb"]) == {"200", "300"}
    assert figures["incremental"]["requests"] >= 1


def test_the_comparison_benchmark_measures_memory_alone_at_three_sizes(tmp_path):
    figures = benchmark(
        "compare",
        *("--only", "memory", "--articles", "100", "--large", "200", "--huge", "300", "--memory-runs", "3"),
        tmp_path=tmp_path,
    )
    assert set(figures["memory"]["peak_rss_mb"]) == {"100", "200", "300"}
    runs = figures["memory"]["runs_mb"]
    assert [len(runs[size]) for size in ("100", "200", "300")] == [3, 3, 1]
    for size, each in runs.items():
        assert figures["memory"]["peak_rss_mb"][size] == sorted(each)[len(each) // 2]
    # Every run is a whole crawl into its own archive, not a re-run over the one before.
    assert figures["memory"]["runs_articles_archived"] == {"100": [100] * 3, "200": [200] * 3, "300": [300]}
    assert set(figures["memory"]["kb_per_article"]) == {"100-200", "200-300"}
    assert all(mb > 0 for mb in figures["memory"]["peak_rss_mb"].values())
    assert "throughput" not in figures


def test_the_site_benchmark_runs_the_whole_site_and_each_section(tmp_path):
    figures = benchmark("site", "--delay", "0", tmp_path=tmp_path)
    assert figures["sections"] == len(figures["one_run_per_section"]["runs"]) == 12
    assert figures["site"]["pages"] > 12 and figures["one_run_per_section"]["pages"] > 12


def test_the_audit_benchmark_prints_requests_per_day_and_thirty_days(tmp_path):
    figures = benchmark("audit", "--per-day", "20", "--days", "2", "--delay", "0", tmp_path=tmp_path)
    assert figures["requests"] >= 2 * 2  # two days of twenty articles: at least two pages each
    assert figures["requests_per_day"] > 0 and figures["seconds_for_30_days"] >= 0
