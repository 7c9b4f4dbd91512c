"""Re-extraction from WARC files: the crawl runs again, offline, its requests answered by captured responses.

`chinadaily-archive reextract --from-warc PATH…` (crawler/reextract.py) groups the WARC files by
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

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler import statkeys as keys
from crawler import warc_reader
from crawler.dupefilter import text_digest
from crawler.pages.article_page import Listing
from crawler.siteurls import canonical_url
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
    length: int = 0
    """Bytes of its gzip member, when the file is one record per member (0: read with warcio)."""


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
            for kind, described_id, metadata, capture in _indexed(path):
                if capture is None:
                    contexts[described_id] = _fields(metadata)
                    continue
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
        status, pairs, protocol, body = _read(capture)
        headers = Headers()
        for name, value in pairs:
            headers.appendlist(name, value)
        # Where the page was: the URL asked for, a probe's own random URL, or where the browser ended.
        url = capture.url
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=status, headers=headers, body=body, protocol=protocol)


_Indexed = tuple[str, str, bytes, Capture | None]
"""A record's type, and a metadata record's WARC-Concurrent-To and block, or a response's Capture."""


def _indexed(path: Path) -> list[_Indexed]:
    """The file's metadata, response and resource records, read by zlib where the file is one
    record per gzip member (as crawls write them), else by warcio."""
    # Gathered before use: a file found unreadable half-way is read again, whole, by warcio.
    found: list[_Indexed] = []
    try:
        for record in warc_reader.records(path, keep_blocks=("metadata",)):
            if record.type == "metadata":
                described_id = record.headers.get("warc-concurrent-to", "")
                found.append(("metadata", described_id, record.block or b"", None))
            elif record.type in ("response", "resource"):
                capture = Capture(
                    path,
                    record.offset,
                    record.headers.get("warc-target-uri", ""),
                    record.headers.get("warc-record-id", ""),
                    length=record.length,
                )
                found.append((record.type, "", b"", capture))
        return found
    except warc_reader.NotOneRecordPerMember:
        return list(_indexed_by_warcio(path))


def _indexed_by_warcio(path: Path) -> Iterator[_Indexed]:
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            kind = record.rec_type
            if kind == "metadata":
                described_id = record.rec_headers.get_header("WARC-Concurrent-To")
                yield kind, described_id, record.content_stream().read(), None
                continue
            if kind not in ("response", "resource"):
                continue
            records.read_to_end(record)
            capture = Capture(
                path,
                records.get_record_offset(),
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers.get_header("WARC-Record-ID"),
            )
            yield kind, "", b"", capture


def _read(capture: Capture) -> tuple[int, list[tuple[str, str]], str, bytes]:
    """Status, header pairs, protocol and body of a captured response or rendered page."""
    if capture.length:
        record = warc_reader.record_at(capture.path, capture.offset, capture.length)
        kind, block = record.type, record.block or b""
        if kind == "resource":
            return _rendered(capture, record.headers.get("content-type"), block)
        return warc_reader.http_response(block)
    with capture.path.open("rb") as stream:
        stream.seek(capture.offset)
        warc_record = next(iter(ArchiveIterator(stream)))
        body = warc_record.raw_stream.read()
        if warc_record.rec_type == "resource":
            return _rendered(capture, warc_record.content_type, body)
        http = warc_record.http_headers
        return int(http.get_statuscode()), http.headers, http.protocol, body


def _rendered(
    capture: Capture, content_type: str | None, body: bytes
) -> tuple[int, list[tuple[str, str]], str, bytes]:
    # A rendered page's record holds the page alone; its status is in the crawl's context.
    return int(capture.context.get("status", 200)), [("Content-Type", content_type or "")], "HTTP/1.1", body


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
