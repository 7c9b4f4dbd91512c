"""Page object for an article page, in whichever of the site's templates it is, each field from its first source that has it.

Its inputs are the response and what the list page said of the link (`Listing`); it does no I/O.
It has one method per ArticleItem field, of the same name, and `to_item()` calls them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.items import ARTICLE_FIELDS, JOINED_FIELDS, ArticleItem
from crawler.pages import dates
from crawler.pages.breadcrumbs import breadcrumb_names, section_of
from crawler.pages.dates import SiteTime, read_site_time
from crawler.pages.furniture import without_furniture
from crawler.pages.generic_page import GenericArticlePage
from crawler.pages.lookup import compiled_css
from crawler.pages.page_head import PageHead
from crawler.pages.pager import article_page_links
from crawler.pages.templates import find_template
from crawler.pages.text import text_of
from crawler.siteurls import (
    SITE_ORIGIN,
    article_page_number,
    canonical_url,
    site_article_id,
    ws_id_time,
)

_SCRIPTS = compiled_css("script")
# A script that writes text into the page, and names the article's elements.
_DOM_WRITE = re.compile(
    r"innerHTML|innerText|textContent|insertAdjacentHTML|appendChild|document\.write|\.html\(|\.text\("
)
_ARTICLE_TARGET = re.compile(r"Content|lft-art|dabiaoti|ce_art|\bh1\b")
# The site's not-found template says this; alone it proves nothing, since real articles
# have been served with the whole not-found block inlined around them.
NOT_FOUND_MARKER = "the page you requested was not found"
# "1/5" in a pager's span.pageno.
_PAGE_OF = re.compile(r"(\d+)\s*/\s*(\d+)")


@dataclass(frozen=True)
class Listing:
    """What a section list said of the link that led to an article."""

    referrer: str | None = None
    """The list page."""
    link: str | None = None
    """The link as the list wrote it (it may point to a mirror host)."""
    listed_at: datetime | None = None
    """The time the list shows for it (UTC)."""


def requested_url(response: Response) -> str:
    """The URL the crawl asked for: the first of a redirect chain, else the response's own."""
    chain = response.meta.get("redirect_urls") if response.request is not None else None
    return str(chain[0]) if chain else response.url


