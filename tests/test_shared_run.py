"""The shared run's bookkeeping in Redis: who seeds, who waits, when the run is over, who was lost."""

import threading
import time

import pytest
import redis
from scrapy import Request, Spider

from crawler.distributed import SharedQueue
from crawler.shared_run import SharedRun
from tests.redis_server import REDIS_URL, redis_prefix


@pytest.fixture
def base():
    with redis_prefix() as prefix:
        yield f"{prefix}:asia_pacific:/world/asia_pacific"


def worker(base, name, heartbeat_seconds=30.0):
    return SharedRun(redis.Redis.from_url(REDIS_URL), base, name, heartbeat_seconds)


def queue(run, *requests):
    for score, data in enumerate(requests):
        run.server.zadd(run.key("requests"), {data: score})


def test_the_first_worker_seeds_and_the_others_join_the_same_run(base):
    first, second, third = (worker(base, name) for name in "abc")
    for run in (first, second, third):
        run.join()
    assert (first.role, second.role, third.role) == ("seed", "join", "join")
    assert first.run_id == second.run_id == third.run_id


def test_workers_wait_while_requests_are_queued_or_another_worker_is_busy(base):
    a, b = worker(base, "a"), worker(base, "b")
    a.join()
    b.join()
    # b is busy (it has just joined, as the seeder might still be starting): a waits.
    assert not a.idle()
    queue(a, b"request-1")
    assert not b.idle(), "a request is queued"
    assert b.pop() == b"request-1"
    assert not a.idle(), "b took the request and is busy with it"
    assert not b.idle(), "nothing queued, nobody busy: b waits until a has seen that too"
    assert a.idle()
    assert b.idle()


def test_taking_a_request_marks_the_worker_busy_in_the_same_step(base):
    a = worker(base, "a")
    a.join()
    queue(a, b"r")
    assert not a.idle()
    assert a.server.hget(a.key("workers"), "a") == b"idle"
    assert a.pop() == b"r"
    assert a.server.hget(a.key("workers"), "a") == b"busy"
    assert a.pop() is None


def test_the_last_worker_out_ends_the_run_and_the_next_start_seeds_a_new_one(base):
    a, b = worker(base, "a"), worker(base, "b")
    a.join()
    b.join()
    assert a.leave(clean=True).outcome == "others"
    end = b.leave(clean=True)
    assert (end.outcome, end.lost) == ("last", False)
    assert not a.server.exists(f"{base}:run")
    assert not a.server.exists(a.key("requests")) and not a.server.exists(a.key("seen"))
    c = worker(base, "c")
    c.join()
    assert c.role == "seed" and c.run_id != a.run_id


def test_a_run_left_with_requests_queued_is_continued_by_the_next_workers(base):
    a = worker(base, "a")
    a.join()
    queue(a, b"left-over")
    assert a.leave(clean=False).outcome == "interrupted"
    b = worker(base, "b")
    b.join()
    assert (b.role, b.run_id) == ("resume", a.run_id)
    assert b.pop() == b"left-over"
    end = b.leave(clean=True)
    assert (end.outcome, end.lost) == ("last", True), "a stopped early: its requests in flight are lost"


def test_a_worker_whose_heartbeat_expires_is_lost_and_no_longer_waited_for(base):
    a, b = worker(base, "a"), worker(base, "b", heartbeat_seconds=0.2)
    a.join()
    b.join()
    assert b.pop() is None  # b stays busy, as a worker killed in the middle of its work
    assert not a.idle()
    time.sleep(0.4)
    assert a.idle(), "b's heartbeat expired: a no longer waits for it"
    assert a.server.hget(a.key("workers"), "b") == b"lost"
    end = a.leave(clean=True)
    assert (end.outcome, end.lost) == ("last", True)


def test_a_worker_killed_while_idle_is_waited_for_until_it_is_lost(base):
    # An idle worker may still hold items not yet written: the run is not over while it is alive.
    a, b = worker(base, "a"), worker(base, "b", heartbeat_seconds=0.2)
    a.join()
    b.join()
    assert not b.idle(), "a is busy"
    assert not a.idle(), "b is idle but has not seen that the run is over"
    time.sleep(0.4)  # b was killed: its heartbeat expires
    assert a.idle()
    assert a.server.hget(a.key("workers"), "b") == b"lost"
    end = a.leave(clean=True)
    assert (end.outcome, end.lost) == ("last", True)


def test_a_run_whose_workers_all_died_with_nothing_queued_is_ended_by_the_next_start(base):
    a = worker(base, "a", heartbeat_seconds=0.2)
    a.join()
    time.sleep(0.4)
    b = worker(base, "b")
    b.join()
    assert b.role == "seed" and b.run_id != a.run_id
    assert b.previous_lost, "the new run's seeder must make the walk start again"


def test_a_failing_heartbeat_keeps_beating(base):
    class Unreachable:
        def pipeline(self):
            raise redis.ConnectionError("Redis went away")

        def register_script(self, script):
            return None

    run = SharedRun(Unreachable(), base, "a", heartbeat_seconds=30)
    run.run_id = "r"
    run.start_heartbeat(lambda: {})
    try:
        assert run._heartbeat is not None and run._heartbeat.running
    finally:
        run.stop_heartbeat()


def test_a_request_holding_a_browser_page_is_queued_without_it(base):
    run = worker(base, "a")
    run.join()
    spider = Spider(name="asia_pacific")
    spider.shared_run = run
    queue = SharedQueue(run.server, spider, run.key("requests"))
    unpicklable = threading.Lock()
    queue.push(Request("http://127.0.0.1/a.html", meta={"playwright_page": unpicklable, "list_page": 3}))
    request = queue.pop()
    assert request.url == "http://127.0.0.1/a.html"
    assert request.meta["list_page"] == 3 and "playwright_page" not in request.meta
