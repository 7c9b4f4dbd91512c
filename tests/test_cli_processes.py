"""Each chinadaily-archive command as a user runs it, a process of its own: serve's Datasette, diagnose's bundle, snapshots."""

import json
import socket
import subprocess
import sys
import tarfile

import pytest
from sqlalchemy import create_engine, func, select

from pipelines.archive.models import Article, Base
from pipelines.archive.sectioncounts import kept_statement
from tests.crawling import ROOT, run_crawl
from tests.databases import archive_database
from tests.sample_archive import BASE, STORIES, fill_sample_archive
from tests.serving import fetch, served
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
(CAFE,) = [story[0] for story in STORIES if story[0].startswith("Café")]


def command(*argv, timeout=120):
    """`chinadaily-archive ARGV` in a process of its own: (exit status, stdout, stderr)."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archive")
    with archive_database("sqlite", folder, migrated=True) as url:
        fill_sample_archive(url)
        yield url, folder


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search", "rail link", "--json"], "headline"),
        (["show", "1", "--json"], BASE.format(day=10, n=0)),
        (["export", "--since", "2019-01-13"], '"canonical_url"'),
        (["stats", "--json"], '"articles": 5'),
        (["dead", "--json"], '"soft404"'),
        (["runs", "--json"], '"asia_pacific"'),
        (["upgrade"], "up to date"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_each_reading_command_as_a_process(archive, argv, expected):
    url, _ = archive
    code, output, stderr = command(*argv, "--db", url)
    assert code == 0, stderr
    assert expected in output


def test_the_commands_that_need_more_say_what_is_missing_in_one_line(archive, tmp_path):
    url, _ = archive
    for argv, status in (
        (["frontier", "--redis", "redis://127.0.0.1:9/0"], 3),
        (["reextract", "--from-warc", str(tmp_path / "no-warc"), "--db", url], 2),
        (["diagnose", "--run", "99", "-o", str(tmp_path / "r.tar.gz"), "--db", url], 4),
    ):
        code, _, stderr = command(*argv)
        assert code == status, stderr
        assert stderr.startswith("chinadaily-archive: ") and stderr.count("\n") == 1, stderr


def test_serve_shows_the_archive_and_its_dashboard_and_writes_nothing(archive):
    url, folder = archive
    path = folder / "archive.db"
    before = path.stat().st_mtime_ns, path.read_bytes()
    with served(url) as base:
        status, page = fetch(f"{base}/-/dashboards/archive")
        assert status == 200 and "The archive at a glance" in page
        # The charts draw with the plugin's own Vega files: nothing comes from another host.
        assert "/-/static-plugins/datasette_dashboards/vega-lite.min.js" in page
        assert "cdn" not in page.lower() and "https://" not in page.split("<body")[0]
        status, rows = fetch(f"{base}/archive/articles.json?_shape=array&_search=cafe")
        assert status == 200 and [row["headline"] for row in json.loads(rows)] == [CAFE]
        status, canned = fetch(f"{base}/archive/latest_articles.json?_shape=array")
        assert status == 200 and len(json.loads(canned)) == 5
        for sql in ("DELETE FROM articles", "UPDATE articles SET headline = 'x'", "DROP TABLE articles"):
            status, answer = fetch(f"{base}/archive.json?sql={sql.replace(' ', '+')}")
            assert status == 400 and "must be a SELECT" in answer
        status, _ = fetch(f"{base}/-/create")
        assert status in (403, 404, 405)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_serve_listens_on_this_machine_only_by_default(archive):
    url, _ = archive
    code, output, _ = command("serve", "--help")
    assert code == 0 and "[default: 127.0.0.1]" in output
    with served(url) as base:
        assert base.startswith("http://127.0.0.1:")
        port = int(base.rsplit(":", 1)[1])
        outward = socket.gethostbyname(socket.gethostname())
        if not outward.startswith("127."):
            with pytest.raises(OSError), socket.create_connection((outward, port), timeout=2):
                pass


def test_a_snapshot_holds_every_row_and_can_be_searched_and_served(database_url, tmp_path):
    fill_sample_archive(database_url)
    snapshot = tmp_path / "snapshot.db"
    code, output, stderr = command("export", "--db", database_url, "--format", "sqlite", "-o", str(snapshot))
    assert code == 0, stderr
    assert output == "" and stderr == ""
    source, copy = create_engine(database_url), create_engine(f"sqlite:///{snapshot}")
    with source.connect() as a, copy.connect() as b:
        for table in Base.metadata.sorted_tables:
            count = select(func.count()).select_from(table)
            assert a.scalar(count) == b.scalar(count), table.name
        headlines = select(Article.headline).order_by(Article.id)
        assert list(a.scalars(headlines)) == list(b.scalars(headlines))
        assert list(b.execute(kept_statement())) == list(a.execute(kept_statement())) != []
    source.dispose(), copy.dispose()
    code, output, _ = command("search", "cafe", "--json", "--db", str(snapshot))
    assert code == 0 and json.loads(output)["headline"] == CAFE
    code, _, stderr = command("export", "--db", database_url, "--format", "sqlite", "-o", str(snapshot))
    assert code == 2 and "exists" in stderr


def test_diagnose_bundles_what_a_run_could_not_read_cleanly(tmp_path):
    model = SiteModel(
        {SECTION: 30},
        faults={9: "template_changed", 10: "date_future"},
        dead_links={"thin": 2, "soft404": 1},
    )
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(model) as (base_url, _):
        assert (
            run_crawl("asia_pacific", base_url, url, settings={"WARC_DIR": str(tmp_path / "warc")}).returncode
            == 0
        )
    report = tmp_path / "report.tar.gz"
    code, output, stderr = command("diagnose", "--db", url, "-o", str(report), "--json")
    assert code == 0, stderr
    assert json.loads(output) == {"run": 1, "file": str(report), "fallback": 1, "thin": 2, "doubtful": 1}
    with tarfile.open(report) as bundle:
        names = set(bundle.getnames())
        read = {name: bundle.extractfile(name).read() for name in names}
    assert {"diagnose/stats.json", "diagnose/report.json", "diagnose/README.txt"} <= names
    found = json.loads(read["diagnose/report.json"])
    assert found["run"]["id"] == 1 and found["health_failed"] == []
    # The changed template, and the two thin pages, which the generic extractor could not read either.
    assert found["signals"]["extract/fallback"] == 3 and found["signals"]["dates/in_the_future"] == 1
    assert found["signals"]["list/first_page_items"] >= 20
    assert found["dead_urls_by_kind"] == {"soft404": 1, "thin": 2}
    changed = model.article(SECTION, 9)
    (fallback,) = found["samples"]["fallback"]
    assert fallback["url"].endswith(changed.path()) and fallback["reason"] == "generic extractor"
    assert b'id="story-main"' in read[f"diagnose/{fallback['file']}"]
    (doubtful,) = found["samples"]["doubtful"]
    assert doubtful["url"].endswith(model.article(SECTION, 10).path())
    assert doubtful["date_problems"] == ["in_the_future"]
    thin = {sample["url"].split("/", 3)[3] for sample in found["samples"]["thin"]}
    assert len(thin) == 2 and all(read[f"diagnose/{sample['file']}"] for sample in found["samples"]["thin"])
    assert json.loads(read["diagnose/stats.json"])["archive/articles_new"] == len(model.articles(SECTION)) - 0
