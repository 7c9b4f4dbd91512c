"""The walk of a section's list pages: what to fetch, when to stop, how far it reached (crawler/walk.py)."""

import pickle
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from crawler.items import CrawlStateItem
from crawler.walk import (
    BACKFILL,
    FULL,
    INCREMENTAL,
    Candidate,
    Choice,
    SectionWalk,
    WalkArguments,
    list_candidates,
)
from pipelines.archive.records import KnownUrl, WalkRecord

LOCAL = "http://127.0.0.1:8000"
SITE = "https://www.chinadaily.com.cn"
SECTION = f"{LOCAL}/world/asia_pacific"
SECTION_KEY = f"{SITE}/world/asia_pacific"
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)


def make_walk(**rules):
    return SectionWalk(section_url=SECTION, section_key=SECTION_KEY, **rules)


def candidate(n, published=NOW, date_problem=None):
    path = f"/a/202405/20/WS664a9a1aa31082fc043c{n:04x}.html"
    return Candidate(
        f"{LOCAL}{path}", f"{SITE}{path}", f"//www.chinadaily.com.cn{path}", published, date_problem
    )


def archived(age_days, kind="article"):
    return KnownUrl(kind, NOW - timedelta(days=age_days), http_etag='"v1"')


def fetched(choice):
    return [c.canonical for c, _ in choice.fetch]


@dataclass(frozen=True)
class Entry:
    url: str
    published: datetime | None = None
    date_problem: str | None = None


# --- WalkArguments --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["world/asia_pacific", "/world/asia_pacific/", " world/asia_pacific/ "])
def test_arguments_normalise_the_path(path):
    assert WalkArguments.parse(path, None, None, None).path == "/world/asia_pacific"


@pytest.mark.parametrize("path", [None, ""])
def test_arguments_need_a_path(path):
    with pytest.raises(ValueError):
        WalkArguments.parse(path, None, None, None)


def test_arguments_take_max_pages_of_at_least_one():
    assert WalkArguments.parse("/a/b", "3", None, None).max_pages == 3
    assert WalkArguments.parse("/a/b", 1, None, None).max_pages == 1
    assert WalkArguments.parse("/a/b", None, None, None).max_pages is None
    for wrong in ("0", -2, "many"):
        with pytest.raises(ValueError):
            WalkArguments.parse("/a/b", wrong, None, None)


def test_arguments_read_since_as_midnight_utc():
    assert WalkArguments.parse("/a/b", None, "2024-05-01", None).since == datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="since must be a day, YYYY-MM-DD, got 'last week'"):
        WalkArguments.parse("/a/b", None, "last week", None)


@pytest.mark.parametrize(("given", "full"), [("1", True), ("true", True), ("yes", True), (True, True)])
def test_arguments_ask_for_a_full_walk(given, full):
    assert WalkArguments.parse("/a/b", None, None, given).full is full


@pytest.mark.parametrize("given", [None, "0", "no", "false", False])
def test_arguments_default_to_a_walk_that_is_not_full(given):
    assert WalkArguments.parse("/a/b", None, None, given).full is False


# --- choose_mode ----------------------------------------------------------------------------


def test_mode_is_full_when_asked_even_after_a_complete_backfill():
    walk = make_walk()
    walk.choose_mode(WalkRecord(SECTION_KEY, backfill_complete=True, reached_page=40), full=True)
    assert walk.mode == FULL


def test_mode_is_incremental_once_the_backfill_is_complete():
    walk = make_walk()
    walk.choose_mode(WalkRecord(SECTION_KEY, backfill_complete=True, reached_page=40), full=False)
    assert walk.mode == INCREMENTAL


def test_mode_is_a_backfill_resuming_at_the_reached_page():
    walk = make_walk()
    walk.choose_mode(WalkRecord(SECTION_KEY, backfill_complete=False, reached_page=7), full=False)
    assert (walk.mode, walk.resume_page) == (BACKFILL, 7)


def test_mode_is_a_backfill_from_the_start_for_a_section_never_walked():
    walk = make_walk()
    walk.choose_mode(None, full=False)
    assert (walk.mode, walk.resume_page) == (BACKFILL, 0)


# --- list_candidates ------------------------------------------------------------------------


