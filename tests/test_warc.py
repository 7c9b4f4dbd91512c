"""End to end: WARC capture of a crawl of the local site, and re-extraction of the archive from it."""

import html
import io
import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawler import cli
from crawler.siteurls import canonical_url
from crawler.warc import WarcFiles
from crawler.warc_records import warc_date, warc_record
from pipelines.archive.models import Article, ArticleUrl, ArticleVersion, CrawlRun
from tests.crawling import ROOT, run_crawl
from tests.databases import unavailable
from tests.site import SiteModel, serve
from tests.test_crawl_incremental import comparable, table
from tests.test_rendering import SCRIPT_BUILT

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"

# The bug the re-extraction fixes: an author parser that kept only the first name of a byline.
FIRST_AUTHOR_ONLY = """
import crawler.pages.byline as byline

_split = byline.split_authors
byline.split_authors = lambda text: _split(text)[:1]
"""


def records(folder):
    """Every record of the WARC files in a folder: (type, target URI, WARC headers, fields or HTTP status)."""
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata":
                    text = record.content_stream().read().decode()
                    detail = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
                elif record.rec_type == "response":
                    detail = record.http_headers.get_statuscode()
                else:
                    detail = None
                found.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers,
                        detail,
                    )
                )
    return found


def record_pages(folder):
    """Where each response record of the WARC files in a folder is (`FILE#OFFSET`): its page's canonical URL."""
    found = {}
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                if record.rec_type in ("response", "resource"):
                    target = record.rec_headers.get_header("WARC-Target-URI")
                    iterator.read_to_end(record)
                    found[f"{path.name}#{iterator.get_record_offset()}"] = canonical_url(target)
    return found


def captured_crawl(model, folder, settings=None, env=None):
    """A crawl of the local site into folder/crawled.db, capturing into folder/warc:
    (archive URL, the site's base URL, the paths it served)."""
    database_url = f"sqlite:///{folder / 'crawled.db'}"
    settings = {"WARC_DIR": str(folder / "warc"), **(settings or {})}
    with serve(model) as (base_url, site):
        result = run_crawl("asia_pacific", base_url, database_url, settings=settings, env=env)
        served = set(site.requests)
    assert result.returncode == 0, result.log[-3000:]
    return database_url, base_url, served


