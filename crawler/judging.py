"""How a fetched page is judged: a verdict and a reason for every article and list page, in the order docs/judging.md gives."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler import statkeys as keys
from crawler.items import ArticleItem, DeadUrlItem, FailedUrlItem
from crawler.pages.article_page import ArticlePage, Listing, requested_url
from crawler.pages.error_wording import error_wording
from crawler.pages.generic_page import GenericArticlePage
from crawler.pages.list_page import SectionListPage
from crawler.probes import HOME_PATHS, ProbeSet, shape_of, visible_shingles
from crawler.siteurls import canonical_url, is_article_url, list_page_number, site_article_id
from crawler.statkeys import verdict_key
from crawler.verdicts import DEAD_VERDICTS, Verdict

ARTICLE, LIST, LIST_END = Verdict.ARTICLE, Verdict.LIST, Verdict.LIST_END
SOFT404, HTTP_ERROR, REDIRECT, THIN = Verdict.SOFT404, Verdict.HTTP_ERROR, Verdict.REDIRECT, Verdict.THIN
FAILED, RENDER = Verdict.FAILED, Verdict.RENDER
logger = logging.getLogger(__name__)
# Error statuses reach the callbacks, so that every answer is judged here and nowhere else.
ERROR_STATUSES = list(range(400, 600))


@dataclass(frozen=True)
class Judgement:
    """The verdict on one fetched URL, why, and what the crawl keeps of it."""

    verdict: Verdict
    reason: str
    stat_key: str
    """Where the verdict is counted: `verdict/<verdict>/<reason>`."""
    url: str
    """The URL requested (before any redirect)."""
    status: int | None = None
    referrer: str | None = None
    article: ArticleItem | None = None
    article_page: ArticlePage | None = None
    list_page: SectionListPage | None = None
    fallback: bool = False
    """True when the generic extractor had to fill the headline or the body."""
    also_dead: list[DeadUrlItem] = field(default_factory=list)
    """Earlier URLs that this judgement shows to be dead (redirects to a shared target)."""
    date_problems: list[str] = field(default_factory=list)
    """Absurd times the article's page printed (read back, or left out)."""

    @property
    def dead(self) -> DeadUrlItem | None:
        if self.verdict not in DEAD_VERDICTS:
            return None
        return DeadUrlItem(
            url=self.url,
            canonical_url=canonical_url(self.url),
            kind=self.verdict.value,
            reason=self.reason,
            status=self.status,
            referrer=self.referrer,
        )

    @property
    def failed(self) -> FailedUrlItem | None:
        if self.verdict != FAILED:
            return None
        return FailedUrlItem(url=canonical_url(self.url), reason=self.reason)