def test_list_candidates_keep_article_links_of_the_site_on_the_crawled_origin():
    path = "/a/202405/20/WS664a9a1aa31082fc043c8a11.html"
    published = datetime(2024, 5, 20, 3, 25, tzinfo=UTC)
    entries = [
        Entry(f"//www.chinadaily.com.cn{path}", published),
        Entry(f"https://global.chinadaily.com.cn{path}"),
        Entry("https://www.bbc.co.uk/news/world-asia-12345678"),
        Entry("//www.chinadaily.com.cn/world/asia_pacific/page_2.html"),
    ]
    found, counts = list_candidates(entries, SECTION, LOCAL)
    assert found == [
        Candidate(f"{LOCAL}{path}", f"{SITE}{path}", entries[0].url, published),
        Candidate(f"{LOCAL}{path}", f"{SITE}{path}", entries[1].url, None),
    ]
    assert counts == {"list/items": 4, "list/offsite_links": 1, "list/non_article_links": 1}


def test_list_candidates_carry_the_listed_time_problem():
    entry = Entry(
        "//www.chinadaily.com.cn/a/202405/20/WS664a9a1aa31082fc043c8a11.html", None, "in_the_future"
    )
    (found,), _ = list_candidates([entry], SECTION, LOCAL)
    assert found.date_problem == "in_the_future"


# --- choose ---------------------------------------------------------------------------------


def test_new_items_are_fetched_and_counted():
    walk = make_walk()
    choice = walk.choose([candidate(1), candidate(2)], {}, NOW)
    assert choice.fetch == [(candidate(1), None), (candidate(2), None)]
    assert choice.counts == {"list/new_items": 2}
    assert not choice.up_to_date and not choice.older_than_since


def test_archived_items_not_due_are_known_and_not_fetched():
    walk = make_walk(recheck_age=timedelta(days=3))
    known = {
        candidate(1).canonical: archived(age_days=10),
        candidate(2).canonical: archived(age_days=3),
        candidate(3).canonical: archived(age_days=1, kind="dead"),
    }
    choice = walk.choose([candidate(1), candidate(2), candidate(3)], known, NOW)
    assert choice.fetch == []
    assert choice.counts == {"list/known_items": 3}


def test_young_archived_articles_are_rechecked_with_their_record():
    walk = make_walk(recheck_age=timedelta(days=3))
    young = archived(age_days=1)
    choice = walk.choose([candidate(1), candidate(2)], {candidate(1).canonical: young}, NOW)
    assert choice.fetch == [(candidate(1), young), (candidate(2), None)]
    assert choice.counts == {"recheck/requests": 1, "list/new_items": 1}


def test_a_full_walk_rechecks_every_archived_item():
    walk = make_walk(mode=FULL)
    known = {candidate(1).canonical: archived(age_days=400), candidate(2).canonical: KnownUrl("dead")}
    choice = walk.choose([candidate(1), candidate(2)], known, NOW)
    assert choice.fetch == [(candidate(1), known[candidate(1).canonical]), (candidate(2), KnownUrl("dead"))]
    assert choice.counts == {"recheck/requests": 2}


def test_an_item_requested_earlier_in_the_run_is_skipped():
    walk = make_walk()
    walk.choose([candidate(1)], {}, NOW)
    choice = walk.choose([candidate(1), candidate(2), candidate(2)], {}, NOW)
    assert fetched(choice) == [candidate(2).canonical]
    assert choice.counts == {"list/repeated_items": 2, "list/new_items": 1}


def test_an_incremental_walk_stops_after_enough_known_items_in_a_row():
    walk = make_walk(mode=INCREMENTAL, stop_after_known=3)
    old = archived(age_days=30)
    known = {candidate(n).canonical: old for n in (1, 2, 4, 5, 6)}
    page = [candidate(n) for n in (1, 2, 3, 4, 5, 6, 7)]
    choice = walk.choose(page, known, NOW)
    assert choice.up_to_date
    assert fetched(choice) == [candidate(3).canonical]
    assert choice.counts == {"list/known_items": 5, "list/new_items": 1}


