"""Re-extraction from WARC files: the crawl runs again, offline, its requests answered by captured responses.

`chinadaily-archive reextract --from-warc PATH…` (see crawler/cli/) groups the WARC files by
the crawl that wrote them and, crawl by crawl in the order they ran, runs the same spider with
`full=1` into the archive, with ReplayDownloadHandler in place of HTTP. So every page goes
through the current page objects, soft-404 judge, dedup and versioning exactly as in a crawl,
and the walk gives each article its list page's time again. Within one crawl, the latest capture
of a URL answers it (a retried 503 that then answered 200 answers 200). A request the crawl never
made (a URL not captured) fails with NotCaptured, which the spider leaves unrecorded. Probes are
answered by the captured probe of the same URL shape. When the walk is over, captured article
pages it did not reach (retries of earlier failures) are replayed too, with the context their
metadata records kept.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler import statkeys as keys
from crawler.dupefilter import text_digest
from crawler.pages.article_page import Listing
from crawler.siteurls import canonical_url
from crawler.statkeys import number as number_of
from crawler.warc import record_link

logger = logging.getLogger(__name__)


class NotCaptured(IgnoreRequest):
    """The WARC files hold no response for this request: the crawl never made it."""


class OtherWorkers(NotCaptured):
    """A request another worker of the same re-extraction answers (WARC_REPLAY_SHARE)."""


def share_of(setting: str) -> tuple[int, int]:
    """WARC_REPLAY_SHARE "K/N" as (K, N): this worker replays the articles of the K-th of N shares."""
    if not setting:
        return 0, 1
    worker, _, workers = setting.partition("/")
    share = int(worker), int(workers)
    if not 0 <= share[0] < share[1]:
        raise ValueError(f"WARC_REPLAY_SHARE must be K/N with 0 <= K < N, not {setting!r}")
    return share


def in_share(url: str, share: tuple[int, int]) -> bool:
    """Whether an article's page belongs to the share: by its canonical URL, so that the pages
    of one article, and every capture of a URL, fall to one worker."""
    worker, workers = share
    if workers == 1:
        return True
    return text_digest(canonical_url(url)) % workers == worker


def warc_paths(paths: list[str]) -> list[Path]:
    """WARC files named, and those in folders named (*.warc.gz, *.warc), in name order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith((".warc.gz", ".warc")))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no WARC file or folder at {path}")
    return found


def _fields(payload: bytes) -> dict[str, str]:
    fields = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def warcinfo(path: Path) -> dict[str, str]:
    """The fields of a file's warcinfo record (its first)."""
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "warcinfo":
                return _fields(record.content_stream().read())
            break
    return {}


@dataclass
class Capture:
    """Where a captured response is, and what the walk knew of it."""

    path: Path
    offset: int
    url: str
    record_id: str
    context: dict[str, str] = field(default_factory=dict)


class WarcIndex:
    """The responses of some WARC files by URL (the last captured wins), and the probes by shape."""

    def __init__(self, paths: list[Path]) -> None:
        self.by_url: dict[str, Capture] = {}
        self.rendered_by_url: dict[str, Capture] = {}
        self.probes: dict[str, Capture] = {}
        by_id: dict[str, Capture] = {}
        contexts: dict[str, dict[str, str]] = {}
        rendered: list[Capture] = []
        for path in paths:
            with path.open("rb") as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    kind = record.rec_type
                    headers = record.rec_headers
                    if kind == "metadata":
                        concurrent = headers.get_header("WARC-Concurrent-To")
                        contexts[concurrent] = _fields(record.content_stream().read())
                        continue
                    if kind not in ("response", "resource"):
                        continue
                    records.read_to_end(record)
                    capture = Capture(
                        path,
                        records.get_record_offset(),
                        headers.get_header("WARC-Target-URI"),
                        headers.get_header("WARC-Record-ID"),
                    )
                    by_id[capture.record_id] = capture
                    # A page Chromium rendered is a resource record; the HTTP answer, a response.
                    if kind == "resource":
                        rendered.append(capture)
                    else:
                        self.by_url[capture.url] = capture
        for record_id, context in contexts.items():
            described = by_id.get(record_id)
            if described is None:
                continue
            described.context = context
            if context.get("probe-shape"):
                self.probes[context["probe-shape"]] = described
        # Rendered pages answer the URL the browser was asked for, the last capture winning.
        for capture in rendered:
            self.rendered_by_url[capture.context.get("requested-url", capture.url)] = capture

    def response(self, capture: Capture) -> Response:
        with capture.path.open("rb") as stream:
            stream.seek(capture.offset)
            record = next(iter(ArchiveIterator(stream)))
            body = record.raw_stream.read()
            if record.rec_type == "resource":
                status = int(capture.context.get("status", 200))
                pairs, protocol = [("Content-Type", record.content_type)], "HTTP/1.1"
            else:
                http = record.http_headers
                status, pairs, protocol = int(http.get_statuscode()), http.headers, http.protocol
        headers = Headers()
        for name, value in pairs:
            headers.appendlist(name, value)
        # Where the page was: the URL asked for, a probe's own random URL, or where the browser ended.
        url = capture.url
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=status, headers=headers, body=body, protocol=protocol)


