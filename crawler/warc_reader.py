"""WARC records read straight from a crawl's gzip members by zlib: where each record is, its WARC headers and block.

A crawl writes one gzip member per record (crawler/warc_records.py). Re-extraction indexes every
record of every file before its first request, in each worker, and then reads each response
again: through warcio's layered streams that took about half a second per 2,000 articles' files
to index, a tenth of a replay. Here a member is inflated in one call and its headers split
once. The headers are read as warcio reads them (the first of a name wins, names without case,
a line decoded as UTF-8 or else Latin-1, a WARC-Target-URI's <> and spaces mended), and the
HTTP head of a response by warcio's own parser. A file written any other way (uncompressed,
several records to a member, a cut-off member, folded header lines) raises NotOneRecordPerMember,
and the caller reads it with warcio instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParser

# Inflating a member leaves the rest of the read in a new bytes object: reads of 1 MiB copied
# half a MiB per record of a few KiB, and took half again as long as 64 KiB.
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_HTTP_HEAD = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_TYPES, verify=False)


class NotOneRecordPerMember(ValueError):
    """The file is not gzip members of one WARC record each, as a crawl writes them."""


@dataclass(frozen=True)
class WarcRecord:
    """One record: where its member is in the file, its WARC headers, and its block if kept."""

    offset: int
    length: int
    headers: dict[str, str]
    """WARC header values by lower-case name."""
    block: bytes | None

    @property
    def type(self) -> str:
        return self.headers.get("warc-type", "")


def records(path: Path, keep_blocks: tuple[str, ...] = ()) -> Iterator[WarcRecord]:
    """The file's records in order, with the blocks of records whose type is in `keep_blocks`."""
    with path.open("rb") as stream:
        if stream.read(2) != _GZIP_MAGIC:
            raise NotOneRecordPerMember(f"{path} is not gzipped")
        stream.seek(0)
        for offset, length, data in _members(stream):
            headers, block = _parse(data)
            yield WarcRecord(
                offset, length, headers, block if headers.get("warc-type") in keep_blocks else None
            )


def record_at(path: Path, offset: int, length: int) -> WarcRecord:
    """The record whose member is `length` bytes at `offset`, its block included."""
    with path.open("rb") as stream:
        stream.seek(offset)
        member = stream.read(length)
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(member)
    except zlib.error as error:
        raise NotOneRecordPerMember(f"{path} at {offset}: {error}") from error
    if not inflater.eof or inflater.unused_data:
        raise NotOneRecordPerMember(f"{path} at {offset}: not one gzip member of {length} bytes")
    headers, block = _parse(data)
    return WarcRecord(offset, length, headers, block)


def http_response(block: bytes) -> tuple[int, list[tuple[str, str]], str, bytes]:
    """Status, header pairs, protocol and body of a response record's block, as warcio reads them."""
    stream = BytesIO(block)
    head = _HTTP_HEAD.parse(stream)
    return int(head.get_statuscode()), head.headers, head.protocol, stream.read()


def _members(stream: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """Each gzip member of the stream: its offset, its length in the stream, its data inflated."""
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = stream.read(_CHUNK)
            if not pending:
                return
        inflater = zlib.decompressobj(wbits=31)
        parts = []
        length = 0
        try:
            while True:
                parts.append(inflater.decompress(pending))
                if inflater.eof:
                    rest = inflater.unused_data
                    length += len(pending) - len(rest)
                    pending = rest
                    break
                length += len(pending)
                pending = stream.read(_CHUNK)
                if not pending:
                    raise NotOneRecordPerMember(f"the gzip member at {offset} is cut off")
        except zlib.error as error:
            raise NotOneRecordPerMember(f"the gzip member at {offset}: {error}") from error
        yield offset, length, b"".join(parts)
        offset += length


def _parse(data: bytes) -> tuple[dict[str, str], bytes]:
    """The WARC headers and the block of a member's data, which must hold exactly one record."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"WARC/"):
        raise NotOneRecordPerMember("a member that does not begin with a WARC record's headers")
    headers: dict[str, str] = {}
    head = data[:end]
    try:
        lines = head.decode("utf-8").split("\r\n")
    except UnicodeDecodeError:
        lines = [_decoded(raw) for raw in head.split(b"\r\n")]
    for line in lines[1:]:
        line = line.rstrip()
        name, colon, value = line.partition(":")
        if not colon or line[:1] in (" ", "\t"):
            raise NotOneRecordPerMember(f"a WARC header line warcio would read otherwise: {line!r}")
        headers.setdefault(name.rstrip(" \t").lower(), value.lstrip())
    try:
        size = int(headers["content-length"])
    except (KeyError, ValueError) as error:
        raise NotOneRecordPerMember("a WARC record without a valid Content-Length") from error
    start = end + 4
    if size < 0 or data[start + size :] != b"\r\n\r\n":
        raise NotOneRecordPerMember("a member holding other than one record")
    uri = headers.get("warc-target-uri")
    if uri is not None:
        if uri.startswith("<") and uri.endswith(">"):
            uri = uri[1:-1]
        headers["warc-target-uri"] = uri.replace(" ", "%20")
    return headers, data[start : start + size]


def _decoded(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("iso-8859-1")
