"""Every pipeline, extension, downloader middleware and duplicate filter of the crawl has a test module of its own."""

import re
from pathlib import Path

from scrapy.settings import Settings

from crawler.distributed import SharedFrontierAddon

TESTS = Path(__file__).resolve().parent
# Each component of ours, and the module that builds it as Scrapy does and drives it directly.
COMPONENT_TESTS = {
    "pipelines.dedup.DeduplicationPipeline": "test_pipeline_dedup.py",
    "pipelines.storage.StoragePipeline": "test_pipeline_storage.py",
    "crawler.extensions.calibration.ProbeCalibration": "test_extension_calibration.py",
    "crawler.extensions.progress.CrawlProgress": "test_extension_progress.py",
    "crawler.extensions.health.HealthChecks": "test_extension_health.py",
    "crawler.extensions.summary.CrawlSummary": "test_extension_summary.py",
    "crawler.extensions.memory.MallocArenas": "test_extension_memory.py",
    "crawler.replay.ReplayLeftovers": "test_extension_replay.py",
    "crawler.distributed.SharedFrontier": "test_extension_shared_frontier.py",
    "crawler.retry.RetryAfterMiddleware": "test_middleware_retry.py",
    "crawler.encoding.Utf8FirstMiddleware": "test_middleware_encoding.py",
    "crawler.rendering.RenderFallbackMiddleware": "test_middleware_rendering.py",
    "crawler.warc.WarcCaptureMiddleware": "test_middleware_warc.py",
    "crawler.dupefilter.RedirectAwareDupeFilter": "test_dupefilter.py",
}


def our_components(settings: Settings) -> set[str]:
    names = {
        *settings.getdict("ITEM_PIPELINES"),
        *settings.getdict("EXTENSIONS"),
        *(name for name, order in settings.getdict("DOWNLOADER_MIDDLEWARES").items() if order is not None),
        settings.get("DUPEFILTER_CLASS"),
    }
    return {name for name in names if name.startswith(("crawler.", "pipelines."))}


def test_every_component_of_the_crawl_has_its_own_test_module():
    settings = Settings()
    settings.setmodule("crawler.settings")
    components = our_components(settings)
    # Several workers (REDIS_URL) add the shared frontier's extension; its scheduler, queue and
    # duplicate filter run on Redis and are tested against it in test_shared_run.py.
    settings.set("REDIS_URL", "redis://127.0.0.1:6379/0")
    SharedFrontierAddon().update_settings(settings)
    components |= {name for name in settings.getdict("EXTENSIONS") if name.startswith("crawler.")}
    assert components == set(COMPONENT_TESTS)
    for component, module in COMPONENT_TESTS.items():
        path, name = component.rsplit(".", 1)
        text = (TESTS / module).read_text(encoding="utf-8")
        assert re.search(rf"^from {re.escape(path)} import .*\b{name}\b", text, re.M), (
            f"{module} imports {name}"
        )
        assert f"build_from_crawler({name}," in text, f"{module} builds {name} as Scrapy does"
