"""How a fetched article page is judged: article or not, by the one order of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.http import TextResponse

from crawler.items import ArticleItem, DeadUrlItem
from crawler.pages.article_page import ArticlePage
from crawler.pages.generic_page import GenericArticlePage
from crawler.siteurls import canonical_url


@dataclass
class Judgement:
    """The verdict on one page: an article (with its fields) or a dead URL (with a reason)."""

    page: ArticlePage
    article: ArticleItem | None = None
    dead: DeadUrlItem | None = None
    fallback: bool = False
    """True when the generic extractor had to fill the headline or the body."""


class PageJudge:
    """Steps 2 (the not-found template), 4 and 5 of DESIGN.md for article pages."""

    def __init__(self, min_body_chars: int) -> None:
        self.min_body_chars = min_body_chars

    def judge_article(self, response: TextResponse, referrer: str | None = None) -> Judgement:
        page = ArticlePage(response)
        judgement = Judgement(page=page)
        if not page.has_container() and page.shows_not_found():
            judgement.dead = self._dead(response, "soft404", "not-found template", referrer)
            return judgement
        item = page.to_item()
        item.referrer = referrer
        if not item.headline or not item.article_body:
            generic = GenericArticlePage(response)
            item.headline = item.headline or generic.headline()
            if not item.article_body:
                item.article_body = "\n".join(generic.paragraphs())
            item.authors = item.authors or generic.authors()
            item.extraction = "fallback"
            judgement.fallback = True
        reason = self.thin_reason(item)
        if reason:
            judgement.dead = self._dead(response, "thin", reason, referrer)
        else:
            judgement.article = item
        return judgement

    @staticmethod
    def _dead(response: TextResponse, kind: str, reason: str, referrer: str | None) -> DeadUrlItem:
        return DeadUrlItem(
            url=response.url,
            canonical_url=canonical_url(response.url),
            kind=kind,
            reason=reason,
            status=response.status,
            referrer=referrer,
        )

    def thin_reason(self, item: ArticleItem) -> str | None:
        if not item.headline:
            return "no headline"
        if len(item.article_body) < self.min_body_chars:
            return f"body under {self.min_body_chars} characters"
        return None
