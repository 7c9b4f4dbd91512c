"""WARC records serialised directly: the bytes warcio's record builder writes, without its per-header bookkeeping.

warcio builds each record through objects that look headers up by name, rewrite them and digest
the payload through streams: about half a millisecond a page, for three records. Capture runs in
the crawl's own thread, so that cost came off the crawl's pages per second. Here a record is a
few joins of bytes; warcio still reads them (tests/test_warc.py checks the files with
`warcio check`, re-extracts them and replays them in pywb).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

WARC_VERSION = "1.1"


@dataclass(frozen=True)
class Record:
    """One WARC record as it goes into a file, before compression."""

    id: str
    type: str
    data: bytes


def warc_date() -> str:
    """Now, as WARC 1.1 writes it (to the microsecond)."""
    date: str = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
    return date


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [first + second for first in _BASE32 for second in _BASE32]


def _digest(data: bytes) -> str:
    """SHA-1 in base 32, as WARC digests are written: 160 bits, ten at a time (half the time of
    base64.b32encode, which is written in Python)."""
    bits = int.from_bytes(hashlib.sha1(data).digest(), "big")
    return "sha1:" + "".join([_BASE32_PAIRS[(bits >> shift) & 1023] for shift in range(150, -1, -10)])


EMPTY_DIGEST = _digest(b"")


def warc_record(
    warc_type: str,
    uri: str,
    block: bytes,
    content_type: str,
    *,
    date: str,
    payload_offset: int | None = None,
    headers: dict[str, str] | None = None,
    payload_digest: str | None = None,
) -> Record:
    """A record of `warc_type` for `uri` holding `block`.

    For `response` and `request` records the block is the HTTP message, whose payload (the body)
    begins at `payload_offset`; a caller that already has the payload's digest passes it."""
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    block_digest = _digest(block)
    if payload_digest is None:
        payload_digest = block_digest if payload_offset is None else _digest(block[payload_offset:])
    fields = {
        "WARC-Date": date,
        **(headers or {}),
        "WARC-Type": warc_type,
        "WARC-Record-ID": record_id,
        "WARC-Target-URI": uri,
        "WARC-Payload-Digest": payload_digest,
        "WARC-Block-Digest": block_digest,
        "Content-Type": content_type,
        "Content-Length": str(len(block)),
    }
    head = (
        f"WARC/{WARC_VERSION}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in fields.items())
        + "\r\n"
    )
    return Record(record_id, warc_type, head.encode("utf-8") + block + b"\r\n\r\n")


def http_head(first_line: str, pairs: list[tuple[bytes, bytes]]) -> bytes:
    """An HTTP message's start line and headers, as warcio writes them into a record.

    Header bytes pass through as they came; warcio %-encodes a value that is not ASCII, and so
    does this, through warcio itself (rare: the common case stays a join of bytes)."""
    head = (
        first_line.encode("latin-1")
        + b"\r\n"
        + b"".join(name + b": " + value + b"\r\n" for name, value in pairs)
    )
    if head.isascii():
        return head + b"\r\n"
    text_pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in pairs]
    protocol, _, status = first_line.partition(" ")
    headers = StatusAndHeaders(status, text_pairs, protocol=protocol)
    headers.compute_headers_buffer()
    buffer: Any = headers.headers_buff
    return bytes(buffer)


def http_record(
    warc_type: str,
    uri: str,
    first_line: str,
    pairs: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    date: str,
    headers: dict[str, str],
) -> Record:
    """A `response` or `request` record: the HTTP start line, headers and body."""
    head = http_head(first_line, pairs)
    return warc_record(
        warc_type,
        uri,
        head + body,
        f"application/http; msgtype={warc_type}",
        date=date,
        payload_offset=len(head),
        headers=headers,
        payload_digest=None if body else EMPTY_DIGEST,
    )
