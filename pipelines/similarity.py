"""Near-duplicate measures over text: word shingles, their resemblance (Broder 1997), 64-bit SimHash."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Han, kana and hangul are written without spaces: each character counts as a word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def words(text: str) -> list[str]:
    lowered = text.lower()
    tokens = _WORD.findall(lowered)
    # One search of the whole text spares a search of each word in the common case.
    if not _CJK.search(lowered):
        return tokens
    return [char for token in tokens for char in (token if _CJK.search(token) else (token,))]


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(text: str, size: int = 3) -> set[int]:
    """Hashes of every run of `size` consecutive words (the whole text if it is shorter)."""
    return set(each_shingle(text, size))


def each_shingle(text: str, size: int = 3) -> Iterator[int]:
    """The hashes shingles() gathers, in the text's order, for a reader that may stop early."""
    return each_shingle_in((text,), size)


def each_shingle_in(pieces: Iterable[str], size: int = 3) -> Iterator[int]:
    """each_shingle() of the pieces' concatenation, where they are cut between words (at a line
    break, say): a piece is read only once its shingles are wanted, so a reader that stops
    early does not pay for the rest of a long text."""
    carried: list[str] = []
    yielded = False
    for piece in pieces:
        found = carried + words(piece)
        for start in range(len(found) - size + 1):
            yield _hash64(" ".join(found[start : start + size]))
        yielded = yielded or len(found) >= size
        # The last size - 1 words begin shingles that end in the next piece.
        carried = found[max(0, len(found) - size + 1) :]
    if carried and not yielded:
        yield _hash64(" ".join(carried))


def resemblance(a: set[int], b: set[int]) -> float:
    """Jaccard similarity of two shingle sets (Broder 1997); 0 for two empty sets."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(inner: set[int], outer: set[int]) -> float:
    """Share of `inner`'s shingles that also occur in `outer`."""
    return len(inner & outer) / len(inner) if inner else 0.0


def simhash(features: Iterable[int]) -> int:
    """Charikar's 64-bit SimHash of hashed features (e.g. shingles), unsigned."""
    features = list(features)
    bit_counts = [0] * 64
    # Counting each byte value once per position is several times faster than testing
    # every bit of every feature in Python.
    for shift in range(0, 64, 8):
        for value, count in Counter((feature >> shift) & 0xFF for feature in features).items():
            for bit in range(8):
                if value >> bit & 1:
                    bit_counts[shift + bit] += count
    return sum(1 << bit for bit, ones in enumerate(bit_counts) if ones * 2 > len(features))


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


def to_signed64(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def from_signed64(value: int) -> int:
    return value + (1 << 64) if value < 0 else value
