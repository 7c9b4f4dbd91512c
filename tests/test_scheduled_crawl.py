"""The scheduled workflow's scripts, run here as the workflow runs them (scripts/*.sh)."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from pipelines.archive.models import Article
from tests.crawling import ROOT
from tests.site import SiteModel, serve

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def run_script(name, env, *args, cwd=ROOT):
    environment = {**os.environ, **env}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def articles(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    return count


def test_the_scheduled_crawl_twice_adds_only_what_changed(tmp_path):
    model = SiteModel({SECTION: 30, "/world/europe": 3})
    database_url = f"sqlite:///{tmp_path / 'archive.db'}"
    summary = tmp_path / "step-summary.md"
    with serve(model) as (base_url, _):
        env = {
            "CHINADAILY_BASE_URL": base_url,
            "CHINADAILY_SEARCH_BASE_URL": base_url,
            "ARCHIVE_DATABASE_URL": database_url,
            "OUTPUT_DIR": str(tmp_path / "first"),
            "GITHUB_STEP_SUMMARY": str(summary),
            # The audit's week: the local site's newest articles.
            "AUDIT_UNTIL": "2017-01-05",
        }
        first = run_script("scheduled_crawl.sh", env, *FAST)
        after_first = articles(database_url)
        model.add_articles(SECTION, 2)
        second = run_script("scheduled_crawl.sh", {**env, "OUTPUT_DIR": str(tmp_path / "second")}, *FAST)
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    # The default spider is the whole site: both sections of the local site's World menu.
    assert after_first == len(model.articles(SECTION)) - 2 + len(model.articles("/world/europe"))
    assert articles(database_url) == after_first + 2
    for run, new in (("first", after_first), ("second", 2)):
        stats = json.loads((tmp_path / run / "stats.json").read_text())
        assert stats["archive/articles_new"] == new
        assert stats["health/failed"] == []
        assert (tmp_path / run / "crawl.log").stat().st_size > 0
        assert list((tmp_path / run / "warc").glob("*.warc.gz")), "the scheduled crawl keeps WARC files"
        assert f"| new articles | {new} |" in (tmp_path / run / "summary.md").read_text()
    step_summary = summary.read_text()
    assert step_summary.count("## Crawl summary") == 2
    assert "| walk | incremental |" in step_summary
    assert "| /world/europe | 1 | 3 | 3 | template |" in step_summary  # first run: every section's row
    assert "Health checks passed." in step_summary
    # After each crawl, the coverage audit of its last 7 days: the list walk found every article.
    assert step_summary.count("## Coverage audit") == 2
    assert "Search coverage 2016-12-30..2017-01-05: 100.0% of" in step_summary
    assert "7 of 7 days audited" in step_summary


def test_a_failed_health_check_fails_the_scheduled_crawl(tmp_path):
    model = SiteModel({SECTION: 25, "/world/europe": 3}, list_item_class="news-item")
    with serve(model) as (base_url, _):
        env = {
            "CHINADAILY_BASE_URL": base_url,
            "ARCHIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'archive.db'}",
            "OUTPUT_DIR": str(tmp_path / "out"),
            "AUDIT_DAYS": "0",
        }
        result = run_script("scheduled_crawl.sh", env, *FAST)
    assert result.returncode == 1
    assert "**Health checks failed:**" in (tmp_path / "out" / "summary.md").read_text()
    assert "list template" in result.stderr


def fake_gh(tmp_path: Path, has_release: bool) -> dict[str, str]:
    """A `gh` on PATH that records its calls, for the publishing scripts."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "gh.log"
    gh = bin_dir / "gh"
    gh.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {log}\n'
        f'if [ "$1 $2" = "release view" ]; then exit {0 if has_release else 1}; fi\n'
        "exit 0\n"
    )
    gh.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_LOG": str(log)}


def test_publishing_checkpoints_compresses_and_uploads_the_archive(tmp_path):
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    (work / "scripts" / "publish_archive.sh").write_text(
        (ROOT / "scripts" / "publish_archive.sh").read_text()
    )
    database = work / "archive.db"
    from pipelines.archive import Archive

    Archive.open(f"sqlite:///{database}").close()
    env = {**fake_gh(tmp_path, has_release=False), "OUTPUT_DIR": str(tmp_path / "out")}
    result = subprocess.run(
        ["bash", "scripts/publish_archive.sh"],
        cwd=work,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = Path(env["GH_LOG"]).read_text().splitlines()
    assert calls[0] == "release view archive"
    assert calls[1].startswith("release create archive")
    assert calls[2] == "release upload archive archive.db.gz --clobber"
    assert (tmp_path / "out" / "archive.db.gz").stat().st_size > 0
    assert not (work / "archive.db-wal").exists() or (work / "archive.db-wal").stat().st_size == 0


def test_the_publishing_scripts_leave_a_postgresql_archive_alone(tmp_path):
    env = {**fake_gh(tmp_path, has_release=True), "ARCHIVE_DATABASE_URL": "postgresql+psycopg://x@y/z"}
    for name in ("restore_archive.sh", "publish_archive.sh"):
        result = run_script(name, env, cwd=tmp_path)
        assert result.returncode == 0
        assert "PostgreSQL" in result.stdout
    assert not Path(env["GH_LOG"]).exists()