class Replay:
    """One replayed crawl: the index of its captures, and what has been answered so far."""

    def __init__(self, files: list[str], probe_files: list[str], share: tuple[int, int] = (0, 1)) -> None:
        self.index = WarcIndex([Path(name) for name in files])
        self.share = share
        """With several workers: the share of the articles this one replays (lists: all of them)."""
        # Probes get random URLs each run: an earlier crawl's probe of the shape will do
        # (those files are read only if this crawl's own lack a probe).
        self.probe_files = [Path(name) for name in probe_files]
        self._other_probes: WarcIndex | None = None
        self.served: set[str] = set()

    @classmethod
    def of(cls, crawler: Crawler) -> Replay:
        """The crawler's replay, shared by the handlers of both schemes and the extension."""
        replay = getattr(crawler, "_replay", None)
        if replay is None:
            settings = crawler.settings
            replay = cls(
                settings.getlist("WARC_REPLAY_FILES"),
                settings.getlist("WARC_REPLAY_PROBE_FILES"),
                share_of(settings.get("WARC_REPLAY_SHARE", "")),
            )
            crawler._replay = replay  # type: ignore[attr-defined]
        return replay

    def answers(self, request: Request) -> bool:
        """Whether this worker answers the request: an article's first page asked for by the walk
        (not reached by a redirect, whose target the worker of its source follows) only in its share."""
        if request.meta.get("page_kind") != "article" or request.meta.get("redirect_urls"):
            return True
        return in_share(request.url, self.share)

    def capture(self, request: Request) -> Capture | None:
        shape = request.meta.get("probe_shape")
        if shape:
            if shape in self.index.probes:
                return self.index.probes[shape]
            if self._other_probes is None:
                self._other_probes = WarcIndex(self.probe_files)
            return self._other_probes.probes.get(shape)
        # The browser's request gets the rendered page; either falls back on the other (a crawl
        # with RENDER_MODE=always captured only rendered pages).
        first, second = self.index.by_url, self.index.rendered_by_url
        if request.meta.get("playwright"):
            first, second = second, first
        return first.get(request.url) or second.get(request.url)

    def leftovers(self) -> list[Capture]:
        """Captured article pages not asked for yet (fetched by the crawl outside the walk);
        a page reached by a redirect is not one: the walk asks for where it was redirected from."""
        return [
            capture
            for url, capture in self.index.by_url.items()
            if url not in self.served
            and capture.context.get("page-kind") == "article"
            and not capture.context.get("redirected-from")
            and in_share(url, self.share)
        ]


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers http and https requests from the WARC files in WARC_REPLAY_FILES."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if not crawler.settings.getlist("WARC_REPLAY_FILES"):
            raise NotConfigured("WARC_REPLAY_FILES is not set")
        self.replay = Replay.of(crawler)

    async def download_request(self, request: Request) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        if not self.replay.answers(request):
            stats.inc_value("replay/other_workers")
            raise OtherWorkers(f"replayed by another worker: {request.url}")
        capture = self.replay.capture(request)
        if capture is None:
            stats.inc_value("replay/not_captured")
            raise NotCaptured(f"not captured in the WARC files: {request.url}")
        self.replay.served.add(capture.url)
        # A version made from this page links to the record it came from, as in a crawl.
        request.meta["warc_record"] = record_link(capture.path.name, capture.offset)
        stats.inc_value(keys.REPLAY_RESPONSES)
        return self.replay.index.response(capture)


