"""The Redis of this machine kind for tests: skipped outside CI when it is down, a failure in CI."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from tests.databases import unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis at {REDIS_URL} is not reachable ({error.__class__.__name__})"
        unavailable(reason, f"{reason}; CI must run the Redis tests (.ci/run starts the server)")
    return client


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of the test's own; its keys are deleted afterwards."""
    client = require_redis()
    prefix = f"test-{secrets.token_hex(5)}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
