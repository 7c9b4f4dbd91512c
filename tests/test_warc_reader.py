"""Re-extraction's WARC reading (crawler/warc_reader.py, crawler/replay.py): zlib's reading of a crawl's files gives what warcio's gives."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest
from warcio.exceptions import ArchiveLoadFailed

from crawler import warc_reader
from crawler.replay import WarcIndex, _read
from crawler.warc_records import http_record, warc_date, warc_record

PAGE = "http://127.0.0.1:8000/a/202611/03/WS1.html"
MISSING = "http://127.0.0.1:8000/a/202611/03/WSnotthere.html"


def _records() -> list[bytes]:
    """A crawl's records: warcinfo, then request, response and metadata per page, a rendered page."""
    date = warc_date()
    info = warc_record(
        "warcinfo", "", b"chinadaily-spider: asia_pacific\r\n", "application/warc-fields", date=date
    )
    records = [info.data]
    pages = [
        (
            PAGE,
            "HTTP/1.1 200 OK",
            b"<html><body>Talks in \xe5\x8c\x97\xe4\xba\xac</body></html>",
            b"\xe9t\xe9",
        ),
        (MISSING, "HTTP/1.1 404 Not Found", b"<html>gone</html>", b"plain"),
    ]
    for url, status_line, body, odd_value in pages:
        request = http_record(
            "request", url, f"GET {url} HTTP/1.1", [(b"Host", b"x")], b"", date=date, headers={}
        )
        pairs = [
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"X-Odd", odd_value),
        ]
        response = http_record(
            "response", url, status_line, pairs, body, date=date, headers={"WARC-Concurrent-To": request.id}
        )
        context = (
            f"page-kind: article\r\nreferrer: http://127.0.0.1:8000/world/asia_pacific\r\nurl: {url}\r\n"
        )
        records += [request.data, response.data, _metadata(url, context, response.id, date)]
    rendered = warc_record(
        "resource", PAGE, b"<html><body>rendered</body></html>", "text/html; charset=utf-8", date=date
    )
    context = f"page-kind: article\r\nrequested-url: {PAGE}\r\nstatus: 200\r\n"
    return [*records, rendered.data, _metadata(PAGE, context, rendered.id, date)]


def _metadata(url: str, context: str, described_id: str, date: str) -> bytes:
    """The metadata record a crawl writes beside a response: the walk's context of it."""
    headers = {"WARC-Concurrent-To": described_id}
    return warc_record(
        "metadata", url, context.encode(), "application/warc-fields", date=date, headers=headers
    ).data


def _one_member_each(path: Path, records: list[bytes]) -> Path:
    with path.open("wb") as file:
        for data in records:
            member = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            file.write(member.compress(data) + member.flush())
    return path


def _described(index: WarcIndex) -> dict[str, list[tuple[str, str, dict[str, str]]]]:
    def of(captures: dict[str, object]) -> list[tuple[str, str, dict[str, str]]]:
        return sorted((url, c.record_id, c.context) for url, c in captures.items())  # type: ignore[attr-defined]

    return {"by_url": of(index.by_url), "rendered": of(index.rendered_by_url), "probes": of(index.probes)}


def _as_warcio_reads(index: WarcIndex) -> WarcIndex:
    """The same captures without their member lengths: read by warcio, as before."""
    for captures in (index.by_url, index.rendered_by_url):
        for capture in captures.values():
            capture.length = 0
    return index


def test_a_crawls_file_is_indexed_and_read_as_warcio_reads_it(tmp_path: Path) -> None:
    path = _one_member_each(tmp_path / "crawl.warc.gz", _records())
    fast = WarcIndex([path])
    assert all(capture.length for capture in fast.by_url.values())
    slow = _as_warcio_reads(WarcIndex([path]))
    assert _described(fast) == _described(slow)
    assert sorted(fast.by_url) == [PAGE, MISSING]
    assert fast.rendered_by_url[PAGE].context["status"] == "200"
    for name in ("by_url", "rendered_by_url"):
        for url, capture in getattr(fast, name).items():
            warcio_capture = getattr(slow, name)[url]
            assert capture.offset == warcio_capture.offset
            assert _read(capture) == _read(warcio_capture)
            response, expected = fast.response(capture), slow.response(warcio_capture)
            assert (response.status, response.body, response.protocol) == (
                expected.status,
                expected.body,
                expected.protocol,
            )
            assert response.headers.to_unicode_dict() == expected.headers.to_unicode_dict()
    page = fast.response(fast.by_url[PAGE])
    assert page.status == 200 and page.headers.getlist("Set-Cookie") == [b"a=1", b"b=2"]
    assert fast.response(fast.by_url[MISSING]).status == 404
    assert fast.response(fast.rendered_by_url[PAGE]).body == b"<html><body>rendered</body></html>"


@pytest.mark.parametrize("layout", ["uncompressed", "cut off", "one member for all"])
def test_a_file_written_otherwise_is_read_by_warcio_as_before(tmp_path: Path, layout: str) -> None:
    records = _records()
    reference = WarcIndex([_one_member_each(tmp_path / "reference.warc.gz", records)])
    path = tmp_path / "crawl.warc.gz"
    if layout == "uncompressed":
        path = tmp_path / "crawl.warc"
        path.write_bytes(b"".join(records))
    elif layout == "cut off":
        # Inside the last member's gzip trailer: warcio still reads every record.
        path.write_bytes(_one_member_each(tmp_path / "whole.warc.gz", records).read_bytes()[:-10])
    else:
        path.write_bytes(gzip.compress(b"".join(records)))
    with pytest.raises(warc_reader.NotOneRecordPerMember):
        list(warc_reader.records(path))
    if layout == "one member for all":
        # warcio refuses such a file (it cannot seek to a record), and so does re-extraction.
        with pytest.raises(ArchiveLoadFailed):
            WarcIndex([path])
        return
    index = WarcIndex([path])
    assert all(capture.length == 0 for capture in index.by_url.values())
    assert _described(index) == _described(reference)
    assert index.response(index.by_url[PAGE]).body == reference.response(reference.by_url[PAGE]).body


def test_headers_are_read_as_warcio_reads_them(tmp_path: Path) -> None:
    block = b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nbody"
    head = (
        "WARC/1.1\r\nWARC-Type: response\r\nwarc-target-uri: <http://x/a b>\r\n"
        "WARC-Type: request\r\nX-Latin: \xe9\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    path = _one_member_each(tmp_path / "odd.warc.gz", [head.encode("latin-1") + block + b"\r\n\r\n"])
    (record,) = warc_reader.records(path, keep_blocks=("response",))
    assert record.type == "response"
    assert record.headers["warc-target-uri"] == "http://x/a%20b"
    assert record.headers["x-latin"] == "é"
    assert record.block == block
    assert warc_reader.http_response(block) == (200, [("X-A", "1")], "HTTP/1.1", b"body")
    folded = head.replace("X-Latin: \xe9\r\n", "X-Latin: a\r\n b\r\n")
    path = _one_member_each(tmp_path / "folded.warc.gz", [folded.encode("latin-1") + block + b"\r\n\r\n"])
    with pytest.raises(warc_reader.NotOneRecordPerMember):
        list(warc_reader.records(path))
