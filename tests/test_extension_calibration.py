"""Soft-404 calibration (crawler/extensions/calibration.py): one probe per URL shape, stored fingerprints reused."""

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.extensions.calibration import ProbeCalibration
from crawler.probes import SHAPES, shape_of
from pipelines.archive import Archive
from pipelines.archive.records import ProbeRecord
from pipelines.storage import StoragePipeline

ORIGIN = "http://127.0.0.1:8901"
SECTION = "/world/asia_pacific"
NOT_FOUND = b"<html><body><h1>Sorry, the page you requested was not found.</h1></body></html>"


class Engine:
    """A stand-in for the crawl's engine: answers every download with a not-found page, and
    holds the item pipelines where Crawler.get_item_pipeline looks for them."""

    def __init__(self, pipelines=(), failing=()):
        self.requests = []
        self.failing = set(failing)
        self.scraper = SimpleNamespace(itemproc=SimpleNamespace(middlewares=list(pipelines)))

    async def download_async(self, request):
        self.requests.append(request)
        if request.meta["probe_shape"] in self.failing:
            raise ConnectionRefusedError("connection refused")
        return HtmlResponse(request.url, status=404, body=NOT_FOUND, request=request)


def make_crawler(**settings):
    crawler = get_crawler(
        Spider,
        {
            "REMOTE_CONTROL_ENABLED": False,
            "SOFT404_PROBES_ENABLED": True,
            "SOFT404_PROBE_MAX_AGE_HOURS": 24,
            "SOFT404_PROBE_SIMILARITY": 0.5,
            **settings,
        },
    )
    crawler.stats.open_spider()
    crawler.spider = Spider.from_crawler(crawler, name="asia_pacific")
    return crawler


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture
def storage(database):
    """The crawl's storage pipeline, open on a SQLite archive."""
    pipeline = build_from_crawler(StoragePipeline, make_crawler(ARCHIVE_DATABASE_URL=database))
    asyncio.run(pipeline.open_spider())
    yield pipeline
    pipeline.archive.close()


def calibrate(crawler, engine):
    crawler.engine = engine
    calibration = build_from_crawler(ProbeCalibration, crawler)
    return asyncio.run(calibration.probe_set(ORIGIN, SECTION))


def stored(database):
    archive = Archive.open(database)
    try:
        return {record.shape: record for record in archive.probe_fingerprints(ORIGIN)}
    finally:
        archive.close()


def record(shape, age):
    fetched = datetime.now(UTC) - age
    url = f"{ORIGIN}/old-probe-{shape}"
    return ProbeRecord(ORIGIN, shape, url, 404, url, [1, 2, 3], fetched)


def test_off_when_probes_are_disabled():
    with pytest.raises(NotConfigured):
        build_from_crawler(ProbeCalibration, make_crawler(SOFT404_PROBES_ENABLED=False))


def test_one_probe_per_url_shape_on_the_origin():
    crawler, engine = make_crawler(), Engine()
    probes = calibrate(crawler, engine)
    assert sorted(probes.fingerprints) == sorted(SHAPES)
    assert sorted(shape_of(request.url) for request in engine.requests) == sorted(SHAPES)
    assert all(request.url.startswith(ORIGIN + "/") for request in engine.requests)
    (listing,) = [request for request in engine.requests if shape_of(request.url) == "list"]
    assert listing.url.startswith(ORIGIN + SECTION + "/")
    assert crawler.stats.get_value("soft404/probe/requests") == len(SHAPES)
    assert crawler.stats.get_value("soft404/probe/errors") is None


def test_a_probe_remembers_how_the_site_answered():
    crawler, engine = make_crawler(), Engine()
    probes = calibrate(crawler, engine)
    fingerprint = probes.fingerprints["new_article"]
    (request,) = [request for request in engine.requests if request.meta["probe_shape"] == "new_article"]
    assert fingerprint.url == request.url
    assert fingerprint.status == 404
    assert fingerprint.shingles


def test_a_failed_probe_leaves_its_shape_uncalibrated():
    crawler = make_crawler()
    probes = calibrate(crawler, Engine(failing={"list"}))
    assert sorted(probes.fingerprints) == sorted(set(SHAPES) - {"list"})
    assert crawler.stats.get_value("soft404/probe/requests") == len(SHAPES)
    assert crawler.stats.get_value("soft404/probe/errors") == 1


def test_new_fingerprints_are_kept_in_the_archive(storage, database):
    engine = Engine([storage])
    probes = calibrate(storage.crawler, engine)
    kept = stored(database)
    assert sorted(kept) == sorted(SHAPES)
    for shape, fingerprint in probes.fingerprints.items():
        assert kept[shape].url == fingerprint.url
        assert kept[shape].status == 404
        assert set(kept[shape].shingles) == fingerprint.shingles


def test_a_failed_probe_is_not_kept(storage, database):
    calibrate(storage.crawler, Engine([storage], failing={"old_article"}))
    assert "old_article" not in stored(database)


def test_fresh_fingerprints_are_reused_and_stale_ones_probed_again(storage, database):
    fresh, stale = record("list", timedelta(hours=23)), record("new_article", timedelta(hours=25))
    storage.archive.save_probe_fingerprints([fresh, stale])
    engine = Engine([storage])
    probes = calibrate(storage.crawler, engine)
    probed = sorted(request.meta["probe_shape"] for request in engine.requests)
    assert probed == ["new_article", "old_article"]
    assert storage.crawler.stats.get_value("soft404/probe/requests") == 2
    assert probes.fingerprints["list"].url == fresh.url
    kept = stored(database)
    assert kept["list"] == fresh
    assert kept["new_article"].url != stale.url
    assert kept["new_article"].fetched_at > stale.fetched_at
    assert sorted(kept) == sorted(SHAPES)


def test_a_routine_run_makes_no_probe_requests(storage):
    storage.archive.save_probe_fingerprints([record(shape, timedelta(hours=1)) for shape in SHAPES])
    engine = Engine([storage])
    probes = calibrate(storage.crawler, engine)
    assert engine.requests == []
    assert sorted(probes.fingerprints) == sorted(SHAPES)


def test_the_max_age_comes_from_the_setting(database):
    crawler = make_crawler(ARCHIVE_DATABASE_URL=database, SOFT404_PROBE_MAX_AGE_HOURS=2)
    storage = build_from_crawler(StoragePipeline, crawler)
    asyncio.run(storage.open_spider())
    try:
        storage.archive.save_probe_fingerprints([record(shape, timedelta(hours=3)) for shape in SHAPES])
        engine = Engine([storage])
        calibrate(crawler, engine)
    finally:
        storage.archive.close()
    assert len(engine.requests) == len(SHAPES)
