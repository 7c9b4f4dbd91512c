"""The chinadaily-archive command on SQLite and PostgreSQL, bad input included (crawler/cli/)."""

import csv
import io
import json
import os
from dataclasses import replace

import pyarrow.parquet as pq
import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from crawler.cli import main
from crawler.items import SectionListingItem
from pipelines.archive import Archive, alembic_config
from pipelines.archive.models import Article
from tests.databases import archive_database
from tests.sample_archive import BASE, STORIES, fill_sample_archive, item


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive_url(request, tmp_path_factory):
    """The sample archive, made once per engine, for the tests that only read it."""
    with archive_database(request.param, tmp_path_factory.mktemp("archive"), migrated=True) as url:
        fill_sample_archive(url)
        yield url


@pytest.fixture
def own_archive_url(migrated_database_url):
    """A sample archive of the test's own, for the tests that change it."""
    fill_sample_archive(migrated_database_url)
    return migrated_database_url


def run(url, *argv):
    out = io.StringIO()
    code = main(["--db", url, *argv], out=out)
    return code, out.getvalue()


def count_articles(url):
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    return count


def test_search_ranks_finds_and_marks(archive_url):
    code, output = run(archive_url, "search", "rail link")
    assert code == 0
    assert output.startswith("1. Manila and Beijing sign rail link agreement")
    assert "[rail]" in output and "[link]" in output


@pytest.mark.parametrize(
    ("query", "headlines"),
    [
        ('"rail link"', {"Manila and Beijing sign rail link agreement"}),
        (
            "typhoon OR tariffs",
            {"Typhoon relief reaches Philippine islands", "EU ministers discuss tariffs on steel"},
        ),
        ("officials -tariffs -typhoon -café -rail", {"Port expansion lifts trade with ASEAN partners"}),
        ("negotiat*", {story[0] for story in STORIES}),
        ("cafe paulo", {"Café culture thrives in São Paulo’s old town"}),
        ("nothingmatchesthis", set()),
    ],
)
def test_search_language(archive_url, query, headlines):
    code, output = run(archive_url, "--json", "search", query)
    assert code == 0
    assert {json.loads(line)["headline"] for line in output.splitlines()} == headlines


def test_search_filters_and_date_sort(archive_url):
    code, output = run(archive_url, "search", "officials", "--json", "--author", "wang xu", "--sort", "date")
    assert code == 0
    hits = [json.loads(line) for line in output.splitlines()]
    assert [hit["headline"] for hit in hits] == [STORIES[2][0], STORIES[0][0]]
    for argv, expected in [
        (["--source", "Xinhua"], {STORIES[1][0], STORIES[4][0]}),
        (["--section", "World > Europe"], {STORIES[3][0]}),
        (["--section", "world"], {story[0] for story in STORIES}),
        (["--section", "/world"], {story[0] for story in STORIES[:4]}),
        (["--section", "/world/europe"], {STORIES[3][0]}),
        (["--section", "/china/"], {STORIES[2][0]}),
        (["--section", "/world/asia"], set()),
        (["--since", "2019-01-12", "--until", "2019-01-13"], {STORIES[2][0], STORIES[3][0]}),
        (["--limit", "1"], None),
    ]:
        code, output = run(archive_url, "--json", "search", "officials", *argv)
        found = {json.loads(line)["headline"] for line in output.splitlines()}
        assert code == 0
        assert found == expected if expected is not None else len(found) == 1


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--sort", "date"],
        ["--since", "2019-01-11"],
        ["--source", "xinhua"],
        ["--since", "2019-01-11", "--until", "2019-01-13", "--source", "china daily", "--sort", "date"],
    ],
)
def test_a_limited_search_is_the_first_rows_of_the_whole_one_each_with_its_snippet(archive_url, argv):
    # The best rows are chosen before their snippets are made (on SQLite, in a query of its own).
    def hits(*extra):
        code, output = run(archive_url, "--json", "search", "negotiations OR officials", *argv, *extra)
        assert code == 0
        return [json.loads(line) for line in output.splitlines()]

    every = hits()
    assert every and all("[" in hit["snippet"] for hit in every)
    for limit in range(1, len(every) + 1):
        assert hits("--limit", str(limit)) == every[:limit]