class PageJudge:
    """Judges responses in one order: hard errors, redirects, the not-found template and the probe
    fingerprint, rendering of script-built pages, the site's page object, the generic fallback,
    thin pages."""

    def __init__(
        self,
        min_body_chars: int,
        *,
        probes: ProbeSet | None = None,
        redirect_target_min: int = 3,
        can_render: bool = False,
    ) -> None:
        self.min_body_chars = min_body_chars
        self.probes = probes
        self.redirect_target_min = redirect_target_min
        self.can_render = can_render
        """Whether a page built by script can be sent to the browser (RENDER_MODE, a browser)."""
        self._redirect_sources: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)

    @classmethod
    def from_settings(
        cls, settings: BaseSettings, *, probes: ProbeSet | None = None, can_render: bool = False
    ) -> PageJudge:
        """A judge by SOFT404_MIN_BODY_CHARS and SOFT404_REDIRECT_TARGET_MIN."""
        return cls(
            settings.getint("SOFT404_MIN_BODY_CHARS"),
            probes=probes,
            redirect_target_min=settings.getint("SOFT404_REDIRECT_TARGET_MIN"),
            can_render=can_render,
        )

    def _make(
        self,
        verdict: Verdict,
        reason: str,
        response: Response | None,
        url: str,
        *,
        slug: str = "",
        **extra: object,
    ) -> Judgement:
        status = response.status if response is not None else None
        return Judgement(verdict, reason, verdict_key(verdict, slug or reason), url, status, **extra)  # type: ignore[arg-type]

    def judge_failure(self, url: str, error: BaseException | None, referrer: str | None = None) -> Judgement:
        """A fetch that produced no response: timeout, connection error, too many redirects; or one
        robots.txt forbids, which is dead to the crawl."""
        if isinstance(error, IgnoreRequest) and "robots.txt" in str(error):
            return self._make(HTTP_ERROR, "forbidden by robots.txt", None, url, referrer=referrer)
        error = error or RuntimeError("unknown error")
        return self._make(
            FAILED, failure_reason(error), None, url, slug=type(error).__name__, referrer=referrer
        )

    def _status(self, response: Response, url: str, referrer: str | None) -> Judgement | None:
        if response.status >= 500:
            return self._make(
                FAILED, f"HTTP {response.status} after retries", response, url, referrer=referrer
            )
        if response.status >= 400:
            return self._make(HTTP_ERROR, f"HTTP {response.status}", response, url, referrer=referrer)
        if response.status >= 300:
            return self._make(
                FAILED, f"HTTP {response.status} not followed", response, url, referrer=referrer
            )
        return None

    def judge_article(self, response: Response, listing: Listing | None = None) -> Judgement:
        """The verdict on an article page reached through `listing` (none: not through a list)."""
        referrer = listing.referrer if listing else None
        url = requested_url(response)
        judged = self._status(response, url, referrer) or self._article_redirect(response, url, referrer)
        if judged is not None:
            return judged
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0].strip()
        # Scrapy may guess text from the bytes; the server's own word on the type wins.
        if not isinstance(response, TextResponse) or (content_type and "html" not in content_type.lower()):
            shown = content_type or "no content type"
            return self._make(THIN, f"not an HTML page ({shown})", response, url, referrer=referrer)
        shape = shape_of(url)
        page = ArticlePage(response, listing)
        # A headline from the page's metadata, not its template, may be an error page's title.
        if page.site_template_read() and (page.headline_from_template() or not error_wording(response)):
            if self.probes and self.probes.body_is_probe_text(shape, page.article_body()):
                return self._make(
                    SOFT404, "article text is the probe's error page", response, url, referrer=referrer
                )
            return self._thin_or_article(response, url, referrer, page)
        if page.shows_not_found():
            return self._make(SOFT404, "not-found template", response, url, referrer=referrer)
        if self.probes and self.probes.matches(shape, visible_shingles(response)):
            return self._make(SOFT404, "like the probe answer", response, url, referrer=referrer)
        if error_wording(response):
            return self._make(
                SOFT404, "error wording in the title or a heading", response, url, referrer=referrer
            )
        if page.has_container() and page.builds_by_script():
            if response.request is not None and response.meta.get("render"):
                return self._make(
                    THIN, "built by script, still empty once rendered", response, url, referrer=referrer
                )
            if self.can_render:
                return self._make(RENDER, "built by script", response, url, referrer=referrer)
            return self._make(THIN, "built by script, not rendered", response, url, referrer=referrer)
        keep = self.probes.without_chrome if self.probes else None
        generic = GenericArticlePage(response, page.body_scope(), keep=keep)
        return self._thin_or_article(
            response, url, referrer, ArticlePage(response, listing, fallback=generic)
        )

    def _thin_or_article(
        self, response: Response, url: str, referrer: str | None, page: ArticlePage
    ) -> Judgement:
        # The template did not give the article, whatever the generic extractor then found.
        fallback = page.fallback is not None
        item = page.to_item()
        if not item.headline:
            return self._make(THIN, "no headline", response, url, referrer=referrer, fallback=fallback)
        if len(item.article_body) < self.min_body_chars:
            reason = f"body under {self.min_body_chars} characters"
            return self._make(THIN, reason, response, url, referrer=referrer, fallback=fallback)
        reason = "generic extractor" if fallback else "site template"
        return self._make(
            ARTICLE,
            reason,
            response,
            url,
            referrer=referrer,
            article=item,
            article_page=page,
            fallback=fallback,
            date_problems=page.date_problems(),
        )

    def _article_redirect(self, response: Response, url: str, referrer: str | None) -> Judgement | None:
        if response.url == url:
            return None
        final = canonical_url(response.url)
        if urlsplit(response.url).path in HOME_PATHS:
            return self._make(REDIRECT, "redirected to the home page", response, url, referrer=referrer)
        if self.probes and final in self.probes.catch_all_targets():
            reason = "redirected where the site sends missing pages"
            return self._make(REDIRECT, reason, response, url, referrer=referrer)
        if not is_article_url(response.url):
            return self._make(REDIRECT, "redirected to a section page", response, url, referrer=referrer)
        if site_article_id(response.url) == site_article_id(url):
            return None
        # Lee et al. 2009: a target that several distinct article URLs redirect to is a catch-all.
        sources = self._redirect_sources[final]
        if canonical_url(url) not in {canonical_url(source) for source, _ in sources}:
            sources.append((url, referrer))
        if len(sources) < self.redirect_target_min:
            return None
        reason = "redirect target shared by several article URLs"
        # The threshold is crossed now: the earlier sources, taken for moves, were dead too.
        earlier = sources[:-1] if len(sources) == self.redirect_target_min else []
        also_dead = [
            DeadUrlItem(
                source, canonical_url(source), REDIRECT.value, reason, response.status, source_referrer
            )
            for source, source_referrer in earlier
        ]
        return self._make(REDIRECT, reason, response, url, referrer=referrer, also_dead=also_dead)

    def judge_list(self, response: Response) -> Judgement:
        url = requested_url(response)
        first_page = list_page_number(url) == 1
        judged = self._status(response, url, None)
        if judged is not None and judged.verdict == HTTP_ERROR and not first_page:
            return self._make(LIST_END, f"HTTP {response.status} past the last page", response, url)
        if judged is not None:
            return judged
        if response.url != url and urlsplit(response.url).path != urlsplit(url).path.rstrip("/"):
            if not first_page:
                return self._make(LIST_END, "redirected past the last page", response, url)
            if urlsplit(response.url).path in HOME_PATHS:
                return self._make(REDIRECT, "redirected to the home page", response, url)
        if not isinstance(response, TextResponse):
            return self._make(THIN, "not an HTML page", response, url)
        page = SectionListPage(response)
        entries = page.entries()
        if entries and page.reader == "template":
            return self._make(LIST, "list items", response, url, list_page=page)
        # An empty list in the list template is the end of the walk; the probe's answer to a
        # page that cannot exist counts only for pages without that template. Dated article
        # links in another template are a list, however like the probe's answer the rest of
        # the page is (the site answers a list page past the end in the section's template).
        not_found = ArticlePage(response).shows_not_found()
        if entries and not not_found:
            return self._make(LIST, "list items (generic list reader)", response, url, list_page=page)
        error_page = not_found or (
            not page.has_list_block()
            and self.probes is not None
            and self.probes.matches("list", visible_shingles(response))
        )
        if error_page and first_page:
            return self._make(SOFT404, "not-found answer for the section", response, url)
        if error_page:
            return self._make(LIST_END, "not-found answer past the last page", response, url)
        return self._make(LIST_END, "no items", response, url, list_page=page)