def test_the_known_count_carries_over_to_the_next_list_page():
    walk = make_walk(mode=INCREMENTAL, stop_after_known=3)
    known = {candidate(n).canonical: archived(age_days=30) for n in (1, 2, 3)}
    assert not walk.choose([candidate(1), candidate(2)], known, NOW).up_to_date
    assert walk.choose([candidate(3), candidate(4)], known, NOW).up_to_date


def test_a_backfill_never_stops_for_known_items():
    walk = make_walk(mode=BACKFILL, stop_after_known=2)
    known = {candidate(n).canonical: archived(age_days=30) for n in range(1, 6)}
    choice = walk.choose([candidate(n) for n in range(1, 7)], known, NOW)
    assert not choice.up_to_date
    assert fetched(choice) == [candidate(6).canonical]


def test_since_ends_the_walk_at_the_first_older_item():
    walk = make_walk(since=datetime(2024, 5, 10, tzinfo=UTC))
    page = [
        candidate(1, published=datetime(2024, 5, 12, tzinfo=UTC)),
        candidate(2, published=None),
        candidate(3, published=datetime(2024, 5, 9, 23, 59, tzinfo=UTC)),
        candidate(4, published=datetime(2024, 5, 11, tzinfo=UTC)),
    ]
    choice = walk.choose(page, {}, NOW)
    assert choice.older_than_since
    assert fetched(choice) == [page[0].canonical, page[1].canonical]


def test_absurd_listed_times_are_counted_and_the_item_still_fetched():
    walk = make_walk()
    page = [
        candidate(1, None, "in_the_future"),
        candidate(2, None, "too_early"),
        candidate(3, None, "too_early"),
    ]
    choice = walk.choose(page, {}, NOW)
    assert len(choice.fetch) == 3
    assert choice.counts["dates/list_in_the_future"] == 1
    assert choice.counts["dates/list_too_early"] == 2


# --- next_page ------------------------------------------------------------------------------

NEXT = f"{SECTION}/page_3.html"


def test_no_next_page_once_up_to_date_or_older_than_since():
    assert make_walk().next_page(2, NEXT, Choice(up_to_date=True)) is None
    assert make_walk().next_page(2, NEXT, Choice(older_than_since=True)) is None


def test_no_next_page_at_the_sections_end_which_is_its_last_page():
    walk = make_walk()
    assert walk.next_page(7, None, Choice()) is None
    assert walk.last_page == 7


def test_no_next_page_at_max_pages():
    walk = make_walk(max_pages=2)
    assert walk.next_page(1, f"{SECTION}/page_2.html", Choice()) == f"{SECTION}/page_2.html"
    assert walk.next_page(2, NEXT, Choice()) is None
    assert walk.last_page is None


def test_the_next_page_is_the_pagers_next_link():
    assert make_walk().next_page(2, NEXT, Choice()) == NEXT


def test_an_interrupted_backfill_skips_ahead_once_the_list_head_is_known():
    walk = make_walk(mode=BACKFILL, resume_page=10, stop_after_known=2)
    known = {candidate(n).canonical: archived(age_days=30) for n in (1, 2)}
    walk.listed(1, len(walk.choose([candidate(1), candidate(2)], known, NOW).fetch))
    assert walk.next_page(1, f"{SECTION}/page_2.html", Choice()) == f"{SECTION}/page_9.html"
    assert [state.reached_page for state in walk.advance()] == [8]


def test_an_interrupted_backfill_walks_on_page_by_page_until_the_list_head_is_known():
    walk = make_walk(mode=BACKFILL, resume_page=10, stop_after_known=2)
    walk.choose([candidate(1), candidate(2)], {candidate(1).canonical: archived(age_days=30)}, NOW)
    assert walk.next_page(1, f"{SECTION}/page_2.html", Choice()) == f"{SECTION}/page_2.html"


# --- listed, fetch_ended, advance -----------------------------------------------------------


def test_the_reached_page_moves_only_past_pages_whose_fetches_all_ended_in_order():
    walk = make_walk(mode=BACKFILL)
    walk.pager_last_page = 30
    walk.listed(1, 2)
    walk.listed(2, 1)
    assert list(walk.advance()) == []
    walk.fetch_ended(2)
    walk.fetch_ended(1)
    assert list(walk.advance()) == []
    walk.fetch_ended(1)
    assert list(walk.advance()) == [
        CrawlStateItem(section_url=SECTION_KEY, reached_page=2, complete=False, last_page=30)
    ]
    assert list(walk.advance()) == []


