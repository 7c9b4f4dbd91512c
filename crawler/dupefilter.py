"""What a run has seen, in 8 bytes an entry: the digest sets, and Scrapy's duplicate filter on them, letting redirects through."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from hashlib import blake2b
from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

# With 64 bits, a million entries collide with odds of about 3 in 100 million.
DIGEST_BYTES = 8

# Requests Scrapy writes to the JOBDIR's requests.seen: its documented record, a 2-byte
# big-endian length and the fingerprint.
_LENGTH_BYTES = 2


def text_digest(text: str) -> int:
    """The 64-bit digest a URL (or any key) is kept as."""
    return int.from_bytes(blake2b(text.encode(), digest_size=DIGEST_BYTES).digest(), "big")


class DigestSet:
    """A set of 64-bit digests in 8 bytes each, where a Python set of them costs about 80.

    The digests sit in a sorted array, searched by bisection; the latest additions wait in a
    small set and are merged in once MERGE_AT of them have gathered.
    """

    __slots__ = ("_recent", "_sorted")
    MERGE_AT = 2048

    def __init__(self, digests: Iterable[int] = ()) -> None:
        self._sorted = array("Q")
        self._recent: set[int] = set()
        for digest in digests:
            self.add_digest(digest)

    def has_digest(self, digest: int) -> bool:
        if digest in self._recent:
            return True
        found = self._sorted
        at = bisect_left(found, digest)
        return at < len(found) and found[at] == digest

    def add_digest(self, digest: int) -> bool:
        """Adds it; False if it was there already."""
        if self.has_digest(digest):
            return False
        self._recent.add(digest)
        if len(self._recent) >= self.MERGE_AT:
            self._merge()
        return True

    def _merge(self) -> None:
        if not self._recent:
            return
        # Whole runs of the old array are copied between the insertion points: no Python int
        # is made per kept digest, and the memory needed is the two arrays for a moment.
        old, merged, start = self._sorted, array("Q"), 0
        for digest in sorted(self._recent):
            at = bisect_left(old, digest, start)
            merged.extend(old[start:at])
            merged.append(digest)
            start = at
        merged.extend(old[start:])
        self._sorted, self._recent = merged, set()

    def digests(self) -> Iterator[int]:
        self._merge()
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DigestSet):
            return list(self.digests()) == list(other.digests())
        return NotImplemented

    def __getstate__(self) -> dict[str, Any]:
        self._merge()
        return {"sorted": self._sorted.tobytes()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._sorted = array("Q")
        self._sorted.frombytes(state["sorted"])
        self._recent = set()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)}>"


class SeenUrls(DigestSet):
    """Canonical URLs (or other text keys) seen in a run, as a set of str would hold them, in 8 bytes each.

    `in`, `add`, `update` and `==` take the text; a set of str compares equal when it holds
    the same keys. The keys themselves are not kept, so it cannot list them.
    """

    __slots__ = ()

    def __init__(self, urls: Iterable[str] = ()) -> None:
        super().__init__()
        self.update(urls)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self.has_digest(text_digest(url))

    def add(self, url: str) -> None:
        self.add_digest(text_digest(url))

    def update(self, urls: Iterable[str] | DigestSet) -> None:
        """Adds the URLs; or every digest of another set (a walk saved by a JOBDIR)."""
        if isinstance(urls, DigestSet):
            for digest in urls.digests():
                self.add_digest(digest)
        else:
            for url in urls:
                self.add(url)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (set, frozenset)):
            return len(other) == len(self) and all(url in self for url in other)
        return super().__eq__(other)


def fingerprint_digest(fingerprint: bytes) -> int:
    """The first 8 bytes of a Scrapy request fingerprint (a SHA-1): already a uniform digest."""
    return int.from_bytes(fingerprint[:DIGEST_BYTES], "big")


class RedirectsPassThrough:
    """A duplicate filter's rule that the next hop of a redirect is never a duplicate.

    Several links that redirect to one target (a catch-all, or an article already fetched)
    must each arrive there: the judge counts them to tell a catch-all target from a move.
    Redirect chains stay bounded by REDIRECT_MAX_TIMES.
    """

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))  # type: ignore[misc]


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter keeping 8 bytes of each request's fingerprint, not a 20-byte bytes in a set.

    Scrapy's set costs about 100 bytes a request, the run's largest structure that grows with
    the section. A JOBDIR's requests.seen is read and written as Scrapy does, whole fingerprints.
    """

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        super().__init__(path, debug, **kwargs)
        # What a JOBDIR's requests.seen held, read by Scrapy into its own set.
        self.seen = DigestSet(map(fingerprint_digest, self._fingerprints))
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self._fingerprint(request)
        if not self.seen.add_digest(fingerprint_digest(fingerprint)):
            return True
        if self.file:
            self.file.write(len(fingerprint).to_bytes(_LENGTH_BYTES, "big") + fingerprint)
        return False


class RedirectAwareDupeFilter(RedirectsPassThrough, CompactDupeFilter):
    """Filters a URL requested twice, but never the next hop of a redirect."""
