"""The baseline of the throughput benchmark: a bare Scrapy spider that walks the same list pages
and fetches the same article pages as `scrapy crawl asia_pacific`, and keeps nothing.

    scrapy runspider benchmarks/bare_spider.py -a base_url=http://127.0.0.1:8000 -a stats_file=stats.json
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

SITE_HOSTS = ("www.chinadaily.com.cn", "global.chinadaily.com.cn")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(
        self, base_url: str, stats_file: str, path: str = "/world/asia_pacific", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.path = path
        self.stats_file = stats_file

    def _local(self, href: str, page_url: str) -> str | None:
        absolute = urljoin(page_url, href)
        parts = urlsplit(absolute)
        if parts.hostname in SITE_HOSTS or absolute.startswith(self.base_url):
            return self.base_url + parts.path
        return None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + self.path, callback=self.parse)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css(".lft_art .tw3_01_2 .tw3_01_2_t h4 a::attr(href)").getall():
            url = self._local(href, response.url)
            if url:
                yield scrapy.Request(url, callback=self.parse_article)
        yield from self._next(response, self.parse)

    def parse_article(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._next(response, self.parse_article)

    def _next(self, response: Response, callback: Any) -> Iterator[scrapy.Request]:
        for link in response.css("#div_currpage a.pagestyle"):
            if "Next" in "".join(link.css("::text").getall()):
                url = self._local(link.attrib.get("href", ""), response.url)
                if url:
                    yield scrapy.Request(url, callback=callback)

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = dict(self.crawler.stats.get_stats())
        started = stats.get("start_time")
        if isinstance(started, datetime):
            stats["elapsed_time_seconds"] = (datetime.now(started.tzinfo) - started).total_seconds()
        Path(self.stats_file).write_text(
            json.dumps(stats, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
        )
