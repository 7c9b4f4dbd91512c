"""Beijing-time parsing (crawler/pages/dates.py)."""

from datetime import UTC, datetime

from crawler.pages.dates import date_published, parse_beijing


def test_minutes_are_read_as_beijing_time():
    assert parse_beijing("2016-11-29 11:25") == datetime(2016, 11, 29, 3, 25, tzinfo=UTC)


def test_a_time_after_midnight_beijing_is_the_previous_day_in_utc():
    assert parse_beijing("2019-01-12 02:06") == datetime(2019, 1, 11, 18, 6, tzinfo=UTC)


def test_a_date_alone_is_midnight_beijing():
    assert parse_beijing("2023-11-17") == datetime(2023, 11, 16, 16, 0, tzinfo=UTC)


def test_seconds_and_surrounding_text():
    assert parse_beijing("Updated: 2023-11-17 15:13:20　") == datetime(2023, 11, 17, 7, 13, 20, tzinfo=UTC)


def test_impossible_or_missing_dates_give_none():
    assert parse_beijing("2019-02-30 10:00") is None
    assert parse_beijing("no date here") is None
    assert parse_beijing(None) is None


LISTED = datetime(2019, 1, 11, 18, 6, tzinfo=UTC)
ID_TIME = datetime(2019, 1, 11, 18, 0, 47, tzinfo=UTC)
PRINTED = datetime(2019, 1, 11, 23, 34, tzinfo=UTC)
PUBLISHDATE = datetime(2019, 1, 11, 16, 0, tzinfo=UTC)


def test_the_section_list_s_time_comes_first():
    assert date_published(listed=LISTED, id_time=ID_TIME, printed=PRINTED, publishdate=PUBLISHDATE) == LISTED


def test_without_a_list_the_ws_id_s_time_then_the_printed_time_then_meta_publishdate():
    assert date_published(id_time=ID_TIME, printed=PRINTED, publishdate=PUBLISHDATE) == ID_TIME
    assert date_published(printed=PRINTED, publishdate=PUBLISHDATE) == PRINTED
    assert date_published(publishdate=PUBLISHDATE) == PUBLISHDATE
    assert date_published() is None