def test_show_by_id_url_and_alias(archive_url):
    code, by_id = run(archive_url, "show", "1")
    assert code == 0
    assert by_id.startswith("Manila and Beijing sign rail link agreement\nPublished 2019-01-10 04:00 UTC")
    assert "also at https://global.chinadaily.com.cn/" in by_id
    assert "A correction: the agreement was signed on Tuesday." in by_id
    for reference in (
        BASE.format(day=10, n=0)
        .replace("https://www.", "http://127.0.0.1:8000/")
        .replace("chinadaily.com.cn/", ""),
        "https://global.chinadaily.com.cn/a/201901/10/WS5c38db2fa3106c65c34e0000.html",
        BASE.format(day=10, n=0).replace(".html", "_2.html"),
    ):
        code, output = run(archive_url, "--json", "show", reference)
        assert code == 0, reference
        assert json.loads(output)["id"] == 1


def test_show_versions_and_diff(archive_url):
    code, versions = run(archive_url, "show", "1", "--versions")
    assert code == 0
    changes = [line.split()[-1] for line in versions.splitlines()[5:]]
    assert changes == ["first", "body"]
    code, diff = run(archive_url, "show", "1", "--diff")
    assert code == 0
    assert "--- version 1" in diff and "+++ version 2" in diff
    assert "+A correction: the agreement was signed on Tuesday." in diff
    code, record = run(archive_url, "--json", "show", "1", "--versions")
    assert len(json.loads(record)["versions"]) == 2


