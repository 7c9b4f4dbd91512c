"""WARC capture: every response as it came off the wire, with its request and the crawl's context, in WARC 1.1 files.

With WARC_DIR set, a downloader middleware placed next to the download handler (below
redirects, retries and decompression) writes for every response the crawl receives — list
pages, articles and their extra pages, soft-404s, each hop of a redirect, each retried error,
robots.txt and the soft-404 probes — three records, each its own gzip member:

- `response`: the status line, the headers and the body as the server sent them (still
  compressed when it was). Header names come in Scrapy's capitalisation, each value on its own
  line; a `Transfer-Encoding: chunked` header is dropped, because the HTTP client has already
  joined the chunks (the body is what they carried). A page rendered by Chromium is a `resource`
  record of the rendered HTML instead: no HTTP exchange holds it.
- `request`: the request line and the headers Scrapy sent (with `Host`).
- `metadata` (application/warc-fields): what extraction needs besides the page — the spider and
  section, what the page is to the walk (list page N, an article listed on list page N at a
  time, the extra page of an article, a probe of a URL shape), the referrer, the redirect it
  ends, whether it was rendered.

Each file opens with a `warcinfo` record naming the crawl; files roll over at WARC_MAX_SIZE_MB.
"""

from __future__ import annotations

import logging
import os
import socket
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.warcwriter import WARCWriter

from crawler import statkeys as keys
from crawler.warc_records import WARC_VERSION, Record, http_record, warc_date, warc_record

logger = logging.getLogger(__name__)

CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


def record_link(filename: str, offset: int) -> str:
    """How a version names the record it came from: `FILE.warc.gz#OFFSET`."""
    return f"{filename}#{offset}"


