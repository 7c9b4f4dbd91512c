"""How a fetched page is judged: a verdict and a reason for every article and list page, in DESIGN.md's order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from crawler.items import ArticleItem, DeadUrlItem, FailedUrlItem
from crawler.pages.article_page import ArticlePage
from crawler.pages.error_wording import error_wording
from crawler.pages.generic_page import GenericArticlePage
from crawler.pages.list_page import SectionListPage
from crawler.probes import HOME_PATHS, ProbeSet, masked_shingles, shape_of, visible_shingles
from crawler.siteurls import canonical_url, is_article_url, list_page_number, site_article_id
from crawler.statkeys import verdict_key
from crawler.verdicts import DEAD_VERDICTS, Verdict

ARTICLE, LIST, LIST_END = Verdict.ARTICLE, Verdict.LIST, Verdict.LIST_END
SOFT404, HTTP_ERROR, REDIRECT, THIN = Verdict.SOFT404, Verdict.HTTP_ERROR, Verdict.REDIRECT, Verdict.THIN
FAILED, RENDER = Verdict.FAILED, Verdict.RENDER
# Error statuses reach the callbacks, so that every answer is judged here and nowhere else.
ERROR_STATUSES = list(range(400, 600))


@dataclass
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
            kind=str(self.verdict),
            reason=self.reason,
            status=self.status,
            referrer=self.referrer,
        )

    @property
    def failed(self) -> FailedUrlItem | None:
        if self.verdict != FAILED:
            return None
        return FailedUrlItem(url=canonical_url(self.url), reason=self.reason)


def requested_url(response: Response) -> str:
    """The URL the crawl asked for: the first of a redirect chain, else the response's own."""
    chain = response.meta.get("redirect_urls") if response.request is not None else None
    return str(chain[0]) if chain else response.url


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

    def judge_failure(self, url: str, error: str, message: str, referrer: str | None = None) -> Judgement:
        """A fetch that produced no response: timeout, connection error, too many redirects."""
        reason = f"{error}: {message}" if message and message != error else error
        return self._make(FAILED, reason, None, url, slug=error, referrer=referrer)

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

    def judge_article(self, response: Response, referrer: str | None = None) -> Judgement:
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
        page = ArticlePage(response)
        item = page.to_item()
        item.referrer = referrer
        if page.has_container() and item.headline and item.article_body:
            if self.probes and self.probes.body_is_probe_text(shape, masked_shingles(item.article_body)):
                return self._make(
                    SOFT404, "article text is the probe's error page", response, url, referrer=referrer
                )
            return self._thin_or_article(response, url, referrer, page, item, fallback=False)
        if page.shows_not_found():
            return self._make(SOFT404, "not-found template", response, url, referrer=referrer)
        if self.probes and self.probes.matches(shape, visible_shingles(response)):
            return self._make(SOFT404, "like the probe answer", response, url, referrer=referrer)
        if error_wording(response):
            return self._make(
                SOFT404, "error wording in the title or a heading", response, url, referrer=referrer
            )
        if page.has_container() and page.builds_by_script():
            if response.request is not None and response.meta.get("rendered"):
                return self._make(
                    THIN, "built by script, still empty once rendered", response, url, referrer=referrer
                )
            if self.can_render:
                return self._make(RENDER, "built by script", response, url, referrer=referrer)
            return self._make(THIN, "built by script, not rendered", response, url, referrer=referrer)
        generic = GenericArticlePage(response, page.body_scope())
        item.headline = item.headline or generic.headline()
        if not item.article_body:
            paragraphs = generic.paragraphs()
            item.article_body = "\n".join(
                self.probes.without_chrome(paragraphs) if self.probes else paragraphs
            )
        item.authors = item.authors or generic.authors()
        item.extraction = "fallback"
        return self._thin_or_article(response, url, referrer, page, item, fallback=True)

    def _thin_or_article(
        self,
        response: Response,
        url: str,
        referrer: str | None,
        page: ArticlePage,
        item: ArticleItem,
        *,
        fallback: bool,
    ) -> Judgement:
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
        judgement = self._make(REDIRECT, reason, response, url, referrer=referrer)
        if len(sources) == self.redirect_target_min:
            for source, source_referrer in sources[:-1]:
                earlier = self._make(REDIRECT, reason, response, source, referrer=source_referrer)
                judgement.also_dead.append(earlier.dead)  # type: ignore[arg-type]
        return judgement

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
        if entries:
            return self._make(LIST, "list items", response, url, list_page=page)
        # An empty list in the list template is the end of the walk; the probe's answer to a
        # page that cannot exist counts only for pages without that template.
        error_page = ArticlePage(response).shows_not_found() or (
            not page.has_list_block()
            and self.probes is not None
            and self.probes.matches("list", visible_shingles(response))
        )
        if error_page and first_page:
            return self._make(SOFT404, "not-found answer for the section", response, url)
        if error_page:
            return self._make(LIST_END, "not-found answer past the last page", response, url)
        return self._make(LIST_END, "no items", response, url, list_page=page)
