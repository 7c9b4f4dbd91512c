"""Smoke runs of the benchmark scripts on small inputs, so that they cannot rot."""

from benchmarks.query import build, export_figures, search_latency


def test_the_query_benchmark_runs_on_a_small_archive(tmp_path):
    path = tmp_path / "archive.db"
    vocabulary = build(path, 300)
    latency = search_latency(path, vocabulary, queries=5, sort="relevance")
    assert latency["median_ms"] > 0
    export = export_figures(path, "csv")
    assert export["rows"] == 300
    assert export["rows_per_s"] > 0