def test_export_jsonl_csv_and_parquet(archive_url, tmp_path):
    code, output = run(archive_url, "export")
    assert code == 0
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["headline"] for r in records] == [story[0] for story in STORIES]
    assert records[0]["images"] == [{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": "A picture"}]
    assert [r["sections"] for r in records] == [
        ["/world/asia_pacific"],
        ["/world/asia_pacific"],
        ["/world/asia_pacific", "/china/governmentandpolicy"],
        ["/world/europe"],
        [],
    ]
    code, _ = run(archive_url, "export", "--output", str(tmp_path / "a.csv"), "--source", "xinhua")
    assert code == 0
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["headline"] for row in rows] == [STORIES[1][0], STORIES[4][0]]
    assert json.loads(rows[0]["authors"]) == ["Chen Jia"]
    code, _ = run(archive_url, "export", "--output", str(tmp_path / "a.parquet"), "--with-html")
    assert code == 0
    parquet = pq.read_table(tmp_path / "a.parquet")
    assert parquet.num_rows == 5
    assert "article_body_html" in parquet.column_names


def test_stats_counts_and_charts(archive_url, tmp_path):
    code, output = run(archive_url, "--json", "stats")
    assert code == 0
    summary = json.loads(output)
    assert (summary["articles"], summary["first_day"], summary["last_day"]) == (5, "2019-01-10", "2019-01-14")
    assert summary["dead_urls"] == {"soft404": 1}
    code, output = run(archive_url, "--json", "stats", "--by", "author")
    assert json.loads(output.splitlines()[0]) == {"author": "Wang Xu", "articles": 2}
    code, output = run(archive_url, "--json", "stats", "--by", "month")
    assert [json.loads(line) for line in output.splitlines()] == [{"month": "2019-01", "articles": 5}]
    code, output = run(archive_url, "--json", "stats", "--by", "section")
    assert code == 0 and [json.loads(line) for line in output.splitlines()] == [
        {"section": "/world/asia_pacific", "articles": 3},
        {"section": "(not listed)", "articles": 1},
        {"section": "/china/governmentandpolicy", "articles": 1},
        {"section": "/world/europe", "articles": 1},
    ]
    code, output = run(archive_url, "stats", "--by", "breadcrumb")
    assert code == 0 and "World > Asia-Pacific  3" in output
    for name in ("chart.png", "chart.svg"):
        code, _ = run(archive_url, "stats", "--chart", str(tmp_path / name))
        assert code == 0
        assert (tmp_path / name).stat().st_size > 1000


def test_stats_by_section_counts_an_article_once_under_any_of_its_urls(own_archive_url):
    old_url = "https://www.chinadaily.com.cn/world/2019-01/19/content_37001.htm"
    archive = Archive.open(own_archive_url)
    archive.store(
        [
            replace(
                item(9, "Ferry line reopens", ["Wang Xu"], "China Daily", "World > Asia-Pacific"),
                aliases=[old_url],
            )
        ]
    )
    # Listed under its own URL and its old one in one section, under the old one only in another.
    archive.store([SectionListingItem("/world/asia_pacific", [old_url, BASE.format(day=19, n=9)])])
    archive.store([SectionListingItem("/world/archive", [old_url])])
    archive.close()

    def counts(*argv):
        code, output = run(own_archive_url, "--json", "stats", "--by", "section", *argv)
        assert code == 0
        return [tuple(json.loads(line).values()) for line in output.splitlines()]

    assert counts() == [
        ("/world/asia_pacific", 4),
        ("(not listed)", 1),
        ("/china/governmentandpolicy", 1),
        ("/world/archive", 1),
        ("/world/europe", 1),
    ]
    assert counts("--since", "2019-01-14") == [
        ("(not listed)", 1),
        ("/world/archive", 1),
        ("/world/asia_pacific", 1),
    ]
    assert counts("--section", "/world")[:2] == [
        ("/world/asia_pacific", 4),
        ("/china/governmentandpolicy", 1),
    ]
    assert counts("--source", "xinhua") == [("(not listed)", 1), ("/world/asia_pacific", 1)]
    assert counts("--author", "wang xu", "--limit", "2") == [
        ("/world/asia_pacific", 3),
        ("/china/governmentandpolicy", 1),
    ]


def test_dead_and_runs(archive_url):
    code, output = run(archive_url, "--json", "dead")
    assert code == 0
    assert [json.loads(line)["kind"] for line in output.splitlines()] == ["soft404"]
    code, output = run(archive_url, "runs")
    assert code == 0 and "asia_pacific" in output


@pytest.mark.parametrize(
    "argv",
    [
        ["search", '"unbalanced quote'],
        ["search", "OR"],
        ["search", "rail OR"],
        ["search", "-"],
        ["search", "NOT"],
        ["search", "'; DROP TABLE articles; --"],
        ["show", "'; DROP TABLE articles; --"],
        ["search", "rail", "--since", "2019-02-01", "--until", "2019-01-01"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(archive_url, argv, capsys):
    code, _ = run(archive_url, *argv)
    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith("chinadaily-archive: ") and error.count("\n") == 1
    assert count_articles(archive_url) == 5


def test_usage_errors_exit_2(archive_url):
    with pytest.raises(SystemExit) as stopped:
        run(archive_url, "export", "--format", "xml")
    assert stopped.value.code == 2


def test_hostile_text_in_a_filter_is_only_text(archive_url):
    code, output = run(archive_url, "--json", "search", "rail", "--author", "x'; DROP TABLE articles; --")
    assert (code, output) == (0, "")
    assert count_articles(archive_url) == 5


def test_unknown_article_exits_4(archive_url, capsys):
    assert run(archive_url, "show", "4242")[0] == 4
    assert (
        run(archive_url, "show", "https://www.chinadaily.com.cn/a/201901/01/WS000000000000000000000000.html")[
            0
        ]
        == 4
    )
    assert capsys.readouterr().err.count("\n") == 2


def test_a_missing_archive_exits_3(tmp_path, capsys):
    code, _ = run(str(tmp_path / "nothing-here.db"), "search", "rail")
    assert code == 3
    assert "no archive at" in capsys.readouterr().err


def test_a_newer_or_older_schema_is_refused_and_upgrade_mends_the_older(database_url, capsys):
    fill_sample_archive(database_url)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert run(database_url, "search", "rail")[0] == 3
    assert "newer than this chinadaily-archive knows" in capsys.readouterr().err
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_incremental_crawls")
    engine.dispose()
    assert run(database_url, "search", "rail")[0] == 3
    assert "older than this chinadaily-archive's" in capsys.readouterr().err
    assert run(database_url, "upgrade")[0] == 0
    code, output = run(database_url, "--json", "search", "rail")
    assert code == 0 and json.loads(output.splitlines()[0])["headline"] == STORIES[0][0]


def test_read_commands_do_not_write(own_archive_url, tmp_path):
    if own_archive_url.startswith("sqlite"):
        path = own_archive_url.removeprefix("sqlite:///")
        Archive.open(own_archive_url).close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.chmod(path + suffix, 0o444)
        before = os.stat(path).st_mtime_ns
        for argv in (["search", "rail"], ["show", "1"], ["export"], ["stats"], ["dead"], ["runs"]):
            assert run(own_archive_url, *argv)[0] == 0, argv
        assert os.stat(path).st_mtime_ns == before
    else:
        from pipelines.archive.reader import ArchiveReader

        reader = ArchiveReader(own_archive_url)
        with pytest.raises(Exception, match="read-only"), reader.engine.begin() as connection:
            connection.execute(text("DELETE FROM articles"))
        reader.close()
        assert count_articles(own_archive_url) == 5


def test_the_search_index_follows_edits(own_archive_url):
    archive = Archive.open(own_archive_url)
    changed = item(
        3, "EU ministers discuss quotas on aluminium", ["Li Yang"], "China Daily", "World > Europe"
    )
    archive.store([changed])
    archive.close()
    assert run(own_archive_url, "--json", "search", "tariffs")[1] == ""
    assert (
        json.loads(run(own_archive_url, "--json", "search", "aluminium")[1])["headline"] == changed.headline
    )


def test_since_and_until_are_whole_utc_days(archive_url):
    code, output = run(archive_url, "--json", "export", "--since", "2019-01-14", "--until", "2019-01-14")
    assert code == 0
    assert [json.loads(line)["headline"] for line in output.splitlines()] == [STORIES[4][0]]
    code, output = run(archive_url, "--json", "export", "--until", "2019-01-10")
    assert [json.loads(line)["headline"] for line in output.splitlines()] == [STORIES[0][0]]


def json_lines(url, *argv):
    out = io.StringIO()
    code = main([arg.replace("{db}", url) for arg in argv], out=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    "orders",
    [
        [
            ["stats", "--json", "--db", "{db}"],
            ["--db", "{db}", "stats", "--json"],
            ["--json", "stats", "--db", "{db}"],
        ],
        [
            ["stats", "--by", "section", "--db", "{db}", "--json"],
            ["--db", "{db}", "--json", "stats", "--by", "section"],
        ],
        [
            ["search", "rail", "--json", "--db", "{db}"],
            ["--json", "--db", "{db}", "search", "rail", "--limit", "20"],
        ],
        [["show", "1", "--db", "{db}", "--json"], ["--db", "{db}", "--json", "show", "1"]],
        [
            ["export", "--db", "{db}", "--since", "2019-01-11"],
            ["--db", "{db}", "export", "--since", "2019-01-11"],
        ],
        [["dead", "--json", "--db", "{db}"], ["--json", "--db", "{db}", "dead"]],
        [
            ["runs", "--db", "{db}", "--json"],
            ["--db", "{db}", "runs", "--json"],
            ["--json", "runs", "--db", "{db}"],
        ],
        [["runs", "--shared", "--json", "--db", "{db}"], ["--db", "{db}", "--json", "runs", "--shared"]],
    ],
    ids=lambda orders: " ".join(orders[0][:2]),
)
def test_every_option_works_before_or_after_its_command(archive_url, orders):
    answers = [json_lines(archive_url, *argv) for argv in orders]
    assert answers[0][0] == 0
    assert all(answer == answers[0] for answer in answers[1:])


def test_the_readme_s_commands_as_written(archive_url, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", archive_url)
    url = BASE.format(day=10, n=0)
    for argv in (
        ["search", "rail link", "--limit", "1"],
        ["show", url, "--diff"],
        ["export", "--since", "2019-01-11", "-o", "recent.csv"],
        ["stats", "--by", "day"],
        ["runs"],
        ["runs", "--shared"],
    ):
        assert main(argv, out=io.StringIO()) == 0, argv
    assert (tmp_path / "recent.csv").read_text().count("\n") >= 4
    # Without Redis, or without WARC files, the command says so in one line.
    assert main(["frontier", "--redis", "redis://127.0.0.1:9/0", "--json"], out=io.StringIO()) == 3
    assert main(["reextract", "--from-warc", str(tmp_path / "warc"), "--db", archive_url]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in errors] == ["chinadaily-archive"] * 2
    assert "Redis at redis://127.0.0.1:9/0 cannot be read" in errors[0]