def failure_reason(error: BaseException) -> str:
    """A failed fetch in a few words: 'TimeoutError: took too long'."""
    kind, message = type(error).__name__, str(error)
    return f"{kind}: {message}" if message and message != kind else kind


def recorded(judgement: Judgement, stats: StatsCollector, retrying: dict[str, set[str]]) -> Iterator[Any]:
    """Count a verdict, say it in the log, and yield what the archive keeps of it: dead and
    failed URLs, and URLs that failed in an earlier run resolved (`retrying`: those URLs by the
    canonical URL of the article or list page they belong to)."""
    stats.inc_value(judgement.stat_key)
    if judgement.verdict not in (ARTICLE, LIST):
        log = logger.warning if judgement.verdict == FAILED else logger.info
        log("%s (%s): %s", judgement.verdict, judgement.reason, judgement.url)
    if judgement.article_page is not None and judgement.article is not None:
        stats.inc_value(keys.template_key(judgement.article.template))
        for name, source in judgement.article_page.field_sources().items():
            stats.inc_value(keys.field_source_key(name, source))
    if judgement.fallback:
        stats.inc_value(keys.EXTRACT_FALLBACK)
        logger.warning(
            "The site template gave no headline or body; generic extractor used: %s", judgement.url
        )
    if judgement.verdict == THIN:
        stats.inc_value(keys.EXTRACT_FAILED)
    for problem in judgement.date_problems:
        stats.inc_value(f"dates/{problem}")
        logger.warning("An absurd time on %s (%s)", judgement.url, problem.replace("_", " "))
    for earlier in judgement.also_dead:
        stats.inc_value(judgement.stat_key)
        yield earlier
    for item in (judgement.dead, judgement.failed):
        if item is not None:
            yield item
    if judgement.verdict == FAILED:
        return
    canonical = canonical_url(judgement.url)
    # The article's own failed URL is settled by any answer; a failed page of it (…_3.html) is
    # settled by the stitching when the article is stored, or here when the article is dead.
    waiting = retrying.get(canonical, set())
    settled = {url for url in waiting if url == canonical or judgement.verdict != ARTICLE}
    waiting -= settled
    if not waiting:
        retrying.pop(canonical, None)
    for url in sorted(settled):
        yield FailedUrlItem(url=url, reason="", resolved=True)
