"""The downloader middleware that captures every response in WARC files (crawler/warc.py)."""

import gzip
import ipaddress
import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.pages.article_page import Listing
from crawler.warc import WarcCaptureMiddleware

ORIGIN = "https://www.chinadaily.com.cn"
LIST_PAGE = f"{ORIGIN}/world/asia_pacific/page_2.html"
ARTICLE = f"{ORIGIN}/a/202411/27/WS6746a0c1a310f1265a1d0a1b.html"
BODY = "<html><body><h1>Leaders meet</h1><p>Text — with a dash.</p></body></html>".encode()


class SectionSpider(Spider):
    name = "asia_pacific"
    section_path = "/world/asia_pacific"


def make_middleware(tmp_path, **settings):
    crawler = get_crawler(
        SectionSpider,
        {
            "REMOTE_CONTROL_ENABLED": False,
            "WARC_DIR": str(tmp_path / "warc"),
            "WARC_MAX_SIZE_MB": 1000,
            "WARC_PREFIX": "test",
            **settings,
        },
    )
    crawler.spider = crawler._create_spider()
    middleware = build_from_crawler(WarcCaptureMiddleware, crawler)
    middleware.spider_opened(crawler.spider)
    return crawler, middleware


def article_exchange(url=ARTICLE, **meta):
    listing = Listing(referrer=LIST_PAGE, link=url, listed_at=datetime(2024, 11, 27, 3, 25, tzinfo=UTC))
    request = Request(
        url,
        headers={"User-Agent": "chinadaily-archive (test)"},
        cb_kwargs={"listing": listing},
        meta={"page_kind": "article", "list_page": 2, **meta},
    )
    response = HtmlResponse(
        url, status=200, headers={"Content-Type": "text/html; charset=utf-8"}, body=BODY, request=request
    )
    return request, response


def read(path: Path) -> list[dict]:
    """Each record of a WARC file: its type, target, offset, WARC headers and content."""
    records = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            # The content first: asking for the offset reads the record to its end.
            content = record.content_stream().read()
            records.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "offset": iterator.get_record_offset(),
                    "headers": record.rec_headers,
                    "http": record.http_headers,
                    "content": content,
                }
            )
    return records


def fields(record: dict) -> dict[str, str]:
    lines = record["content"].decode().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_without_warc_dir_nothing_is_captured():
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False, "WARC_DIR": ""})
    with pytest.raises(NotConfigured):
        build_from_crawler(WarcCaptureMiddleware, crawler)


def test_an_http_response_is_kept_with_its_request_and_its_context(tmp_path):
    crawler, middleware = make_middleware(tmp_path)
    request, response = article_exchange()
    assert middleware.process_response(request, response) is response
    middleware.spider_closed(crawler.spider)
    (path,) = map(Path, crawler.stats.get_value("warc/files"))
    info, main, sent, context = read(path)
    assert [info["type"], main["type"], sent["type"], context["type"]] == [
        "warcinfo",
        "response",
        "request",
        "metadata",
    ]
    assert main["uri"] == ARTICLE
    assert main["http"].get_statuscode() == "200"
    assert main["content"] == BODY
    assert sent["http"].protocol == "GET"
    assert sent["http"].get_header("Host") == "www.chinadaily.com.cn"
    main_id = main["headers"].get_header("WARC-Record-ID")
    assert sent["headers"].get_header("WARC-Concurrent-To") == main_id
    assert context["headers"].get_header("WARC-Concurrent-To") == main_id
    assert request.meta["warc_record"] == f"{path.name}#{main['offset']}"


def test_the_metadata_record_says_what_the_page_is_to_the_walk(tmp_path):
    crawler, middleware = make_middleware(tmp_path)
    middleware.process_response(*article_exchange())
    extra_url = ARTICLE.replace(".html", "_2.html")
    extra = Request(extra_url, meta={"page_kind": "extra-page", "article_first_page": ARTICLE})
    middleware.process_response(extra, HtmlResponse(extra_url, body=BODY, request=extra))
    middleware.spider_closed(crawler.spider)
    (path,) = map(Path, crawler.stats.get_value("warc/files"))
    article, extra_page = (fields(r) for r in read(path) if r["type"] == "metadata")
    assert article["spider"] == "asia_pacific"
    assert article["section"] == "/world/asia_pacific"
    assert article["page-kind"] == "article"
    assert article["list-page"] == "2"
    assert article["referrer"] == LIST_PAGE
    assert article["listed-link"] == ARTICLE
    assert article["listed-at"] == "2024-11-27T03:25:00+00:00"
    assert "rendered" not in article
    assert extra_page["page-kind"] == "extra-page"
    assert extra_page["article-first-page"] == ARTICLE


