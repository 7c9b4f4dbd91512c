"""The English byline: 'By <authors> | <source> | Updated: YYYY-MM-DD HH:MM'."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from crawler.pages.dates import read_site_time

_BY = re.compile(r"^\s*by\s+", re.I)
_UPDATED = re.compile(r"^\s*updated\s*:?\s*", re.I)
_UPDATED_ANYWHERE = re.compile(r"\bupdated\s*:", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|&|\band\b)\s*", re.I)
# "Chen Jia in Manila": the place names where the author filed from, not the author.
_IN_PLACE = re.compile(r"\s+in\s+.*$", re.I)


@dataclass
class Byline:
    authors: list[str] = field(default_factory=list)
    source: str | None = None
    updated: datetime | None = None
    updated_problem: str | None = None
    """What was wrong with the printed 'Updated:' time (see dates.read_site_time), if anything."""


def parse_byline(text: str | None) -> Byline:
    """Split a byline into authors, source and the 'Updated:' time (UTC)."""
    byline = Byline()
    if not text:
        return byline
    # Some bylines run "Updated:" on without a separator.
    text = _UPDATED_ANYWHERE.sub("|Updated:", text)
    segments = [" ".join(part.split()) for part in text.split("|")]
    segments = [segment for segment in segments if segment]
    rest: list[str] = []
    for segment in segments:
        if _UPDATED.match(segment):
            time = read_site_time(segment)
            byline.updated, byline.updated_problem = time.value, time.problem
        elif _BY.match(segment) and not byline.authors and not rest:
            byline.authors = split_authors(_BY.sub("", segment))
        else:
            rest.append(segment)
    if rest:
        byline.source = rest[0]
    return byline


def split_authors(text: str) -> list[str]:
    """'Zhao Huanxin in Washington, Li Yang and Wang Xu' -> three names."""
    names = []
    for part in _AUTHOR_SPLIT.split(text):
        name = _IN_PLACE.sub("", part).strip(" .;:")
        if name and name not in names:
            names.append(name)
    return names