class ReplayLeftovers:
    """At the end of a replayed walk, replays the captured article pages it did not reach."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getlist("WARC_REPLAY_FILES"):
            raise NotConfigured("not a replay")
        self.crawler = crawler
        self.done = False
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayLeftovers:
        return cls(crawler)

    def spider_idle(self, spider: Spider) -> None:
        if self.done:
            return
        self.done = True
        leftovers = Replay.of(self.crawler).leftovers()
        if not leftovers:
            return
        logger.info("Replaying %d captured article pages the walk did not reach", len(leftovers))
        assert self.crawler.engine is not None
        for capture in leftovers:
            self.crawler.engine.crawl(spider.replayed_article_request(capture.url, _listing(capture)))  # type: ignore[attr-defined]
        raise DontCloseSpider


def _listing(capture: Capture) -> Listing:
    """What the list page had said of a captured article, as its metadata record keeps it."""
    listed = capture.context.get("listed-at")
    return Listing(
        referrer=capture.context.get("referrer"),
        link=capture.context.get("listed-link"),
        listed_at=datetime.fromisoformat(listed) if listed else None,
    )


@dataclass
class CapturedCrawl:
    """The WARC files one crawl wrote, and what their warcinfo says of it."""

    name: str
    started: str
    spider: str
    section: str
    base_url: str
    files: list[Path] = field(default_factory=list)


def captured_crawls(paths: list[Path]) -> list[CapturedCrawl]:
    """The files grouped by the crawl that wrote them, in the order the crawls ran."""
    crawls: dict[str, CapturedCrawl] = {}
    for path in paths:
        info = warcinfo(path)
        if "chinadaily-spider" not in info:
            raise ValueError(f"{path} was not written by a chinadaily-archive crawl (no warcinfo of ours)")
        name = info.get("chinadaily-shared-run") or info.get("isPartOf", str(path))
        crawl = crawls.setdefault(
            name,
            CapturedCrawl(
                name,
                info.get("chinadaily-crawl-started", ""),
                info["chinadaily-spider"],
                info.get("chinadaily-section", ""),
                info.get("chinadaily-base-url", ""),
            ),
        )
        crawl.files.append(path)
        crawl.started = min(crawl.started, info.get("chinadaily-crawl-started", crawl.started))
    return sorted(crawls.values(), key=lambda crawl: crawl.started)


def reextract_command(
    crawl: CapturedCrawl, all_files: list[Path], stats_file: Path, share: tuple[int, int] = (0, 1)
) -> list[str]:
    """`scrapy crawl` replaying one captured crawl (the articles of `share`) into the archive
    (ARCHIVE_DATABASE_URL), offline."""
    command = [sys.executable, "-m", "scrapy", "crawl", crawl.spider, "-a", "full=1"]
    if crawl.spider == "section":
        command += ["-a", f"path={crawl.section}"]
    settings = {
        "CHINADAILY_BASE_URL": crawl.base_url,
        "WARC_REPLAY_FILES": ",".join(str(path) for path in crawl.files),
        "WARC_REPLAY_PROBE_FILES": ",".join(str(path) for path in all_files),
        "WARC_REPLAY_SHARE": f"{share[0]}/{share[1]}" if share[1] > 1 else "",
        "DOWNLOAD_HANDLERS": json.dumps(
            {scheme: "crawler.replay.ReplayDownloadHandler" for scheme in ("http", "https")}
        ),
        "WARC_DIR": "",
        # The captured renders stand in for the browser (see crawler/rendering.py).
        "RENDER_MODE": "auto",
        "ROBOTSTXT_OBEY": "False",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "CHINADAILY_RETRY_AFTER_MAX_SECONDS": "0",
        "HEALTH_ENABLED": "0",
        "REDIS_URL": "",
        "ARCHIVE_STATS_FILE": str(stats_file),
        "LOG_LEVEL": os.environ.get("REEXTRACT_LOG_LEVEL", "WARNING"),
    }
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


@dataclass(frozen=True)
class ReplayedCrawl:
    """What one captured crawl's replay did to the archive."""

    crawl: str
    warc_files: int
    responses: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    dead_urls: int
    exit_status: int

    @classmethod
    def of(cls, crawl: CapturedCrawl, workers: list[tuple[dict[str, Any], int]]) -> ReplayedCrawl:
        """The crawl's replay from its workers' stats and exit statuses (list pages and probes,
        which every worker replays, count once per worker among the responses)."""

        def total(key: str) -> int:
            return sum(number_of(stats, key) for stats, _ in workers)

        return cls(
            crawl.name,
            len(crawl.files),
            total(keys.REPLAY_RESPONSES),
            total(keys.ARTICLES_NEW),
            total(keys.ARTICLES_UPDATED),
            total(keys.ARTICLES_UNCHANGED),
            total(keys.DEAD_URLS),
            next((code for _, code in workers if code), 0),
        )

    def line(self) -> str:
        return (
            f"{self.crawl} ({self.warc_files} WARC files): {self.responses} responses replayed; "
            f"articles {self.articles_new} new, {self.articles_updated} updated, "
            f"{self.articles_unchanged} unchanged; {self.dead_urls} dead URLs"
            + (f" — FAILED (exit status {self.exit_status})" if self.exit_status else "")
        )


