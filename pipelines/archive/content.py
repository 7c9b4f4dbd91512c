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


def content_hash(headline: str | None, authors: Iterable[str], body: str | None) -> str:
    """sha256 over the normalised headline, authors and body (not dates, not HTML)."""
    # NFC of the whole body at once equals NFC line by line: no composition spans a line break.
    lines = unicodedata.normalize("NFC", body or "").splitlines()
    parts = [
        normalize_text(headline),
        "\x1e".join(normalize_text(author) for author in authors),
        # Each line's words joined by one space, lines without words dropped (map, not a
        # generator: a body is hashed for every stored article).
        "\n".join(filter(None, map(" ".join, map(str.split, lines)))),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@functools.lru_cache(maxsize=4096)
def headline_key(headline: str | None) -> str:
    """A headline reduced to its words: case, punctuation and markup spacing do not count."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", headline or "").casefold()).split())
