"""One worker's membership of a shared crawl run in Redis: joining, taking requests, heartbeats, leaving.

The Scrapy side (scheduler, queue, duplicate filter, the extension) is crawler/distributed.py;
this module speaks to Redis only, through a few Lua scripts that keep each step atomic.

Keys, under REDIS_KEY_PREFIX:<spider>:<section path>: `run` (the current run's id), and per run
`<id>:requests` (scrapy-redis's priority queue), `<id>:seen` (its dupefilter), `<id>:workers`
(worker -> busy/idle/done/left/lost), `<id>:alive:<worker>` (heartbeats), `<id>:info` (the walk's
mode and how far it got), `<id>:progress` (worker -> its figures, for `chinadaily-archive frontier`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from scrapy.settings import BaseSettings
from twisted.internet.task import LoopingCall

from crawler import statkeys as keys

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
    if state == 'busy' or state == 'idle' or state == 'done' then
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

# ARGV: prefix, worker, now. 'wait' while requests are queued or a live worker is busy, and then
# until every live worker has seen that too ('done'); else 'done'. A worker killed while idle
# still held items not yet written: waiting for it until its heartbeat expires marks it lost, so
# that the last worker out knows the run lost work.
_IDLE = (
    _SWEEP
    + """
local prefix, worker = ARGV[1], ARGV[2]
local lost = redis.call('HGET', prefix .. ':workers', worker) == 'lost'
if not lost then redis.call('HSET', prefix .. ':workers', worker, 'idle') end
if redis.call('ZCARD', prefix .. ':requests') > 0 then return 'wait' end
local busy = sweep(prefix)
if busy > 0 then return 'wait' end
if not lost then redis.call('HSET', prefix .. ':workers', worker, 'done') end
local states = redis.call('HVALS', prefix .. ':workers')
for _, state in ipairs(states) do
  if state == 'idle' then return 'wait' end
end
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

    outcome: str
    """What this worker's leaving left of the run: others (live workers remain), interrupted
    (requests remain queued for the next run), last (the run is over)."""
    lost: bool
    """Some worker of the run stopped before the run was over: what it held was not fetched."""


class SharedRun:
    """One worker's membership of a shared crawl run."""

    def __init__(self, server: Any, base: str, worker: str, heartbeat_seconds: float) -> None:
        self.server = server
        self.base = base
        self.worker = worker
        # Redis keys expire to the millisecond; a tenth of a second is the least that means anything.
        self.heartbeat_ms = max(100, int(heartbeat_seconds * 1000))
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
        outcome, lost = self._leave(
            keys=[self.pointer], args=[self.prefix, self.run_id, self.worker, int(clean), _now()]
        )
        return RunEnd(_text(outcome), bool(int(lost)))

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

    def walks(self) -> dict[str, dict[str, str]]:
        """What the run's workers shared of each section's walk (mode, walked, last_page,
        pager_last_page), by section path."""
        return walks_in(self.info())


def walks_in(info: dict[str, str]) -> dict[str, dict[str, str]]:
    """A run's info fields `<name>:<section path>`, by section path."""
    found: dict[str, dict[str, str]] = {}
    for key, value in info.items():
        name, _, path = key.partition(":")
        if path.startswith("/"):
            found.setdefault(path, {})[name] = value
    return found


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
        walks = walks_in(info)
        modes = sorted({walk["mode"] for walk in walks.values() if "mode" in walk})
        runs.append(
            {
                "run": run_id,
                "spider_section": base.removeprefix(prefix + ":"),
                "state": "running" if running else "finished" if info.get("finished_at") else "ended",
                "mode": "/".join(modes) or None,
                "sections": len(walks),
                "started_at": info.get("started_at"),
                "finished_at": info.get("finished_at"),
                "list_pages_walked": sum(int(walk.get("walked") or 0) for walk in walks.values()),
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