def reextract(
    paths: list[str],
    database_url: str,
    out: IO[str],
    progress: Callable[[int, str], AbstractContextManager[Callable[[int], None]]] | None = None,
    as_json: bool = False,
    workers: int = 1,
) -> int:
    """Rebuild or update the archive from WARC files alone; 0 when every replay succeeded, else the
    first failed replay's exit status. One line per captured crawl on `out` (a JSON object with
    `as_json`); `progress(total, label)` gives a step to call after each crawl is replayed.

    The crawls are replayed one after the other, in the order they ran, so that their versions
    come in order; each by `workers` processes at once, every one walking the lists and replaying
    its share of the articles (by canonical URL)."""
    files = warc_paths(paths)
    if not files:
        raise FileNotFoundError("no WARC files among " + ", ".join(paths))
    crawls = captured_crawls(files)
    with (progress or _no_progress)(len(crawls), "Re-extracting {} captured crawls") as step:
        return _replay_all(crawls, files, database_url, out, step, as_json, max(1, workers))


@contextmanager
def _no_progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    yield lambda count: None


def _replay_all(
    crawls: list[CapturedCrawl],
    files: list[Path],
    database_url: str,
    out: IO[str],
    step: Callable[[int], None],
    as_json: bool,
    workers: int,
) -> int:
    # The database URL (and any password in it) goes through the environment, not `ps`.
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "ARCHIVE_DATABASE_URL": database_url}
    status = 0
    with tempfile.TemporaryDirectory() as folder:
        for number, crawl in enumerate(crawls, 1):
            stats_files = [Path(folder) / f"stats-{number}-{worker}.json" for worker in range(workers)]
            running = [
                subprocess.Popen(
                    reextract_command(crawl, files, stats_file, (worker, workers)),
                    env=env,
                    stdin=subprocess.DEVNULL,
                )
                for worker, stats_file in enumerate(stats_files)
            ]
            codes = [process.wait() for process in running]
            results = [
                (json.loads(path.read_text()) if path.exists() else {}, code)
                for path, code in zip(stats_files, codes, strict=True)
            ]
            replayed = ReplayedCrawl.of(crawl, results)
            out.write((json.dumps(asdict(replayed)) if as_json else replayed.line()) + "\n")
            status = status or replayed.exit_status
            step(1)
    return status
