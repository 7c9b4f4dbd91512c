"""Faults the local site can answer an article URL with, from server errors to broken bytes.

Each article index of SiteModel.faults names one of FAULT_KINDS; the server then answers
that article's URL with the fault instead of (or as a corruption of) its page.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field

# What the archive must make of each: an article (maybe repaired), a failed URL to retry,
# or a dead one.
ARCHIVED = (
    "http_429",
    "wrong_charset",
    "bad_utf8",
    "broken_html",
    "date_buddhist",
    "date_future",
    "date_none",
)
FAILED = ("http_500", "http_502", "http_503", "slow", "reset", "short", "huge", "gzip_bomb", "redirect_loop")
DEAD = ("not_html",)
# For a page of a multi-page article (SiteModel.page_faults): the site has lost that page.
LOST_PAGE = ("http_404",)
# The site's article template changed (its container renamed): read by the generic fallback.
CHANGED = ("template_changed",)
FAULT_KINDS = (*ARCHIVED, *FAILED, *DEAD, *CHANGED, *LOST_PAGE, "ten_thousand_paragraphs")
# Past the crawl's download timeout and size limit, which the fault tests lower to these.
SLOW_SECONDS = 4.0
HUGE_BYTES = 3_000_000
BOMB_BYTES = 50_000_000


@dataclass
class Answer:
    """What the server sends: status, headers, body, and how (pause first; cut the connection)."""

    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0
    transport: str = "normal"
    """'normal'; 'reset': half the body, then a TCP reset; 'short': less body than announced."""
    extra: dict[str, str] = field(default_factory=dict)


def apply(kind: str, path: str, answer: Answer, attempt: int) -> Answer:
    """The fault's answer for an article page whose normal answer is `answer`."""
    text_type = {"Content-Type": "text/html; charset=utf-8"}
    if kind == "http_404":
        return Answer(404, text_type, b"<html><body>Not Found</body></html>")
    if kind.startswith("http_5"):
        status = int(kind.removeprefix("http_"))
        return Answer(status, text_type, f"<html><body>Error {status}</body></html>".encode())
    if kind == "http_429":
        if attempt == 1:
            return Answer(429, {**text_type, "Retry-After": "1"}, b"<html><body>Slow down</body></html>")
        return answer
    if kind == "slow":
        return Answer(answer.status, answer.headers, answer.body, delay=SLOW_SECONDS)
    if kind in ("reset", "short"):
        return Answer(answer.status, answer.headers, answer.body, transport=kind)
    if kind == "huge":
        padding = b"<!-- " + b"x" * HUGE_BYTES + b" -->"
        return Answer(answer.status, answer.headers, answer.body.replace(b"</body>", padding + b"</body>"))
    if kind == "gzip_bomb":
        bomb = gzip.compress(b"<html><body>" + b"\0" * BOMB_BYTES, compresslevel=9)
        return Answer(200, {**text_type, "Content-Encoding": "gzip"}, bomb)
    if kind == "redirect_loop":
        return Answer(302, {"Location": path}, b"")
    if kind == "not_html":
        return Answer(
            200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n"
        )
    if kind == "wrong_charset":
        # UTF-8 bytes, announced as Latin-1: decoded as declared, every accent turns to mojibake.
        return Answer(
            answer.status, {**answer.headers, "Content-Type": "text/html; charset=iso-8859-1"}, answer.body
        )
    if kind == "bad_utf8":
        # Bytes that are no UTF-8 at all, in the middle of the first paragraph.
        body = re.sub(
            rb'(<div id="Content">\s*(?:<figure.*?</figure>\s*)?<p>\w+)',
            lambda match: match.group(1) + b"\xff\xfe\xc3",
            answer.body,
            count=1,
        )
        return Answer(answer.status, answer.headers, body)
    if kind == "template_changed":
        return Answer(answer.status, answer.headers, answer.body.replace(b'id="lft-art"', b'id="story-main"'))
    if kind == "broken_html":
        body = answer.body.replace(b"</p>", b"").replace(b"</span>", b"").replace(b"<h1>", b"<h1><b>")
        body = body.replace(b'<div id="Content">', b'<div id="Content"><<< <b>\n')
        return Answer(answer.status, answer.headers, body)
    return answer
