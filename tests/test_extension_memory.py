"""The cap on glibc's malloc arenas in the crawl's process (crawler/extensions/memory.py MallocArenas)."""

import subprocess
import sys
import textwrap

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.extensions.memory import MallocArenas, _glibc_mallopt

pytestmark = pytest.mark.skipif(_glibc_mallopt() is None, reason="not glibc's malloc")

# Builds the extension as Scrapy does, then lets six threads allocate at once; glibc's
# malloc_stats() then names each arena on stderr ("Arena 0:", "Arena 1:", ...).
SCRIPT = textwrap.dedent(
    """
    import ctypes, sys, threading
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler
    from crawler.extensions.memory import MallocArenas

    try:
        build_from_crawler(MallocArenas, get_crawler(settings_dict={"MALLOC_ARENA_MAX": int(sys.argv[1])}))
    except NotConfigured:
        pass
    start = threading.Barrier(6)

    def allocate():
        start.wait()
        kept = [bytearray(4096) for _ in range(2000)]
        start.wait()

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()
    """
)


def arenas_after_six_threads(cap: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cap)], capture_output=True, text=True, check=True
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


@pytest.mark.e2e
def test_the_crawl_process_allocates_in_at_most_malloc_arena_max_arenas():
    assert arenas_after_six_threads(2) <= 2
    # Without the cap, glibc gives the threads arenas of their own: the cap is what holds them.
    assert arenas_after_six_threads(0) > 2


def test_zero_leaves_glibcs_default():
    crawler = get_crawler(settings_dict={"MALLOC_ARENA_MAX": 0})
    with pytest.raises(NotConfigured):
        build_from_crawler(MallocArenas, crawler)