def reextract(warc_dir, database_url, workers=1):
    out = io.StringIO()
    argv = ["reextract", "--from-warc", str(warc_dir), "--db", database_url, "--workers", str(workers)]
    code = cli.main(argv, out=out)
    assert code == 0, out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A crawl of the local site with capture on: (site model, archive URL, WARC folder, paths fetched)."""
    folder = tmp_path_factory.mktemp("warc-crawl")
    model = SiteModel(
        {SECTION: 64, "/world/europe": 3},
        dead_links={"soft404": 2, "hard404": 1, "redirect_home": 1, "failed": 1},
    )
    # Small files, so that the crawl rolls over to new ones.
    database_url, base_url, fetched = captured_crawl(model, folder, {"WARC_MAX_SIZE_MB": "0.1"})
    return model, database_url, folder / "warc", fetched, base_url


def test_the_warc_files_validate_with_warcio_check(crawled):
    *_, warc_dir, _, _ = crawled
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) > 2, "the files roll over at WARC_MAX_SIZE_MB"
    for path in files:
        with path.open("rb") as stream:
            assert next(iter(ArchiveIterator(stream))).rec_type == "warcinfo"
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, files)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "digest pass" in check.stdout


def test_every_fetched_url_has_a_response_record_with_its_request_and_context(crawled):
    model, _, warc_dir, fetched, base_url = crawled
    found = records(warc_dir)
    assert found[0][0] == "warcinfo"
    responses = {urlsplit(uri).path for kind, uri, _, _ in found if kind == "response"}
    assert fetched <= responses, sorted(fetched - responses)
    by_id = {headers.get_header("WARC-Record-ID"): (kind, uri) for kind, uri, headers, _ in found}
    for kind, uri, headers, _ in found:
        if kind in ("request", "metadata"):
            assert by_id[headers.get_header("WARC-Concurrent-To")] == ("response", uri)
        assert headers.protocol == "WARC/1.1"
    # The context extraction needs: an article's list page and listed time; a page's first page.
    contexts = {uri: detail for kind, uri, _, detail in found if kind == "metadata"}
    article = model.articles(SECTION)[0]
    context = contexts[base_url + article.path()]
    assert context["page-kind"] == "article" and context["list-page"] == "1"
    assert datetime.fromisoformat(context["listed-at"]) == article.expected()["date_published"]
    assert context["section"] == SECTION and context["referrer"] == f"{base_url}{SECTION}"
    extra = [detail for detail in contexts.values() if detail["page-kind"] == "extra-page"]
    assert extra and all(detail["article-first-page"].startswith(base_url) for detail in extra)
    assert {detail.get("probe-shape") for detail in contexts.values()} >= {
        "new_article",
        "old_article",
        "list",
    }
    # Errors are kept as the server sent them, each retried answer included.
    statuses = [detail for kind, _, _, detail in found if kind == "response"]
    assert "404" in statuses and statuses.count("503") >= 2


def test_the_run_and_each_version_say_where_their_records_are(crawled):
    _, database_url, warc_dir, _, _ = crawled
    (run,) = table(database_url, select(CrawlRun))
    assert sorted(map(Path, run.warc_files)) == sorted(path.resolve() for path in warc_dir.glob("*.warc.gz"))
    # A story found under two URLs keeps the versions of both copies: a record may be either's.
    paths: dict[int, set[str]] = {}
    for row in table(database_url, select(Article.id, Article.canonical_url)):
        paths.setdefault(row.id, set()).add(urlsplit(row.canonical_url).path)
    for row in table(database_url, select(ArticleUrl.article_id, ArticleUrl.url)):
        paths.setdefault(row.article_id, set()).add(urlsplit(row.url).path)
    versions = table(database_url, select(ArticleVersion.article_id, ArticleVersion.warc_records))
    assert versions
    for version in versions:
        name, offset = version.warc_records[0].split("#")
        with (warc_dir / name).open("rb") as stream:
            stream.seek(int(offset))
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert (
                urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path in paths[version.article_id]
            )


@pytest.mark.parametrize("workers", [1, 3])
def test_reextracting_the_warcs_into_an_empty_archive_gives_the_crawled_archive(crawled, tmp_path, workers):
    """One process, or three each replaying its share of the articles: the same archive."""
    _, database_url, warc_dir, _, _ = crawled
    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    report = reextract(warc_dir, rebuilt, workers)
    assert "64 new" in report
    assert comparable(rebuilt) == comparable(database_url)


def test_reextract_reports_each_captured_crawl_as_a_json_object(crawled, tmp_path):
    _, _, warc_dir, _, _ = crawled
    out = io.StringIO()
    argv = ["reextract", "--from-warc", str(warc_dir), "--json", "--db", f"sqlite:///{tmp_path / 'j.db'}"]
    assert cli.main(argv, out=out) == 0, out.getvalue()
    [report] = [json.loads(line) for line in out.getvalue().splitlines()]
    files = sorted(path for path in warc_dir.iterdir() if path.name.endswith(".warc.gz"))
    assert report["warc_files"] == len(files) > 1
    assert (report["articles_new"], report["articles_updated"], report["exit_status"]) == (64, 0, 0)
    assert report["responses"] > 64 and report["dead_urls"] >= 4


def test_a_fixed_extraction_bug_is_applied_by_reextraction_with_versions_only_where_content_changed(tmp_path):
    model = SiteModel({SECTION: 40})
    with_bug = tmp_path / "bug"
    with_bug.mkdir()
    (with_bug / "sitecustomize.py").write_text(FIRST_AUTHOR_ONLY)
    database_url, _, _ = captured_crawl(model, tmp_path, env={"PYTHONPATH": str(with_bug)})
    expected = {a.canonical_url: a.authors for a in model.articles(SECTION)}
    several = {url for url, authors in expected.items() if len(authors) > 1}
    assert several and len(several) < len(expected), "the site must have both kinds of byline"
    stored = {row.canonical_url: row.authors for row in table(database_url, select(Article))}
    assert all(len(stored[url]) == 1 for url in several), "the crawl ran with the bug"

    report = reextract(tmp_path / "warc", database_url)

    stored = {row.canonical_url: row.authors for row in table(database_url, select(Article))}
    assert stored == expected
    assert f"{len(several)} updated" in report
    versions = table(database_url, select(Article.canonical_url, ArticleVersion.authors).join(Article))
    per_article = {url: [authors for u, authors in versions if u == url] for url in expected}
    for url, history in per_article.items():
        if url in several:
            assert history == [expected[url][:1], expected[url]], "one new version, with every author"
        else:
            assert history == [expected[url]], "no new version where nothing changed"
    # A new version links to the very records the crawl's version came from. A story with a
    # regional edition was read from whichever of its pages came first, in either run.
    links = table(
        database_url,
        select(Article.canonical_url, ArticleVersion.warc_records).join(Article).order_by(ArticleVersion.id),
    )
    pages_of = {url: {url} for url in expected}
    for edition in model.editions():
        pages_of[model.story_url(edition)].add(edition.canonical_url)
    read_from = record_pages(tmp_path / "warc")
    for url in several:
        crawled, reextracted = [row.warc_records for row in links if row.canonical_url == url]
        assert crawled and reextracted
        assert {read_from[record] for record in crawled + reextracted} <= pages_of[url]
        if pages_of[url] == {url}:
            assert reextracted == crawled


def pywb_bin():
    """The pywb of .ci/pywb-venv (it pins redis 2.10, so it cannot live beside scrapy-redis)."""
    folder = Path(os.environ.get("PYWB_VENV", ROOT / ".ci" / "pywb-venv")) / "bin"
    if not (folder / "pywb").exists():
        unavailable(f"pywb is not installed in {folder.parent} (.ci/run installs it there)")
    return folder


def test_an_archived_article_replays_in_pywb(crawled, tmp_path):
    model, _, warc_dir, _, base_url = crawled
    tools = pywb_bin()
    subprocess.run([tools / "wb-manager", "init", "news"], cwd=tmp_path, check=True, capture_output=True)
    files = [str(path) for path in sorted(warc_dir.glob("*.warc.gz"))]
    subprocess.run(
        [tools / "wb-manager", "add", "news", *files], cwd=tmp_path, check=True, capture_output=True
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [tools / "pywb", "-p", str(port), "-b", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    article = model.articles(SECTION)[0]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(
                    f"http://127.0.0.1:{port}/news/id_/{base_url}{article.path()}", timeout=10
                ) as answer:
                    page = answer.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert html.escape(article.headline, quote=False) in page or article.headline in page


def test_pages_chromium_rendered_are_captured_and_reextracted_without_a_browser(tmp_path, chromium):
    model = SiteModel({SECTION: 25, "/world/europe": 3}, script_built=SCRIPT_BUILT)
    database_url, base_url, _ = captured_crawl(model, tmp_path, {"RENDER_BROWSER_PATH": chromium})
    rendered = {uri for kind, uri, _, _ in records(tmp_path / "warc") if kind == "resource"}
    assert {base_url + model.article(SECTION, index).path() for index in SCRIPT_BUILT} <= rendered
    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    reextract(tmp_path / "warc", rebuilt)
    assert comparable(rebuilt) == comparable(database_url)
    bodies = {row.canonical_url: row.article_body for row in table(rebuilt, select(Article))}
    for index in SCRIPT_BUILT:
        article = model.article(SECTION, index)
        assert bodies[article.canonical_url] == article.body


def test_a_failed_write_leaves_no_half_record_behind(tmp_path):
    files = WarcFiles(tmp_path, "test", 10 * 2**20, {"software": "test"})

    def resource(text):
        return warc_record(
            "resource", "http://127.0.0.1/" + text, text.encode(), "text/plain", date=warc_date()
        )

    files.write(resource("first"))
    size = files.current.stat().st_size
    real_write = files._file.write

    def disk_full(data):
        real_write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    files._file.write = disk_full
    with pytest.raises(OSError):
        files.write(resource("second"))
    assert files.current.stat().st_size == size
    files._file.write = real_write
    (link,) = files.write(resource("third"))
    files.close()
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(files.current)], capture_output=True
    )
    assert check.returncode == 0
    assert [uri for _, uri, _, _ in records(tmp_path)][1:] == [
        "http://127.0.0.1/first",
        "http://127.0.0.1/third",
    ]
    assert link.endswith(f"#{size}")
