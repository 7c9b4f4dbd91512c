"""The content hash that tells one version of an article from another, and the headline key of a story."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable


def normalize_text(text: str | None) -> str:
    """Unicode NFC with whitespace runs collapsed: layout changes are not edits."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def normalize_body(body: str | None) -> str:
    """NFC; each line's words joined by one space, lines without words dropped."""
    body = body or ""
    if _is_normal_body(body):
        return body
    # NFC of the whole body at once equals NFC line by line: no composition spans a line break.
    lines = unicodedata.normalize("NFC", body).splitlines()
    # map, not a generator: a body is normalised for every stored article.
    return "\n".join(filter(None, map(" ".join, map(str.split, lines))))


# ASCII whitespace that str.split() or str.splitlines() treat otherwise than a space or a "\n".
_OTHER_ASCII_SPACE = b"\t\r\x0b\x0c\x1c\x1d\x1e\x1f"
_LINE_BREAK_AS_SPACE = bytes.maketrans(b"\n", b" ")


def _is_normal_body(body: str) -> bool:
    """Whether normalize_body would return the body as it is: ASCII (so NFC already), with one
    space or one line break between words and none at either end. Extracted bodies without
    typographic quotes are; splitting and joining their words cost more than the rest of the
    hash together."""
    if not body.isascii():
        return False
    text = body.encode("ascii")
    if len(text.translate(None, _OTHER_ASCII_SPACE)) != len(text):
        return False
    spaced = text.translate(_LINE_BREAK_AS_SPACE)
    return b"  " not in spaced and not spaced.startswith(b" ") and not spaced.endswith(b" ")


def content_hash(headline: str | None, authors: Iterable[str], body: str | None) -> str:
    """sha256 over the normalised headline, authors and body (not dates, not HTML)."""
    parts = [
        normalize_text(headline),
        "\x1e".join(normalize_text(author) for author in authors),
        normalize_body(body),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@functools.lru_cache(maxsize=4096)
def headline_key(headline: str | None) -> str:
    """A headline reduced to its words: case, punctuation and markup spacing do not count."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", headline or "").casefold()).split())
