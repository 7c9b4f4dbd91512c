"""End to end: three `scrapy crawl` workers sharing one frontier in Redis and one PostgreSQL archive."""

import io
import json
import signal
import time

import pytest
from sqlalchemy import select

from crawler import cli
from pipelines.archive.models import Article, ArticleVersion, CrawlRun, CrawlState
from tests.crawling import our_warnings, run_crawl, start_crawl
from tests.databases import postgres_database
from tests.redis_server import REDIS_URL, redis_prefix
from tests.site import SiteModel, serve
from tests.test_crawl_incremental import comparable, table

pytestmark = pytest.mark.e2e

SECTION = "/world/asia_pacific"
WORKERS = 3


def shared_settings(prefix, **more):
    return {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "REDIS_WORKER_TIMEOUT_SECONDS": "6",
        "CONCURRENT_REQUESTS": "8",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        **more,
    }


def start_workers(base_url, database_url, prefix, count=WORKERS, **more):
    return [
        start_crawl("asia_pacific", base_url, database_url, settings=shared_settings(prefix, **more))
        for _ in range(count)
    ]


def finish(workers, timeout=300):
    """Each worker's exit status and log."""
    results = []
    for worker in workers:
        log, _ = worker.communicate(timeout=timeout)
        results.append((worker.returncode, log))
    return results


def worker_runs(database_url):
    """The crawl_runs rows of the workers of shared runs: {run id: [stats of each worker]}."""
    runs = {}
    for row in table(database_url, select(CrawlRun)):
        stats = row.stats or {}
        if "shared/run" in stats:
            runs.setdefault(stats["shared/run"], []).append(stats)
    return runs


def cli_json(*argv):
    out = io.StringIO()
    assert cli.main([*argv, "--json"], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def prefix():
    with redis_prefix() as name:
        yield name


def test_three_workers_archive_every_article_once_each_taking_part(tmp_path, prefix):
    model = SiteModel({SECTION: 540, "/world/europe": 3}, dead_links={"soft404": 3, "hard404": 2})
    single = f"sqlite:///{tmp_path / 'single.db'}"
    with postgres_database() as shared, serve(model, article_delay=0.02) as (base_url, site):
        assert run_crawl("asia_pacific", base_url, single).returncode == 0
        # The walk begins once all three workers are up (each has asked for robots.txt), so
        # that none finds the work done for the others' slower start.
        robots_before = site.requests["/robots.txt"]
        first_list_page = site.hold(SECTION)
        workers = start_workers(base_url, shared, prefix)
        deadline = time.monotonic() + 60
        while site.requests["/robots.txt"] < robots_before + WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        first_list_page.set()
        results = finish(workers)
        for code, log in results:
            assert code == 0, log[-3000:]
            assert our_warnings(log) == []
            assert "scrapy_redis" not in "".join(line for line in log.splitlines() if "Warning" in line), (
                "scrapy-redis's own deprecation warnings are filtered"
            )
        # Every article once, as a single process archives them, with one version each.
        assert comparable(shared) == comparable(single)
        assert len(table(shared, select(ArticleVersion.id))) == len(model.articles(SECTION))
        (state,) = table(shared, select(CrawlState))
        assert state.backfill_complete
        # One crawl_runs row per worker, all of one shared run; each archived a share of it.
        (workers,) = worker_runs(shared).values()
        assert len(workers) == WORKERS
        pages = [stats.get("downloader/response_count", 0) for stats in workers]
        assert all(stats.get("archive/articles_new", 0) > 0 for stats in workers), pages
        assert sum(stats.get("archive/articles_new", 0) for stats in workers) == len(model.articles(SECTION))
        assert sorted(stats["shared/role"] for stats in workers) == ["join", "join", "seed"]
        # What a user watching the run sees: the totals per shared run, and Redis's view of it.
        (totals,) = cli_json("runs", "--shared", "--db", shared)
        assert (totals["workers"], totals["finished"]) == (WORKERS, WORKERS)
        assert totals["archive/articles_new"] == len(model.articles(SECTION))
        (frontier,) = cli_json("frontier", "--redis", REDIS_URL, "--prefix", prefix)
        assert (frontier["run"], frontier["state"], frontier["mode"]) == (
            totals["run"],
            "finished",
            "backfill",
        )
        assert [worker["state"] for worker in frontier["workers"]] == ["left"] * WORKERS
        assert sum(worker["pages"] for worker in frontier["workers"]) == sum(pages)

        # The next run is a run of its own: its list page 1 is not filtered as seen by the first.
        before = dict(site.requests)
        model.add_articles(SECTION, 4)
        results = finish(start_workers(base_url, shared, prefix))
        assert all(code == 0 for code, _ in results), results[0][1][-3000:]
        assert site.requests[SECTION] == before[SECTION] + 1
        assert len(worker_runs(shared)) == 2
        assert len(table(shared, select(Article.id))) == len(model.articles(SECTION))


def test_a_worker_killed_half_way_does_not_stop_the_others_and_one_more_run_completes_the_archive(
    tmp_path, prefix
):
    model = SiteModel({SECTION: 540, "/world/europe": 3}, dead_links={"soft404": 2})
    single = f"sqlite:///{tmp_path / 'single.db'}"
    with postgres_database() as shared, serve(model, article_delay=0.05) as (base_url, _):
        assert run_crawl("asia_pacific", base_url, single).returncode == 0
        workers = start_workers(base_url, shared, prefix, ARCHIVE_BATCH_SIZE="40")
        victim, others = workers[0], workers[1:]
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and stored < 150:
            time.sleep(0.3)
            try:
                stored = len(table(shared, select(Article.id)))
            except Exception:  # the schema may not be there yet
                stored = 0
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        assert victim.returncode == -signal.SIGKILL
        results = finish(others)
        for code, log in results:
            assert code == 0, log[-3000:]
        assert any("a worker stopped early" in log for _, log in results)
        after_kill = len(table(shared, select(Article.id)))
        assert after_kill < len(model.articles(SECTION)), "the killed worker held articles in flight"
        (state,) = table(shared, select(CrawlState))
        assert not state.backfill_complete and state.reached_page == 0, "the next run walks again"

        again = finish(start_workers(base_url, shared, prefix))
        assert all(code == 0 for code, _ in again), again[0][1][-3000:]
        assert comparable(shared) == comparable(single)
        (state,) = table(shared, select(CrawlState))
        assert state.backfill_complete


def test_without_redis_url_the_crawl_is_a_single_process_and_needs_no_redis(tmp_path):
    model = SiteModel({SECTION: 30})
    with serve(model) as (base_url, _):
        result = run_crawl(
            "asia_pacific", base_url, f"sqlite:///{tmp_path / 'a.db'}", settings={"REDIS_URL": ""}
        )
    assert result.returncode == 0, result.log[-3000:]
    assert "shared run" not in result.log
    assert "scrapy_redis" not in result.log
