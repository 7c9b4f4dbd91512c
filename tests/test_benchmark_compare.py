"""A smoke run of the comparison benchmark on 200 articles, so that it cannot rot (benchmarks/compare.py)."""

from benchmarks.compare import main


def test_the_benchmark_runs_and_reports_every_figure(tmp_path):
    figures = main(
        [
            "--articles",
            "200",
            "--large",
            "300",
            "--speed-pages",
            "20",
            "--rows",
            "200",
            "--json",
            str(tmp_path / "figures.json"),
        ]
    )
    assert figures["throughput"]["articles_archived"] == 200
    assert figures["throughput"]["ratio"] > 0
    assert set(figures["extraction_ms_per_page"]) == {"chinadaily-archive", "trafilatura", "readability-lxml"}
    assert set(figures["quality"]) == {"real", "written"}
    assert set(figures["memory"]["peak_rss_mb"]) == {"200", "300"}
    assert figures["incremental"]["requests"] >= 1
    assert (tmp_path / "figures.json").exists()
