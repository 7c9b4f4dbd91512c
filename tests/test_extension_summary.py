"""The crawl summary (crawler/extensions/summary.py): the log paragraph, the job summary, the stats file."""

import json
import logging
from datetime import UTC, datetime

from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import statkeys as keys
from crawler.extensions.summary import CrawlSummary, markdown, summarize
from crawler.statkeys import verdict_key
from crawler.verdicts import Verdict

ARCHIVE = {
    keys.ARTICLES_NEW: 12,
    keys.ARTICLES_UPDATED: 3,
    keys.ARTICLES_UNCHANGED: 40,
    keys.DEAD_URLS: 6,
    keys.ARTICLES_GONE: 1,
    keys.FAILED_URLS: 2,
}


def test_verdicts_come_in_the_order_of_the_verdicts_with_their_reasons():
    stats = {
        verdict_key(Verdict.FAILED, "timeout"): 4,
        verdict_key(Verdict.THIN, "short body"): 1,
        verdict_key(Verdict.SOFT404, "probe match"): 2,
        verdict_key(Verdict.ARTICLE, "template"): 10,
        verdict_key(Verdict.SOFT404, "not found template"): 3,
    }
    lines = summarize(stats).splitlines()
    verdict_lines = [line.strip() for line in lines if line.strip().split(":")[0] in set(Verdict)]
    assert [line.split(":")[0] for line in verdict_lines] == ["article", "soft404", "thin", "failed"]
    soft404 = verdict_lines[1]
    assert soft404.startswith("soft404: 5 ")
    assert "not_found_template 3" in soft404
    assert "probe_match 2" in soft404


def test_verdicts_never_given_are_left_out():
    summary = summarize({verdict_key(Verdict.ARTICLE, "template"): 10})
    assert "failed:" not in summary
    assert "soft404:" not in summary


def test_the_archive_and_extraction_counts_follow():
    stats = {**ARCHIVE, keys.EXTRACT_FALLBACK: 4, keys.EXTRACT_FAILED: 1}
    archive, extraction = summarize(stats).splitlines()
    figures = ["12 new", "3 updated", "40 unchanged", "6 dead URLs", "1 archived articles gone", "2 failed"]
    assert all(figure in archive for figure in figures), archive
    assert "4 by the generic extractor" in extraction
    assert "1 failed" in extraction


def test_an_empty_crawl_summarises_as_zeros():
    assert "0 new, 0 updated, 0 unchanged" in summarize({})


def table(text):
    """The job summary's table as {row name: value}."""
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    return {name.strip(): value.strip() for name, value in rows if name.strip()}


def test_the_job_summary_is_a_table_of_the_crawl():
    stats = {
        **ARCHIVE,
        "spider_name": "asia_pacific",
        keys.WALK_MODE: "backfill",
        "finish_reason": "finished",
        keys.LIST_PAGES: 113,
        keys.EXTRACT_FALLBACK: 4,
        keys.ERRORS_LOGGED: 5,
        keys.HEALTH_FAILED: [],
    }
    text = markdown(stats)
    assert text.startswith("## Crawl summary\n")
    rows = table(text)
    assert rows["spider"] == "asia_pacific"
    assert rows["walk"] == "backfill"
    assert rows["finished"].startswith("finished")
    assert rows["list pages walked"] == "113"
    assert rows["new articles"] == "12"
    assert rows["updated articles (new versions)"] == "3"
    assert rows["re-checked, unchanged"] == "40"
    assert rows["dead URLs"] == "6"
    assert rows["failed URLs (tried again next run)"] == "2"
    assert rows["generic-extractor fallbacks"] == "4"
    assert rows["errors in the log"] == "5"


def test_the_job_summary_says_the_health_checks_passed():
    assert "Health checks passed." in markdown({keys.HEALTH_FAILED: []})


def test_the_job_summary_lists_failed_health_checks():
    text = markdown({keys.HEALTH_FAILED: ["error rate 30% is above 25%", "no new article"]})
    assert "Health checks passed." not in text
    assert "- error rate 30% is above 25%\n- no new article\n" in text


def test_without_health_checks_the_job_summary_claims_nothing_of_them():
    assert "Health checks" not in markdown({})


def make_crawler(**settings):
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False, **settings})
    crawler.stats.open_spider()
    return crawler


def test_the_stats_are_written_as_json_when_the_engine_stops(tmp_path):
    path = tmp_path / "stats.json"
    crawler = make_crawler(ARCHIVE_STATS_FILE=str(path))
    summary = build_from_crawler(CrawlSummary, crawler)
    started = datetime(2024, 6, 1, 3, 25, tzinfo=UTC)
    crawler.stats.set_value("start_time", started)
    crawler.stats.set_value(keys.ARTICLES_NEW, 12)
    crawler.stats.set_value(keys.HEALTH_FAILED, [])
    summary.spider_closed(Spider("asia_pacific"), "finished")
    assert not path.exists()
    summary.engine_stopped()
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["start_time"] == started.isoformat()
    assert written[keys.ARTICLES_NEW] == 12
    assert written[keys.HEALTH_FAILED] == []
    assert written["spider_name"] == "asia_pacific"


def test_the_summary_is_logged_when_the_engine_stops(caplog):
    crawler = make_crawler()
    summary = build_from_crawler(CrawlSummary, crawler)
    crawler.stats.set_value(keys.ARTICLES_NEW, 12)
    summary.spider_closed(Spider("asia_pacific"), "finished")
    with caplog.at_level(logging.INFO, logger="crawler.extensions.summary"):
        summary.engine_stopped()
    (message,) = [record.getMessage() for record in caplog.records]
    assert message.startswith("Crawl summary (asia_pacific")
    assert "12 new" in message


def test_no_stats_file_without_the_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = build_from_crawler(CrawlSummary, make_crawler(ARCHIVE_STATS_FILE=""))
    summary.engine_stopped()
    assert list(tmp_path.iterdir()) == []