def test_a_page_rendered_by_chromium_is_a_resource_record_without_a_request(tmp_path):
    crawler, middleware = make_middleware(tmp_path)
    request, response = article_exchange(render=True, playwright=True)
    middleware.process_response(request, response)
    middleware.spider_closed(crawler.spider)
    (path,) = map(Path, crawler.stats.get_value("warc/files"))
    info, main, context = read(path)
    assert [info["type"], main["type"], context["type"]] == ["warcinfo", "resource", "metadata"]
    assert main["content"] == BODY
    assert main["headers"].get_header("Content-Type") == "text/html; charset=utf-8"
    assert fields(context)["rendered"] == "true"
    assert fields(context)["requested-url"] == ARTICLE
    assert request.meta["warc_record"] == f"{path.name}#{main['offset']}"


def test_files_roll_over_at_the_size_limit_and_each_opens_with_warcinfo(tmp_path):
    crawler, middleware = make_middleware(tmp_path, WARC_MAX_SIZE_MB=0.001)
    urls = [ARTICLE, ARTICLE.replace("a1b", "a1c")]
    for url in urls:
        middleware.process_response(*article_exchange(url))
    middleware.spider_closed(crawler.spider)
    paths = [Path(name) for name in crawler.stats.get_value("warc/files")]
    assert len(paths) == 2
    assert sorted(paths) == sorted((tmp_path / "warc").iterdir())
    for path, url in zip(paths, urls, strict=True):
        records = read(path)
        assert records[0]["type"] == "warcinfo"
        assert [r["uri"] for r in records if r["type"] == "response"] == [url]


def test_a_full_disk_is_counted_and_the_response_still_passes_through(tmp_path):
    crawler, middleware = make_middleware(tmp_path)
    middleware.process_response(*article_exchange())

    def disk_full(data):
        raise OSError(28, "No space left on device")

    middleware.files._file.write = disk_full
    request, response = article_exchange(ARTICLE.replace("a1b", "a1c"))
    assert middleware.process_response(request, response) is response
    assert "warc_record" not in request.meta
    assert crawler.stats.get_value("warc/unwritten_responses") == 1
    middleware.spider_closed(crawler.spider)
    (path,) = map(Path, crawler.stats.get_value("warc/files"))
    assert [r["uri"] for r in read(path) if r["type"] == "response"] == [ARTICLE]


def warcio_records(request, response, date, context) -> list[bytes]:
    """The response, request and metadata records of an exchange as warcio's own builder writes them."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")

    def text_pairs(headers):
        return [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items()
            if name.lower() != b"transfer-encoding"
            for value in values
        ]

    main = writer.create_warc_record(
        response.url,
        "response",
        payload=BytesIO(response.body),
        length=len(response.body),
        http_headers=StatusAndHeaders("200 OK", text_pairs(response.headers), protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": "127.0.0.1"},
    )
    main_id = main.rec_headers.get_header("WARC-Record-ID")
    sent = writer.create_warc_record(
        request.url,
        "request",
        payload=BytesIO(b""),
        length=0,
        http_headers=StatusAndHeaders(
            "GET /a/202411/27/WS6746a0c1a310f1265a1d0a1b.html HTTP/1.1",
            [("Host", "www.chinadaily.com.cn"), *text_pairs(request.headers)],
            is_http_request=True,
        ),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": main_id},
    )
    metadata = writer.create_warc_record(
        response.url,
        "metadata",
        payload=BytesIO(context),
        length=len(context),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": main_id},
    )
    records = []
    for record in (main, sent, metadata):
        out.seek(0)
        out.truncate()
        writer.write_record(record)
        records.append(out.getvalue())
    return records


def test_records_are_the_bytes_warcios_own_builder_writes(tmp_path):
    """Capture writes its records by hand (crawler/warc_records.py), for speed: byte for byte
    what warcio would write, a header that is not ASCII %-encoded as warcio does, a
    Transfer-Encoding header dropped, the IP address kept; only the record ids differ."""
    crawler, middleware = make_middleware(tmp_path)
    request, response = article_exchange()
    response = response.replace(
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Disposition": 'inline; filename="caf\xe9.html"'.encode("latin-1"),
            "Transfer-Encoding": "chunked",
            "Set-Cookie": ["a=1", "b=2"],
        },
        ip_address=ipaddress.ip_address("127.0.0.1"),
    )
    middleware.process_response(request, response)
    middleware.spider_closed(crawler.spider)
    (path,) = map(Path, crawler.stats.get_value("warc/files"))
    written = gzip.decompress(path.read_bytes()).split(b"WARC/1.1\r\n")[2:]
    written = [b"WARC/1.1\r\n" + record for record in written]
    date = re.search(rb"WARC-Date: (\S+)", written[0]).group(1).decode()
    context = written[2].split(b"\r\n\r\n", 1)[1][: -len(b"\r\n\r\n")]
    expected = warcio_records(request, response, date, context)

    def without_ids(record: bytes) -> bytes:
        return re.sub(rb"<urn:uuid:[0-9a-f-]+>", b"<id>", record)

    assert b"filename*=UTF-8''caf%C3%A9.html" in written[0]
    assert b"Transfer-Encoding" not in written[0]
    assert [without_ids(record) for record in written] == [without_ids(record) for record in expected]
