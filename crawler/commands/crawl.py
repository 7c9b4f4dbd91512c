"""`scrapy crawl` as Scrapy has it, with exit statuses a scheduler can act on: 1 a health check
failed (or the crawl could not start), 2 a spider argument or the rendering settings cannot work
(nothing was fetched), 3 the archive could not be read or written (what was written before stays)."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler import statkeys as keys
from crawler.rendering import browser_problem, render_mode
from crawler.spiders.section import SectionSpider

# Exit statuses a scheduler can act on.
EXIT_HEALTH_FAILED = 1
EXIT_BAD_SETTINGS = 2
EXIT_ARCHIVE_FAILED = 3


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider: scrapy crawl asia_pacific")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        problem = self._argument_problem(crawler.spidercls, opts.spargs) or self._render_problem(
            crawler.settings
        )
        if problem:
            print(f"chinadaily-archive: {problem}", file=sys.stderr)
            self.exitcode = EXIT_BAD_SETTINGS
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        fatal = crawler.stats.get_value(keys.ARCHIVE_FATAL) if crawler.stats else None
        if fatal:
            unwritten = crawler.stats.get_value(keys.ARCHIVE_UNWRITTEN, 0) if crawler.stats else 0
            print(f"chinadaily-archive: {fatal} ({unwritten} items not written)", file=sys.stderr)
            self.exitcode = EXIT_ARCHIVE_FAILED
            return
        failed = crawler.stats.get_value(keys.HEALTH_FAILED) if crawler.stats else None
        if failed:
            print(f"Health checks failed for {args[0]}:", file=sys.stderr)
            for message in failed:
                print(f"  - {message}", file=sys.stderr)
            self.exitcode = EXIT_HEALTH_FAILED

    @staticmethod
    def _argument_problem(spidercls: type, arguments: dict[str, str]) -> str | None:
        """A section spider's `-a` argument that makes no sense, said before anything is fetched."""
        if not issubclass(spidercls, SectionSpider):
            return None
        try:
            spidercls.check_arguments(arguments)
        except ValueError as error:
            return f"{spidercls.name}: {error}"
        return None

    @staticmethod
    def _render_problem(settings: BaseSettings) -> str | None:
        """A rendering setting that cannot work, said before anything is fetched."""
        try:
            mode = render_mode(settings)
        except ValueError as error:
            return str(error)
        problem = browser_problem(settings)
        if mode == "always" and problem:
            return f"RENDER_MODE=always, but {problem}"
        return None
