"""Soft-404 calibration: the extension that learns how the site answers URLs that cannot exist, at most daily."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.judging import ERROR_STATUSES
from crawler.probes import SHAPES, Fingerprint, ProbeSet, probe_url
from crawler.siteurls import normalize_origin
from pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)


class ProbeCalibration:
    """As the spider opens, before any page is fetched: one probe per URL shape whose stored
    fingerprint is missing or older than SOFT404_PROBE_MAX_AGE_HOURS, the new fingerprints kept
    in the archive, and `probes`, the set the spider judges pages by. Off when
    SOFT404_PROBES_ENABLED is."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("SOFT404_PROBES_ENABLED"):
            raise NotConfigured("SOFT404_PROBES_ENABLED is off")
        self.crawler = crawler
        self.max_age = timedelta(hours=settings.getfloat("SOFT404_PROBE_MAX_AGE_HOURS"))
        self.similarity = settings.getfloat("SOFT404_PROBE_SIMILARITY")
        self.probes: ProbeSet | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProbeCalibration:
        return cls(crawler)

    async def spider_opened(self, spider: Spider) -> None:
        # The engine fetches nothing else until this is done: no page is judged uncalibrated.
        origin = normalize_origin(self.crawler.settings.get("CHINADAILY_BASE_URL"))
        self.probes = await self.probe_set(origin, getattr(spider, "section_path", ""))

    async def probe_set(self, origin: str, section_path: str) -> ProbeSet:
        """The fingerprints of the origin's answers, fetched anew where the archive's are stale."""
        now = datetime.now(UTC)
        storage = self.crawler.get_item_pipeline(StoragePipeline)
        stored = await storage.use(lambda archive: archive.probe_fingerprints(origin)) if storage else []
        fingerprints = {
            fp.shape: fp for fp in map(Fingerprint.from_record, stored) if now - fp.fetched_at < self.max_age
        }
        probed = []
        for shape in SHAPES:
            if shape in fingerprints:
                continue
            fingerprint = await self._probe(shape, probe_url(shape, origin, section_path, now), now)
            if fingerprint is not None:
                fingerprints[shape] = fingerprint
                probed.append(fingerprint)
        if probed and storage is not None:
            records = [fp.to_record(origin) for fp in probed]
            await storage.use(lambda archive: archive.save_probe_fingerprints(records))
        return ProbeSet(fingerprints, self.similarity)

    async def _probe(self, shape: str, url: str, now: datetime) -> Fingerprint | None:
        request = Request(
            url,
            dont_filter=True,
            meta={"handle_httpstatus_list": ERROR_STATUSES, "probe_shape": shape, "page_kind": "probe"},
        )
        self.crawler.stats.inc_value("soft404/probe/requests")
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as error:  # a probe that fails leaves its shape uncalibrated
            self.crawler.stats.inc_value("soft404/probe/errors")
            logger.warning("Soft-404 probe %s failed: %r", url, error)
            return None
        fingerprint = Fingerprint.from_response(shape, url, response, now)
        logger.info(
            "Soft-404 probe %s: HTTP %d at %s, %d shingles",
            url,
            response.status,
            response.url,
            len(fingerprint.shingles),
        )
        return fingerprint
