"""Every command of chinadaily-archive through click's CliRunner: its happy path, a bad input, its help (crawler/cli/)."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from crawler.cli import cli
from crawler.items import ArticleItem, DeadUrlItem, FailedUrlItem
from pipelines.archive import Archive
from tests.databases import archive_database
from tests.sample_archive import BASE, fill_sample_archive

COMMANDS = (
    "search",
    "show",
    "export",
    "stats",
    "dead",
    "runs",
    "frontier",
    "upgrade",
    "reextract",
    "serve",
    "diagnose",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    with archive_database("sqlite", tmp_path_factory.mktemp("archive"), migrated=True) as url:
        fill_sample_archive(url)
        yield url


def invoke(*argv):
    result = CliRunner().invoke(cli, list(argv))
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr):
    """A problem the user can act on is said in one line, without a traceback."""
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("chinadaily-archive: ") and "Traceback" not in stderr


def test_every_command_is_there_with_help_and_an_example():
    code, output, _ = invoke("--help")
    assert code == 0 and all(name in output for name in COMMANDS)
    assert "Exit status:" in output
    for name in COMMANDS:
        code, output, _ = invoke(name, "--help")
        assert code == 0, name
        assert f"Example: chinadaily-archive {name}" in output, name
        assert "--db" in output and "--json" in output, name


def test_the_version_is_the_package_s():
    from importlib.metadata import version

    code, output, _ = invoke("--version")
    assert (code, output.strip()) == (0, f"chinadaily-archive, version {version('chinadaily-archive')}")


@pytest.mark.parametrize(
    ("argv", "check"),
    [
        (["search", "rail link"], lambda out: "Rail link" in out or "rail link" in out.lower()),
        (["show", "1"], lambda out: BASE.format(day=10, n=0) in out),
        (["export", "--since", "2019-01-13"], lambda out: len(out.splitlines()) == 2),
        (["stats", "--by", "section"], lambda out: "/world/asia_pacific         3" in out),
        (["dead"], lambda out: "soft404" in out),
        (["runs"], lambda out: "asia_pacific" in out),
        (["upgrade"], lambda out: "up to date" in out),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_each_command_s_happy_path(archive, argv, check):
    code, output, stderr = invoke(*argv, "--db", archive)
    assert code == 0, stderr
    assert check(output), output


def test_json_lines_after_the_command_or_before_it(archive):
    after = invoke("stats", "--json", "--db", archive)
    before = invoke("--db", archive, "--json", "stats")
    assert after == before
    assert json.loads(after[1])["articles"] == 5


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["search", "rail", "--since", "2019-13-01"], 2, "'2019-13-01' does not match the format"),
        (["stats", "--until", "yesterday"], 2, "'yesterday' does not match the format"),
        (["show", "4242"], 4, "no article 4242"),
        (["search", '"unclosed'], 2, "unbalanced quote"),
        (["export", "--format", "sqlite"], 2, "written to a file"),
        (["diagnose", "--run", "99", "-o", "r.tar.gz"], 4, "no crawl run 99"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_bad_input_is_one_line_and_its_exit_status(archive, argv, code, says):
    exit_code, _, stderr = invoke(*argv, "--db", archive)
    assert exit_code == code
    assert says in stderr and "Traceback" not in stderr
    if code != 2 or "format" not in says:  # click's own usage errors add a usage line before
        assert one_line_error(stderr), stderr


def test_an_unreachable_database_is_one_line(tmp_path):
    for argv in (
        ["stats", "--db", str(tmp_path / "nothing.db")],
        ["runs", "--db", "postgresql+psycopg://nobody@127.0.0.1:9/none"],
    ):
        code, _, stderr = invoke(*argv)
        assert code == 3, stderr
        assert one_line_error(stderr), stderr


def test_frontier_without_redis_is_one_line():
    code, _, stderr = invoke("frontier", "--redis", "redis://127.0.0.1:9/0", "--json")
    assert code == 3 and one_line_error(stderr)
    assert "Redis at redis://127.0.0.1:9/0 cannot be read" in stderr


def test_reextract_without_warc_files_is_one_line(archive, tmp_path):
    code, _, stderr = invoke("reextract", "--from-warc", str(tmp_path / "none"), "--db", archive)
    assert code == 2 and one_line_error(stderr)
    assert "no WARC file or folder" in stderr


def test_serve_refuses_an_archive_datasette_cannot_open():
    code, _, stderr = invoke("serve", "--db", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert code == 2 and one_line_error(stderr)
    assert "export --db URL --format sqlite" in stderr


def test_upgrade_says_the_revision_it_left_the_archive_at(archive):
    code, output, _ = invoke("upgrade", "--json", "--db", archive)
    with create_engine(archive).connect() as connection:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert (code, json.loads(output)) == (0, {"schema": "up to date", "revision": revision})


def test_export_takes_its_format_from_the_file_name(archive, tmp_path):
    for name, first in (("articles", "{"), ("articles.ndjson", "{"), ("articles.CSV", "id,")):
        code, _, stderr = invoke("export", "-o", str(tmp_path / name), "--db", archive)
        assert code == 0, stderr
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(first)
    code, _, stderr = invoke("export", "-o", str(tmp_path / "articles.txt"), "--db", archive)
    assert code == 2 and one_line_error(stderr) and "give --format" in stderr
    assert not (tmp_path / "articles.txt").exists()


def test_show_and_dead_tell_the_pages_an_article_was_stored_without(tmp_path):
    url = BASE.format(day=20, n=99)
    page_2, page_3 = url.replace(".html", "_2.html"), url.replace(".html", "_3.html")
    with archive_database("sqlite", tmp_path, migrated=True) as database:
        archive = Archive.open(database)
        article = ArticleItem(
            url=url,
            canonical_url=url,
            headline="Gallery: spring on the river",
            article_body="Page one.",
            pages_expected=3,
            pages_stored=1,
            pages_missing=[page_2, page_3],
        )
        archive.store(
            [
                article,
                FailedUrlItem(url=page_2, reason=f"page 2 of {url}: HTTP 503 after retries"),
                DeadUrlItem(page_3, page_3, "http_error", f"page 3 of {url}: HTTP 404", 404, url),
            ]
        )
        archive.close()
        code, output, _ = invoke("show", url, "--db", database)
        assert code == 0
        assert "Incomplete: 1 of 3 pages stored" in output
        assert f"missing {page_2} (failed: page 2 of {url}: HTTP 503 after retries)" in output
        assert f"missing {page_3} (http_error: page 3 of {url}: HTTP 404)" in output
        code, output, _ = invoke("dead", "--json", "--db", database)
        assert {(row["kind"], row["url"]) for row in map(json.loads, output.splitlines())} == {
            ("failed", page_2),
            ("http_error", page_3),
        }
        code, output, _ = invoke("dead", "--kind", "failed", "--json", "--db", database)
        assert [json.loads(line)["url"] for line in output.splitlines()] == [page_2]


def test_no_progress_bar_when_standard_error_is_not_a_terminal(archive):
    code, output, stderr = invoke("export", "--db", archive)
    assert code == 0 and stderr == ""
    assert len(output.splitlines()) == 5


def test_a_progress_bar_on_a_terminal(monkeypatch, capsys):
    import sys

    from crawler.cli.output import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress(3, "Exporting {:,} articles") as step:
        for _ in range(3):
            step(1)
    assert "Exporting 3 articles" in capsys.readouterr().err