class WarcFiles:
    """The WARC files of one crawl: opened as needed, each with its warcinfo, rolled at a size."""

    def __init__(
        self, folder: Path, prefix: str, max_bytes: int, info: dict[str, str], gzip_level: int = 1
    ) -> None:
        self.folder = folder
        self.gzip_level = gzip_level
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.host = socket.gethostname()
        self.paths: list[Path] = []
        self._file: IO[bytes] | None = None

    @property
    def current(self) -> Path:
        return self.paths[-1]

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        serial = len(self.paths)
        # IIPC's recommended naming: prefix-timestamp-serial-crawlhost.
        name = f"{self.prefix}-{self.started}-{serial:05d}-{self.host}-{os.getpid()}.warc.gz"
        path = self.folder / name
        self.paths.append(path)
        self._file = path.open("xb")
        # One record a file: warcio's builder is fine for it.
        writer = WARCWriter(self._file, gzip=True, warc_version=WARC_VERSION)
        writer.write_record(writer.create_warcinfo_record(name, self.info))

    def write(self, *records: Record) -> list[str]:
        """Write the records, in order, into one file at once; returns where each one begins.

        If the write fails (a full disk), the file is cut back to where it was, so that it
        never holds half a record, and the error is raised."""
        if self._file is None:
            self._open()
        assert self._file is not None
        start = self._file.tell()
        # Each record its own gzip member, as WARC readers expect, at our level rather than
        # warcio's fixed 9, which cost the crawl several times more.
        members = []
        offset = start
        links = []
        for record in records:
            links.append(record_link(self.current.name, offset))
            member = zlib.compressobj(self.gzip_level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            members.append(member.compress(record.data) + member.flush())
            offset += len(members[-1])
        try:
            self._file.write(b"".join(members))
            self._file.flush()
        except OSError:
            self._file.seek(start)
            self._file.truncate()
            raise
        if self._file.tell() >= self.max_bytes:
            self.close()
        return links

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None


def _http_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    return [
        (name, value)
        for name, values in headers.items()
        if name.lower() != b"transfer-encoding"  # the client has de-chunked the body already
        for value in values
    ]


def _fields(values: dict[str, Any]) -> bytes:
    lines = [f"{name}: {value}\r\n" for name, value in values.items() if value not in (None, "", [])]
    return "".join(lines).encode("utf-8")


def page_context(request: Request, spider: Spider) -> dict[str, Any]:
    """What the walk knew of a page when it asked for it: the metadata record's fields."""
    meta = request.meta
    listing = request.cb_kwargs.get("listing")
    kind = meta.get("page_kind") or ("robots.txt" if urlsplit(request.url).path == "/robots.txt" else "other")
    listed_at = listing.listed_at if listing is not None else None
    return {
        "spider": spider.name,
        "section": getattr(spider, "section_path", None),
        "page-kind": kind,
        "list-page": meta.get("list_page"),
        "listed-at": listed_at.isoformat() if isinstance(listed_at, datetime) else None,
        "referrer": listing.referrer if listing is not None else None,
        "listed-link": listing.link if listing is not None else None,
        "article-first-page": meta.get("article_first_page"),
        "probe-shape": meta.get("probe_shape"),
        "redirected-from": (meta.get("redirect_urls") or [None])[-1],
        "retry-times": meta.get("retry_times"),
        "rendered": "true" if meta.get("playwright") else None,
    }


class WarcCaptureMiddleware:
    """Writes every response the downloader returns into the run's WARC files."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        folder = settings.get("WARC_DIR")
        if not folder:
            raise NotConfigured("WARC_DIR is not set")
        self.crawler = crawler
        self.folder = Path(folder).expanduser().resolve()
        self.max_bytes = int(settings.getfloat("WARC_MAX_SIZE_MB") * 1024 * 1024)
        self.prefix = settings.get("WARC_PREFIX")
        self.gzip_level = settings.getint("WARC_GZIP_LEVEL")
        self.files: WarcFiles | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        started = datetime.now(UTC).isoformat(timespec="seconds")
        info = {
            "software": f"chinadaily-archive/{version('chinadaily-archive')} (Scrapy {version('scrapy')}, "
            f"warcio {version('warcio')})",
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": CONFORMS_TO,
            "hostname": socket.gethostname(),
            "isPartOf": f"{spider.name}-{started}",
            "description": f"China Daily section {getattr(spider, 'section_path', '')} crawled by {spider.name}",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "chinadaily-spider": spider.name,
            "chinadaily-section": getattr(spider, "section_path", ""),
            "chinadaily-base-url": settings.get("CHINADAILY_BASE_URL"),
            "chinadaily-crawl-started": started,
            # The workers of one shared run (REDIS_URL) are one crawl to replay.
            "chinadaily-shared-run": getattr(getattr(spider, "shared_run", None), "run_id", ""),
        }
        self.files = WarcFiles(
            self.folder, f"{self.prefix}-{spider.name}", self.max_bytes, info, self.gzip_level
        )
        self.crawler.stats.set_value("warc/dir", str(self.folder))

    def spider_closed(self, spider: Spider) -> None:
        if self.files is None:
            return
        self.files.close()
        self.crawler.stats.set_value(keys.WARC_FILES, [str(path) for path in self.files.paths])
        if self.files.paths:
            logger.info("WARC files of this crawl: %s", ", ".join(str(p) for p in self.files.paths))

    def process_response(self, request: Request, response: Response) -> Response:
        if self.files is None:
            return response
        spider = self.crawler.spider
        assert spider is not None
        date = warc_date()
        rendered = bool(request.meta.get("playwright"))
        if rendered:
            main = warc_record("resource", response.url, response.body, _text_type(response), date=date)
        else:
            protocol = response.protocol or "HTTP/1.1"
            main = http_record(
                "response",
                response.url,
                f"{protocol} {response.status} {_reason(response.status)}".strip(),
                _http_headers(response.headers),
                response.body,
                date=date,
                headers=_ip(response),
            )
        records = [main]
        concurrent = {"WARC-Concurrent-To": main.id}
        if not rendered:
            split = urlsplit(request.url)
            target = split.path + (f"?{split.query}" if split.query else "")
            records.append(
                http_record(
                    "request",
                    request.url,
                    f"{request.method} {target or '/'} HTTP/1.1",
                    [(b"Host", split.netloc.encode("latin-1")), *_http_headers(request.headers)],
                    request.body or b"",
                    date=date,
                    headers=concurrent,
                )
            )
        fields = page_context(request, spider)
        if rendered:
            # No HTTP record holds these for a rendered page; the browser may also have
            # been redirected away from the URL asked for.
            fields.update({"requested-url": request.url, "status": response.status})
        records.append(
            warc_record(
                "metadata",
                response.url,
                _fields(fields),
                "application/warc-fields",
                date=date,
                headers=concurrent,
            )
        )
        stats = self.crawler.stats
        try:
            links = self.files.write(*records)
        except OSError as error:
            # The page itself is fine: the crawl goes on, saying loudly what was not kept.
            stats.inc_value("warc/unwritten_responses")
            logger.error("Could not write the WARC records of %s: %s", response.url, error)
            return response
        # The spider hands this on to the article's version (see ArticleItem.warc_records).
        request.meta["warc_record"] = links[0]
        stats.inc_value("warc/records", len(records))
        stats.inc_value(f"warc/{main.type}_records")
        stats.inc_value("warc/payload_bytes", len(response.body))
        return response


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _ip(response: Response) -> dict[str, str]:
    return {"WARC-IP-Address": str(response.ip_address)} if response.ip_address else {}


def _text_type(response: Response) -> str:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else "text/html; charset=utf-8"
