"""Soft-404 calibration by probing (Bar-Yossef et al. 2004): how the site answers URLs that cannot exist."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from scrapy.http import Response, TextResponse

from crawler.pages.text import text_of
from crawler.siteurls import canonical_url, site_article_id
from pipelines.archive.records import ProbeRecord
from pipelines.similarity import containment, each_shingle_in, resemblance, shingles

SHAPES = ("new_article", "old_article", "list")
HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml"})


def shape_of(url: str) -> str:
    """Which kind of URL this is: 'new_article' (WS id), 'old_article' (content_ id) or 'list'."""
    article_id = site_article_id(url)
    if article_id is None:
        return "list"
    return "new_article" if article_id.startswith("WS") else "old_article"


def probe_url(shape: str, origin: str, section_path: str, now: datetime) -> str:
    """A URL of the given shape that cannot exist on the site."""
    if shape == "new_article":
        # Shaped like a real id: publication time first, then random hex.
        return f"{origin}/a/{now:%Y%m}/{now:%d}/WS{int(now.timestamp()):08x}{secrets.token_hex(8)}.html"
    if shape == "old_article":
        channel = section_path.strip("/").split("/")[0] or "world"
        number = 900_000_000 + secrets.randbelow(99_999_999)
        return f"{origin}/{channel}/{now:%Y-%m}/{now:%d}/content_{number}.htm"
    return f"{origin}{section_path}/page_{90_000 + secrets.randbelow(9_999)}.html"


# Error pages echo the requested path, a reference number or the date: words with digits
# are masked so that two answers of one error page compare equal. The match of r"\w*\d\w*",
# tried only where a word starts and up to its first digit: half the time on a page's text.
_WITH_DIGITS = re.compile(r"\b\w*?\d\w*")


def masked_shingles(text: str) -> set[int]:
    """Shingles of a text with its words containing digits masked."""
    return shingles(_WITH_DIGITS.sub("0", text))


def visible_shingles(response: Response) -> set[int]:
    """Masked shingles of the text a reader sees on the page (scripts and styles left out)."""
    if not isinstance(response, TextResponse):
        return set()
    return masked_shingles(text_of(response.css("body")) or text_of(response.xpath("/*")))


@dataclass(frozen=True)
class Fingerprint:
    """The site's answer to one probe: status, where it ended, and the shingles of its text."""

    shape: str
    url: str
    status: int
    final_url: str
    shingles: frozenset[int]
    fetched_at: datetime

    @classmethod
    def from_response(cls, shape: str, url: str, response: Response, fetched_at: datetime) -> Fingerprint:
        return cls(
            shape, url, response.status, response.url, frozenset(visible_shingles(response)), fetched_at
        )

    @classmethod
    def from_record(cls, record: ProbeRecord) -> Fingerprint:
        return cls(
            record.shape,
            record.url,
            record.status,
            record.final_url,
            frozenset(record.shingles),
            record.fetched_at,
        )

    def to_record(self, origin: str) -> ProbeRecord:
        return ProbeRecord(
            origin, self.shape, self.url, self.status, self.final_url, sorted(self.shingles), self.fetched_at
        )

    @property
    def answers_200(self) -> bool:
        return 200 <= self.status < 300


class ProbeSet:
    """The fingerprints of one origin, and the comparison of a fetched page with them.

    The site's header, menus and footer stand on every page, error pages included; they are
    the shingles a probe shares with a list page, and are left out of every comparison so
    that only what makes a page an error page is compared.
    """

    def __init__(self, fingerprints: dict[str, Fingerprint], threshold: float) -> None:
        self.fingerprints = fingerprints
        self.threshold = threshold
        answered = [fp.shingles for fp in fingerprints.values() if fp.answers_200]
        listing = fingerprints.get("list")
        articles = [fingerprints[s].shingles for s in ("new_article", "old_article") if s in fingerprints]
        self.chrome: frozenset[int] = frozenset()
        if listing is not None and listing.answers_200 and articles and len(answered) > 1:
            self.chrome = frozenset(listing.shingles.intersection(*articles))
        self._distinctive = {shape: fp.shingles - self.chrome for shape, fp in fingerprints.items()}

    def similarity(self, shape: str, page: set[int]) -> float:
        """Resemblance of a page to the probe answer of its URL shape, site chrome left out."""
        fingerprint = self.fingerprints.get(shape)
        if fingerprint is None or not fingerprint.answers_200:
            return 0.0
        distinctive = self._distinctive[shape]
        if not distinctive:
            return 0.0
        return resemblance(set(distinctive), page - self.chrome)

    def matches(self, shape: str, page: set[int]) -> bool:
        return self.similarity(shape, page) >= self.threshold

    def body_is_probe_text(self, shape: str, body: str) -> bool:
        """True when an 'article' body is text of the probe's error page (a not-found page in
        article dress): at least `threshold` of its masked shingles are the probe's own."""
        fingerprint = self.fingerprints.get(shape)
        if fingerprint is None or not fingerprint.answers_200:
            return False
        distinctive = self._distinctive[shape]
        # Whatever is still to come, a body holds at most len(distinctive) of the probe's
        # shingles; once more than this many of its own are not the probe's, under `threshold`
        # of them can be: a real article's is told after its first few lines.
        most_others = (
            len(distinctive) * (1 - self.threshold) / self.threshold if self.threshold > 0 else math.inf
        )
        seen: set[int] = set()
        others = 0
        # Line by line: masking and splitting the whole body into words cost more than the
        # comparison, which mostly ends within the first lines.
        lines = (_WITH_DIGITS.sub("0", line) for line in body.split("\n"))
        for shingle in each_shingle_in(lines):
            if shingle in seen:
                continue
            seen.add(shingle)
            others += shingle not in distinctive
            if others > most_others:
                return False
        return bool(seen) and len(seen & distinctive) / len(seen) >= self.threshold

    def without_chrome(self, lines: list[str]) -> list[str]:
        """Lines of extracted text that are not the site's chrome (menus, copyright, footer)."""
        if not self.chrome:
            return lines
        kept = []
        for line in lines:
            line_shingles = masked_shingles(line)
            if not line_shingles or containment(line_shingles, set(self.chrome)) < self.threshold:
                kept.append(line)
        return kept

    def catch_all_targets(self) -> set[str]:
        """Where the site redirects URLs it does not have (the final URLs of redirected probes)."""
        return {canonical_url(fp.final_url) for fp in self.fingerprints.values() if fp.final_url != fp.url}
