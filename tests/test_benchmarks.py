"""Smoke runs of the benchmark scripts on small inputs, so that they cannot rot."""

from benchmarks.query import build, export_figures, search_latency
from benchmarks.warc import main as warc_benchmark
from benchmarks.workers import main as workers_benchmark


def test_the_query_benchmark_runs_on_a_small_archive(tmp_path):
    path = tmp_path / "archive.db"
    vocabulary = build(path, 300)
    latency = search_latency(path, vocabulary, queries=5, sort="relevance")
    assert latency["median_ms"] > 0
    export = export_figures(path, "csv")
    assert export["rows"] == 300
    assert export["rows_per_s"] > 0


def test_the_scale_out_benchmark_runs_one_and_two_workers(tmp_path):
    rows = workers_benchmark(
        ["--articles", "60", "--workers", "2", "--latency", "0", "--json", str(tmp_path / "w.json")]
    )
    assert [row["workers"] for row in rows] == [1, 2]
    assert all(row["pages"] >= 60 and row["pages_per_s"] > 0 for row in rows)
    assert len(rows[1]["pages_per_worker"]) == 2


def test_the_warc_benchmark_runs_on_a_small_site():
    figures = warc_benchmark(["--articles", "40"])
    assert figures["warc_bytes"] > figures["payload_bytes"] / 20 > 0
    assert figures["mb_per_1000_articles"] > 0 and figures["reextract_seconds"] > 0
