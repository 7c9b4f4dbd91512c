"""Caps glibc's malloc arenas in the crawl's process (MALLOC_ARENA_MAX), so that its memory does not creep up with the section.

glibc gives each thread that allocates at once with another an arena of its own, up to eight per
core, and keeps what an arena has freed for that arena's next allocations. The crawl's storage
thread builds each batch's statements and rows in its arena while the reactor thread parses pages
in the main one; each short peak left freed memory behind that the other thread could not reuse,
and the process's high-water mark grew with every batch. Two arenas (glibc's own variable of the
same name, MALLOC_ARENA_MAX, read at start-up, does the same) keep the peak of a long crawl
near that of a short one (docs/benchmarks.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""mallopt's parameter number for the arena cap (glibc's malloc.h)."""


class MallocArenas:
    """Sets glibc's arena cap as the crawl starts, before its threads first allocate."""

    def __init__(self, arenas: int) -> None:
        self.arenas = arenas

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MallocArenas:
        arenas = crawler.settings.getint("MALLOC_ARENA_MAX")
        if arenas <= 0:
            raise NotConfigured("MALLOC_ARENA_MAX is 0: glibc's own number of arenas")
        mallopt = _glibc_mallopt()
        if mallopt is None:
            raise NotConfigured("not glibc's malloc")
        if not mallopt(M_ARENA_MAX, arenas):
            logger.warning("glibc refused MALLOC_ARENA_MAX=%d", arenas)
        return cls(arenas)


def _glibc_mallopt() -> Callable[[int, int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt
