"""A downloader middleware that reads the site's pages as UTF-8 whatever charset they claim."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse

logger = logging.getLogger(__name__)
_UTF8 = ("utf-8", "utf8")


class Utf8FirstMiddleware:
    """The site writes UTF-8. A page whose bytes are valid UTF-8 is read as UTF-8,
    even when its header or meta tag declares another charset; bytes that are not UTF-8 at all
    are counted and left to the declared (or replacing) decoding."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Utf8FirstMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or response.body.isascii():
            return response
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            self.crawler.stats.inc_value("encoding/invalid_utf8")
            logger.warning(
                "%s has bytes that are not UTF-8 (declared %s); they are replaced",
                response.url,
                response.encoding,
            )
            return response
        if response.encoding.lower() in _UTF8:
            return response
        self.crawler.stats.inc_value("encoding/corrected")
        logger.info("%s declares %s but is UTF-8: read as UTF-8", response.url, response.encoding)
        return response.replace(encoding="utf-8")
