"""Several crawl workers sharing one frontier in Redis (scrapy-redis), and knowing together when it is done.

With REDIS_URL set, scrapy-redis's scheduler holds the requests in Redis, so any worker can take
any of them. What scrapy-redis leaves to us, this module adds:

- a *shared run*: the queue and the seen-set of one run live under keys carrying the run's id,
  the first worker to arrive starts the run and seeds it, later ones join it, and a run whose
  workers all stopped with requests left is continued by the next workers started;
- knowing when the run is over: each worker is `busy` (taking a request from the queue marks it
  so, in the same Redis script) or `idle`; a worker stays alive while the queue holds requests or
  another live worker is busy, and the run is over when neither holds;
- worker loss: each worker refreshes a heartbeat key; one whose key expired is `lost`, and so is
  one that stopped for another reason than `finished`. The requests it held are gone from this
  run (they are in the seen-set), so the run is marked as having lost work and the next run
  walks the section's list pages again, fetching what the archive lacks.

Keys, under REDIS_KEY_PREFIX:<spider>:<section path>: `run` (the current run's id), and per run
`<id>:requests` (scrapy-redis's priority queue), `<id>:seen` (its dupefilter), `<id>:workers`
(worker -> busy/idle/left/lost), `<id>:alive:<worker>` (heartbeats), `<id>:info` (the walk's
mode and how far it got), `<id>:progress` (worker -> its figures, for `chinadaily-archive frontier`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from twisted.internet.task import LoopingCall

# scrapy-redis 0.9.1 calls APIs Scrapy 2.13+ deprecates; only its own warnings are silenced.
warnings.filterwarnings("ignore", module=r"scrapy_redis(\.|$)")
from redis.exceptions import RedisError  # noqa: E402
from scrapy_redis.dupefilter import RFPDupeFilter  # noqa: E402
from scrapy_redis.queue import PriorityQueue  # noqa: E402
from scrapy_redis.scheduler import Scheduler  # noqa: E402

from crawler import statkeys as keys  # noqa: E402

logger = logging.getLogger(__name__)

# How long the info about a finished run is kept, for `chinadaily-archive frontier`.
FINISHED_RUN_TTL_SECONDS = 7 * 24 * 3600

# Marks the workers whose heartbeat expired as lost; returns how many live workers are busy.
_SWEEP = """
local function sweep(prefix)
  local states = redis.call('HGETALL', prefix .. ':workers')
  local busy, alive = 0, 0
  for i = 1, #states, 2 do
    local worker, state = states[i], states[i + 1]
    if state == 'busy' or state == 'idle' then
      if redis.call('EXISTS', prefix .. ':alive:' .. worker) == 1 then
        alive = alive + 1
        if state == 'busy' then busy = busy + 1 end
      else
        redis.call('HSET', prefix .. ':workers', worker, 'lost')
        redis.call('HSET', prefix .. ':info', 'lost', 1)
      end
    end
  end
  return busy, alive