class ArticlePage:
    """Reads one page of an article. The template found by the page's markup
    (crawler/pages/templates.py) gives what it can; each field it misses is taken from the next
    source: the old CMS's metadata, meta tags and the title for the headline, and with `fallback`
    the generic extractor for headline, body and authors. `field_sources()` says which gave what."""

    def __init__(
        self,
        response: TextResponse,
        listing: Listing | None = None,
        fallback: GenericArticlePage | None = None,
    ) -> None:
        self.response = response
        self.listing = listing or Listing()
        self.fallback = fallback
        self.found = find_template(response)
        """The site template the page is in; None when it is in none we know."""
        self._head = PageHead(response)

    @property
    def page_number(self) -> int:
        return article_page_number(self.response.url)

    @cached_property
    def _url_id(self) -> str | None:
        """The article id in the page's URL."""
        return site_article_id(self.response.url)

    @cached_property
    def _publishdate(self) -> SiteTime:
        return read_site_time(self._meta("publishdate"))

    @cached_property
    def _printed(self) -> SiteTime:
        return self.found.printed_time() if self.found else SiteTime(None)

    def _meta(self, name: str, attribute: str = "name") -> str | None:
        return self._head.meta(name, attribute)

    # --- Each field from its first source that has it ---------------------------------------

    @cached_property
    def _headline(self) -> tuple[str | None, str]:
        """The headline and where it came from."""
        found = self.found
        sources: list[tuple[str, Callable[[], str | None]]] = [
            ("template", lambda: found.headline() if found else None),
            ("cms", lambda: found.cms_headline() if found else None),
            ("og_title", lambda: self._meta("og:title", "property")),
            ("twitter_title", lambda: self._meta("twitter:title")),
            ("title", self._head.title),
            ("generic", lambda: self.fallback.headline() if self.fallback else None),
        ]
        for source, read in sources:
            value = read()
            if value:
                return value, source
        return None, "none"

    @cached_property
    def _paragraphs(self) -> tuple[list[str], str]:
        """The body's paragraphs and where they came from."""
        if self.found and (paragraphs := self.found.paragraphs()):
            return paragraphs, "template"
        if self.fallback is not None and (paragraphs := self._generic_paragraphs()):
            return paragraphs, "generic"
        return [], "none"

    def _generic_paragraphs(self) -> list[str]:
        """The generic extractor's lines without what is not the article's text (crawler/pages/furniture.py)."""
        assert self.fallback is not None
        crumbs = self.breadcrumbs()
        headline = self._headline[0] or ""
        return without_furniture(self.fallback.paragraphs(), headline, crumbs)

    @cached_property
    def _authors(self) -> tuple[list[str], str]:
        if self.found is not None and self.found.has_byline():
            return self.found.authors(), "template"
        if self.fallback is not None and (authors := self.fallback.authors()):
            return authors, "generic"
        return [], "none"

    def field_sources(self) -> dict[str, str]:
        """Which source gave each field that has more than one: 'template', 'cms', 'og_title',
        'twitter_title', 'title', 'generic' or 'none'."""
        return {
            "headline": self._headline[1],
            "article_body": self._paragraphs[1],
            "authors": self._authors[1],
        }

    # --- What the judge asks -----------------------------------------------------------------

    def has_container(self) -> bool:
        return self.found is not None and self.found.container is not None

    def shows_not_found(self) -> bool:
        """True when the page carries the site's not-found wording anywhere."""
        text = " ".join(self.response.xpath("//body//text()[not(ancestor::script)]").getall())
        return NOT_FOUND_MARKER in " ".join(text.split()).lower()

    def body_scope(self) -> str | None:
        """The HTML a generic extractor may read for the body: the template's body element, else
        its article container, else None (no template: the whole page)."""
        if self.found is None:
            return None
        scope = self.found.body if self.found.body is not None else self.found.container
        return Selector(root=scope).get() if scope is not None else None

    def builds_by_script(self) -> bool:
        """True when a script fills the article container: a script inside it, or one that
        writes into its headline or body element."""
        if not self.has_container():
            return False
        assert self.found is not None
        if _SCRIPTS(self.found.container):
            return True
        return any(
            _DOM_WRITE.search(script) and _ARTICLE_TARGET.search(script)
            for script in self.response.css("script::text").getall()
        )

    def site_template_read(self) -> bool:
        """Whether the site's own markup gave the article: the template's body, and a headline
        from the template or the page's own metadata (not the generic extractor)."""
        return self._paragraphs[1] == "template" and self._headline[1] not in ("generic", "none")

    def headline_from_template(self) -> bool:
        return self._headline[1] == "template"

    def date_problems(self) -> list[str]:
        """What was wrong with the times the page prints (see dates.read_site_time)."""
        return [problem for problem in (self._printed.problem, self._publishdate.problem) if problem]

    def page_urls(self) -> dict[int, str]:
        """The other pages of this same article the page links to (pager, 'next photo'), by number."""
        return dict(self._page_urls)

    @cached_property
    def _page_urls(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for target in article_page_links(self.response):
            number = article_page_number(target)
            if site_article_id(target) == self._url_id and number != self.page_number:
                found.setdefault(number, target)
        return dict(sorted(found.items()))

    # --- The article's fields, one method each ---------------------------------------------

    def url(self) -> str:
        return self.response.url

    def canonical_url(self) -> str:
        return canonical_url(self.response.url)

    def site_article_id(self) -> str | None:
        return self._url_id or self._meta("contentid")

    def headline(self) -> str | None:
        return self._headline[0]

    def authors(self) -> list[str]:
        return list(self._authors[0])

    def source(self) -> str | None:
        return self.found.source() if self.found else None

    def section(self) -> str | None:
        return section_of(self.breadcrumbs())

    def breadcrumbs(self) -> list[str]:
        return list(self._breadcrumbs)

    @cached_property
    def _breadcrumbs(self) -> list[str]:
        return breadcrumb_names(self.response)

    def date_published(self) -> datetime | None:
        # A list's time belongs to the article it links; one reached by redirect from another
        # id keeps the time of its own id.
        requested = requested_url(self.response)
        same_id = requested == self.response.url or site_article_id(requested) == self._url_id
        article_id = self.site_article_id()
        return dates.date_published(
            listed=self.listing.listed_at if same_id else None,
            id_time=ws_id_time(article_id) if article_id else None,
            cms=self.found.cms_time() if self.found else None,
            printed=self._printed.value,
            publishdate=self._publishdate.value,
        )

    def date_modified(self) -> datetime | None:
        return self.found.date_modified() if self.found else None

    def article_body(self) -> str:
        return "\n".join(self._paragraphs[0])

    def article_body_html(self) -> str:
        return self.found.body_html() if self.found else ""

    def description(self) -> str | None:
        return self._meta("description")

    def language(self) -> str:
        return self.found.language if self.found else "en"

    def images(self) -> list[dict[str, str | None]]:
        return self.found.images() if self.found else []

    def template(self) -> str:
        return self.found.name if self.found else "generic"

    def pages_expected(self) -> int:
        """How many pages the article has, as far as this page's pager tells."""
        return self._pages_expected

    @cached_property
    def _pages_expected(self) -> int:
        # Read twice a page (its item, then the stitching), and it searches the whole HTML.
        numbers = [self.page_number, *self.page_urls()]
        # Most pages have no "1/N" counter: their text does not name it.
        counters = self.response.css("span.pageno") if "pageno" in self.response.text else []
        for pageno in counters:
            if match := _PAGE_OF.search(text_of(pageno)):
                numbers.append(int(match.group(2)))
        return max(numbers)

    def pages_stored(self) -> int:
        return 1

    def pages_missing(self) -> list[str]:
        return []

    def http_etag(self) -> str | None:
        return self._header("ETag")

    def http_last_modified(self) -> str | None:
        return self._header("Last-Modified")

    def _header(self, name: str) -> str | None:
        value = self.response.headers.get(name)
        return value.decode("latin-1") if value else None

    def referrer(self) -> str | None:
        return self.listing.referrer

    def extraction(self) -> str:
        return "fallback" if self.fallback is not None else "site"

    def aliases(self) -> list[str]:
        """Where else the article was found: a link to a mirror host, URLs that redirected to it."""
        canonical = self.canonical_url()
        link = self.listing.link
        urls = [link] if link and urlsplit(link).hostname != urlsplit(SITE_ORIGIN).hostname else []
        if self.response.request is not None:
            urls += [canonical_url(url) for url in self.response.meta.get("redirect_urls", [])]
        return [url for url in dict.fromkeys(urls) if url != canonical]

    def warc_records(self) -> list[str]:
        """The WARC record the page was captured in (crawler/warc.py), if capture is on."""
        record = self.response.meta.get("warc_record") if self.response.request is not None else None
        return [record] if record else []

    # --- Items ---------------------------------------------------------------------------------

    def to_item(self) -> ArticleItem:
        """The article of this page (its extra pages are added by items.with_extra_pages)."""
        return ArticleItem(**{name: getattr(self, name)() for name in ARTICLE_FIELDS})

    def extra_page(self) -> dict[str, Any]:
        """What this page adds when it is an extra page (_2, _3, ...) of an article."""
        return {name: getattr(self, name)() for name in JOINED_FIELDS}

    def has_text(self) -> bool:
        """Whether the page gave the article anything: paragraphs or images."""
        return bool(self._paragraphs[0] or self.images())
