"""Times as the site prints them (Beijing, UTC+8) turned into UTC datetimes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_beijing(text: str | None) -> datetime | None:
    """The first 'YYYY-MM-DD[ HH:MM[:SS]]' in text, read as Beijing time, in UTC.

    A date without a time is taken as 00:00 Beijing time. Impossible dates give None.
    """
    if not text:
        return None
    match = _DATETIME.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
    except ValueError:
        return None
    return local.astimezone(UTC)


# chinadaily.com.cn went online in 1995: an earlier time on it is a typo, not a date.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
# A time this far ahead is no clock skew but an error; a day or two ahead can be time zones.
LATEST_AHEAD = timedelta(days=2)
# Thai and other Buddhist-era calendars count 543 years ahead: 2569 BE is 2026 CE.
BUDDHIST_ERA_OFFSET = 543


@dataclass(frozen=True)
class SiteTime:
    """A time the site printed, made sense of: the time (or None) and what was wrong with it."""

    value: datetime | None
    problem: str | None = None
    """'buddhist_era' (read back to the common era), 'in_the_future' or 'too_early' (left out)."""


def read_site_time(text: str | None, now: datetime | None = None) -> SiteTime:
    """parse_beijing, with absurd times told apart: a Buddhist-era year is read back, a time in
    the future or before the site existed is left out."""
    value = parse_beijing(text)
    if value is None:
        return SiteTime(None)
    now = now or datetime.now(UTC)
    problem = None
    if EARLIEST.year + BUDDHIST_ERA_OFFSET <= value.year <= now.year + BUDDHIST_ERA_OFFSET + 1:
        try:
            value = value.replace(year=value.year - BUDDHIST_ERA_OFFSET)
        except ValueError:  # 29 February of a year that has none in the other era
            return SiteTime(None, "buddhist_era")
        problem = "buddhist_era"
    if value > now + LATEST_AHEAD:
        return SiteTime(None, "in_the_future")
    if value < EARLIEST:
        return SiteTime(None, "too_early")
    return SiteTime(value, problem)


def date_published(
    *,
    listed: datetime | None = None,
    id_time: datetime | None = None,
    cms: datetime | None = None,
    printed: datetime | None = None,
    publishdate: datetime | None = None,
) -> datetime | None:
    """When an article was published (docs/judging.md): the time its section list shows; for an
    article not reached through a list, the Unix time in its WS id; else the publication time the
    old CMS wrote into a legacy page (its enpproperty comment); else the exact time the page
    prints (the byline's 'Updated:', div.xinf-le on the Chinese subsite); else meta publishdate,
    a date only."""
    for evidence in (listed, id_time, cms, printed, publishdate):
        if evidence is not None:
            return evidence
    return None