def test_a_list_page_with_nothing_to_fetch_is_done_at_once():
    walk = make_walk(mode=BACKFILL)
    walk.listed(1, 0)
    assert [state.reached_page for state in walk.advance()] == [1]


def test_a_fetch_not_from_a_list_page_moves_nothing():
    walk = make_walk(mode=BACKFILL)
    walk.listed(1, 1)
    walk.fetch_ended(None)
    assert list(walk.advance()) == []


def test_an_incremental_walk_records_no_crawl_state():
    walk = make_walk(mode=INCREMENTAL)
    walk.listed(1, 0)
    walk.listed(2, 0)
    assert list(walk.advance()) == []


def test_the_walk_is_complete_once_the_last_page_is_reached():
    walk = make_walk(mode=BACKFILL)
    walk.pager_last_page = 3
    walk.listed(1, 0)
    assert [state.complete for state in walk.advance()] == [False]
    walk.listed(2, 1)
    walk.listed(3, 0)
    walk.next_page(3, None, Choice())
    walk.fetch_ended(2)
    assert list(walk.advance()) == [
        CrawlStateItem(section_url=SECTION_KEY, reached_page=3, complete=True, last_page=3)
    ]


# --- save, restore, travelling, take --------------------------------------------------------


def walked():
    walk = make_walk(mode=BACKFILL, resume_page=12, stop_after_known=2)
    walk.choose([candidate(1), candidate(2)], {}, NOW)
    walk.listed(1, 2)
    walk.listed(2, 0)
    walk.fetch_ended(1)
    walk.pager_last_page = 40
    walk.first_page_items = 20
    walk.section_name = "World > Asia-Pacific"
    return walk


@pytest.mark.parametrize("saved", [lambda walk: walk.save(), lambda walk: walk], ids=["dict", "walk"])
def test_a_restored_walk_carries_on_where_the_saved_one_was(saved):
    before = walked()
    after = make_walk()
    after.restore(saved(before))
    assert after.save() == before.save()
    assert list(after.choose([candidate(1)], {}, NOW).fetch) == []
    after.fetch_ended(1)
    assert [state.reached_page for state in after.advance()] == [2]


def test_a_walk_saved_with_its_requested_urls_as_a_set_is_restored():
    # A JOBDIR written before the walk kept digests holds the URLs themselves.
    saved = {**walked().save(), "requested": {candidate(1).canonical, candidate(2).canonical}}
    after = make_walk()
    after.restore(saved)
    assert after.requested == {candidate(1).canonical, candidate(2).canonical}
    assert fetched(after.choose([candidate(1), candidate(3)], {}, NOW)) == [candidate(3).canonical]


def test_a_saved_walk_survives_pickling_as_a_jobdir_keeps_it():
    before = walked()
    after = make_walk()
    after.restore(pickle.loads(pickle.dumps(before)))
    assert after.save() == before.save()
    assert fetched(after.choose([candidate(2), candidate(4)], {}, NOW)) == [candidate(4).canonical]


def test_list_pages_walked_past_are_forgotten():
    walk = make_walk()
    for number in range(1, 51):
        walk.listed(number, 1)
        walk.fetch_ended(number)
        list(walk.advance())
    assert walk.done_through == 50
    assert walk.pending == {}
    walk.fetch_ended(3)
    walk.listed(51, 0)
    assert [state.reached_page for state in walk.advance()] == [51]


def test_a_walk_takes_what_travelled_with_a_list_page():
    sender = make_walk(mode=INCREMENTAL, resume_page=5, stop_after_known=3)
    sender.choose([candidate(1), candidate(2)], {candidate(n).canonical: archived(30) for n in (1, 2)}, NOW)
    receiver = make_walk(stop_after_known=3)
    receiver.take(sender.travelling())
    assert (receiver.mode, receiver.known_in_a_row, receiver.resume_page) == (INCREMENTAL, 2, 5)
    assert receiver.requested == set()
    assert receiver.choose([candidate(3)], {candidate(3).canonical: archived(30)}, NOW).up_to_date
