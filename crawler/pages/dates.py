"""Times as the site prints them (Beijing, UTC+8) turned into UTC datetimes."""

from __future__ import annotations

import re
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