end
local function finish(pointer, prefix, run)
  if redis.call('GET', pointer) == run then redis.call('DEL', pointer) end
  redis.call('DEL', prefix .. ':requests', prefix .. ':seen')
  redis.call('HSET', prefix .. ':info', 'finished_at', ARGV[#ARGV])
  for _, key in ipairs({prefix .. ':info', prefix .. ':workers', prefix .. ':progress'}) do
    redis.call('EXPIRE', key, FINISHED_RUN_TTL_SECONDS)
  end
end
""".replace("FINISHED_RUN_TTL_SECONDS", str(FINISHED_RUN_TTL_SECONDS))

# KEYS: pointer. ARGV: base, new run id, worker, heartbeat ms, now.
# Returns {run id, role (seed / join / resume), whether an abandoned run before it lost work}.
_JOIN = (
    _SWEEP
    + """
local base, worker = ARGV[1], ARGV[3]
local run = redis.call('GET', KEYS[1])
local role, previous_lost = 'join', 0
if run then
  local prefix = base .. ':' .. run
  local _, alive = sweep(prefix)
  if alive == 0 then
    if redis.call('ZCARD', prefix .. ':requests') > 0 then
      role = 'resume'
    else
      -- Every worker of that run died and left nothing queued: it is over.
      previous_lost = tonumber(redis.call('HGET', prefix .. ':info', 'lost') or '0')
      finish(KEYS[1], prefix, run)
      run = false
    end
  end
end
if not run then
  run, role = ARGV[2], 'seed'
  redis.call('SET', KEYS[1], run)
  redis.call('HSET', base .. ':' .. run .. ':info', 'started_at', ARGV[5], 'seeded_by', worker)
end
local prefix = base .. ':' .. run
redis.call('HSET', prefix .. ':workers', worker, 'busy')
redis.call('SET', prefix .. ':alive:' .. worker, 1, 'PX', ARGV[4])
return {run, role, previous_lost}
"""
)

# KEYS: workers. ARGV: prefix, worker. The queue's first request, and the worker marked busy.
_POP = """
local request = redis.call('ZRANGE', ARGV[1] .. ':requests', 0, 0)
if #request == 0 then return false end
redis.call('ZREMRANGEBYRANK', ARGV[1] .. ':requests', 0, 0)
redis.call('HSET', KEYS[1], ARGV[2], 'busy')
return request[1]
"""

# ARGV: prefix, worker, now. 'wait' while requests are queued or a live worker is busy; else 'done'.
_IDLE = (
    _SWEEP
    + """
local prefix, worker = ARGV[1], ARGV[2]
if redis.call('HGET', prefix .. ':workers', worker) ~= 'lost' then
  redis.call('HSET', prefix .. ':workers', worker, 'idle')
end
if redis.call('ZCARD', prefix .. ':requests') > 0 then return 'wait' end
local busy = sweep(prefix)
if busy > 0 then return 'wait' end
return 'done'
"""
)

# KEYS: pointer. ARGV: prefix, run, worker, clean (1/0), now.
# Returns {what this worker is (others / interrupted / last), whether the run lost work}.
_LEAVE = (
    _SWEEP
    + """
local prefix, run, worker = ARGV[1], ARGV[2], ARGV[3]
if ARGV[4] == '1' and redis.call('HGET', prefix .. ':workers', worker) ~= 'lost' then
  redis.call('HSET', prefix .. ':workers', worker, 'left')
else
  redis.call('HSET', prefix .. ':workers', worker, 'lost')
  redis.call('HSET', prefix .. ':info', 'lost', 1)
end
redis.call('DEL', prefix .. ':alive:' .. worker)
local lost = tonumber(redis.call('HGET', prefix .. ':info', 'lost') or '0')
local _, alive = sweep(prefix)
if alive > 0 then return {'others', lost} end
if redis.call('ZCARD', prefix .. ':requests') > 0 then return {'interrupted', lost} end
lost = tonumber(redis.call('HGET', prefix .. ':info', 'lost') or '0')
finish(KEYS[1], prefix, run)
return {'last', lost}
"""
)


def shared_base(settings: BaseSettings, spider_name: str, section_path: str) -> str:
    return f"{settings.get('REDIS_KEY_PREFIX')}:{spider_name}:{section_path}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunEnd:
    """How a worker left its shared run."""

    role: str
    """others (live workers remain), interrupted (requests remain queued), last (the run is over)."""
    lost: bool
    """Some worker of the run stopped before the run was over: what it held was not fetched."""


class SharedRun:
    """One worker's membership of a shared crawl run."""

    def __init__(self, server: Any, base: str, worker: str, heartbeat_seconds: float) -> None:
        self.server = server
        self.base = base
        self.worker = worker
        self.heartbeat_ms = max(1000, int(heartbeat_seconds * 1000))
        self.run_id = ""
        self.role = ""
        self.previous_lost = False
        self._pop = server.register_script(_POP)
        self._idle = server.register_script(_IDLE)
        self._leave = server.register_script(_LEAVE)
        self._heartbeat: LoopingCall | None = None
        self._progress: Callable[[], dict[str, Any]] | None = None

    @property
    def prefix(self) -> str:
        return f"{self.base}:{self.run_id}"

    @property
    def pointer(self) -> str:
        return f"{self.base}:run"

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def join(self) -> None:
        new_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        run, role, previous_lost = self.server.register_script(_JOIN)(
            keys=[self.pointer], args=[self.base, new_id, self.worker, self.heartbeat_ms, _now()]
        )
        self.run_id, self.role, self.previous_lost = _text(run), _text(role), bool(int(previous_lost))

    def pop(self) -> bytes | None:
        found = self._pop(keys=[self.key("workers")], args=[self.prefix, self.worker])
        return found if found else None

    def idle(self) -> bool:
        """Whether the run is over (else this worker waits, idle, for more requests)."""
        return _text(self._idle(args=[self.prefix, self.worker, _now()])) == "done"

    def leave(self, clean: bool) -> RunEnd:
        self.stop_heartbeat()
        if self._progress is not None:
            self.server.hset(self.key("progress"), self.worker, json.dumps(self._progress()))
        role, lost = self._leave(
            keys=[self.pointer], args=[self.prefix, self.run_id, self.worker, int(clean), _now()]
        )
        return RunEnd(_text(role), bool(int(lost)))

    def start_heartbeat(self, progress: Callable[[], dict[str, Any]]) -> None:
        self._progress = progress

        def beat() -> None:
            # An error must not end the loop: a worker without heartbeats is taken for lost.
            try:
                pipe = self.server.pipeline()
                pipe.set(self.key(f"alive:{self.worker}"), 1, px=self.heartbeat_ms)
                pipe.hset(self.key("progress"), self.worker, json.dumps(progress()))
                pipe.execute()
            except RedisError as error:
                logger.warning("The heartbeat to Redis failed (%s); trying again", error)

        self._heartbeat = LoopingCall(beat)
        self._heartbeat.start(self.heartbeat_ms / 3000, now=True)

    def stop_heartbeat(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()

    def set_info(self, **fields: Any) -> None:
        self.server.hset(self.key("info"), mapping={name: str(value) for name, value in fields.items()})

    def info(self) -> dict[str, str]:
        return {_text(k): _text(v) for k, v in self.server.hgetall(self.key("info")).items()}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


def worker_progress(stats: Any) -> dict[str, Any]:
    """A worker's figures, published with each heartbeat for `chinadaily-archive frontier`."""
    return {
        "pages": stats.get_value(keys.RESPONSES, 0),
        "articles_new": stats.get_value(keys.ARTICLES_NEW, 0),
        "articles_updated": stats.get_value(keys.ARTICLES_UPDATED, 0),
        "list_page": stats.get_value(keys.LIST_CURRENT_PAGE, 0),
        "at": _now(),
    }


class SharedQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's priority queue; taking a request marks this worker busy in the same step,
    so that no moment exists when a request is neither queued nor held by a busy worker."""

    def pop(self, timeout: int = 0) -> Request | None:
        data = self.spider.shared_run.pop()
        return self._decode_request(data) if data else None

    def _encode_request(self, request: Request) -> bytes:
        # A retried rendered page still carries its browser page, which cannot go to Redis
        # (and is closed already): only what can be pickled travels.
        if "playwright_page" in request.meta:
            request = request.replace(meta={k: v for k, v in request.meta.items() if k != "playwright_page"})
        return bytes(super()._encode_request(request))


class SharedDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's seen-set, one per run, letting redirects through (see crawler.dupefilter)."""

    @classmethod
    def from_spider(cls, spider: Spider) -> SharedDupeFilter:
        run: SharedRun = spider.shared_run  # type: ignore[attr-defined]
        return cls(run.server, key=run.key("seen"), debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))

    def close(self, reason: str = "") -> None:
        """The seen-set belongs to the run, not to this worker: it stays."""


class SharedScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler, on the queue and seen-set of the shared run this worker joins."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        scheduler: SharedScheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider: Spider) -> None:
        settings = self.crawler.settings
        run = SharedRun(
            self.server,
            shared_base(settings, spider.name, getattr(spider, "section_path", "")),
            worker_name(),
            settings.getfloat("REDIS_WORKER_TIMEOUT_SECONDS"),
        )
        run.join()
        # At once: opening the archive (a schema upgrade under a lock) may take longer than
        # the heartbeat's timeout, and a silent worker is taken for lost.
        assert self.crawler.stats is not None
        run.start_heartbeat(partial(worker_progress, self.crawler.stats))
        spider.shared_run = run  # type: ignore[attr-defined]
        self.queue_key = run.key("requests")
        self.df = None
        super().open(spider)
        assert self.stats is not None
        self.stats.set_value(keys.SHARED_RUN, run.run_id)
        self.stats.set_value(keys.SHARED_WORKER, run.worker)
        self.stats.set_value(keys.SHARED_ROLE, run.role)
        logger.info(
            "Worker %s %s shared run %s (Redis keys %s:*)",
            run.worker,
            {"seed": "starts", "join": "joins", "resume": "continues"}[run.role],
            run.run_id,
            run.prefix,
        )
        # The engine looks for requests every 5 s when it has none; a worker waiting on the
        # shared queue looks sooner, or the first worker takes all the work. A private
        # attribute of Scrapy's engine: without it, waiting workers are slower, not wrong.
        engine = self.crawler.engine
        if engine is not None and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = settings.getfloat("REDIS_POLL_SECONDS")


class SharedFrontier:
    """The extension that keeps a worker alive while its shared run goes on, and heartbeats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        return cls(crawler)

    def _run(self) -> SharedRun | None:
        return getattr(self.crawler.spider, "shared_run", None)

    def spider_idle(self, spider: Spider) -> None:
        run = self._run()
        if run is not None and not run.idle():
            raise DontCloseSpider


class SharedFrontierAddon:
    """Turns the shared frontier on when REDIS_URL is set; without it nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        _override(settings, "SCHEDULER", "crawler.distributed.SharedScheduler")
        _override(settings, "SCHEDULER_QUEUE_CLASS", "crawler.distributed.SharedQueue")
        _override(settings, "DUPEFILTER_CLASS", "crawler.distributed.SharedDupeFilter")
        # The queue outlives a worker: an interrupted run is continued by the next workers.
        _override(settings, "SCHEDULER_PERSIST", True)
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.distributed.SharedFrontier"] = 10
        _override(settings, "EXTENSIONS", extensions)


def _override(settings: BaseSettings, name: str, value: Any) -> None:
    """Set a setting over the project's value (add-ons rank below the project's settings)."""
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority=priority)


def describe_runs(server: Any, prefix: str) -> list[dict[str, Any]]:
    """Every shared run Redis knows under the prefix (running ones, and finished ones for a week):
    its section, state, queue, seen-set and each worker's state and figures, newest first."""
    runs = []
    for key in server.scan_iter(match=f"{prefix}:*:info", count=1000):
        name = _text(key).removesuffix(":info")
        base, run_id = name.rsplit(":", 1)
        info = {_text(k): _text(v) for k, v in server.hgetall(key).items()}
        states = {_text(k): _text(v) for k, v in server.hgetall(f"{name}:workers").items()}
        progress = {_text(k): json.loads(v) for k, v in server.hgetall(f"{name}:progress").items()}
        running = _text(server.get(f"{base}:run") or "") == run_id
        runs.append(
            {
                "run": run_id,
                "spider_section": base.removeprefix(prefix + ":"),
                "state": "running" if running else "finished" if info.get("finished_at") else "ended",
                "mode": info.get("mode"),
                "started_at": info.get("started_at"),
                "finished_at": info.get("finished_at"),
                "list_pages_walked": int(info["walked"]) if info.get("walked") else 0,
                "lost_work": info.get("lost") == "1",
                "queued": server.zcard(f"{name}:requests"),
                "seen": server.scard(f"{name}:seen"),
                "workers": [
                    {"worker": worker, "state": state, **progress.get(worker, {})}
                    for worker, state in sorted(states.items())
                ],
            }
        )
    return sorted(runs, key=lambda run: run["started_at"] or "", reverse=True)
