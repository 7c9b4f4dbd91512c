"""Page object for an article page: the English templates (new and old URLs) and the Chinese subsite's.

Its inputs are the response and what the list page said of the link (`Listing`); it does no I/O.
It has one method per ArticleItem field, of the same name, and `to_item()` calls them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse

from crawler.items import ARTICLE_FIELDS, JOINED_FIELDS, ArticleItem
from crawler.pages import dates
from crawler.pages.breadcrumbs import breadcrumb_names, section_of
from crawler.pages.byline import Byline, parse_byline
from crawler.pages.dates import SiteTime, read_site_time
from crawler.pages.generic_page import GenericArticlePage
from crawler.pages.pager import next_links
from crawler.pages.text import text_of
from crawler.siteurls import (
    SITE_ORIGIN,
    article_page_number,
    canonical_url,
    site_article_id,
    site_link,
    ws_id_time,
)

# English template: div.main_art > div#lft-art holds h1, div.info > span.info_l, div#Content.
# Chinese subsite: div.container-left2 holds h1.dabiaoti, div.xinf-le, div#Content.article.
_ENGLISH_CONTAINER = "#lft-art"
_CHINESE_CONTAINER = "div.container-left2"
# Elements of a body that are page furniture, not text of the article.
_NOT_BODY = ("script", "style", "noscript", "iframe")
_NOT_BODY_IDS = ("div_currpage",)
_NOT_BODY_CLASSES = ("selectpage",)
_OUTSIDE_FURNITURE = "".join(f"[not(ancestor::*[@id='{element_id}'])]" for element_id in _NOT_BODY_IDS)
# A script that writes text into the page, and names the article's elements.
_DOM_WRITE = re.compile(
    r"innerHTML|innerText|textContent|insertAdjacentHTML|appendChild|document\.write|\.html\(|\.text\("
)
_ARTICLE_TARGET = re.compile(r"Content|lft-art|dabiaoti|\bh1\b")
# The site's not-found template says this; alone it proves nothing, since real articles
# have been served with the whole not-found block inlined around them.
NOT_FOUND_MARKER = "the page you requested was not found"


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
    """Reads one page of an article; with `fallback`, the generic extractor fills what the site's
    template does not give (headline, body, authors)."""

    def __init__(
        self,
        response: TextResponse,
        listing: Listing | None = None,
        fallback: GenericArticlePage | None = None,
    ) -> None:
        self.response = response
        self.listing = listing or Listing()
        self.fallback = fallback
        self._chinese = bool(response.css(f"{_CHINESE_CONTAINER} h1.dabiaoti, h1.dabiaoti"))

    @property
    def page_number(self) -> int:
        return article_page_number(self.response.url)

    @property
    def template(self) -> str:
        return "chinese" if self._chinese else "english"

    @cached_property
    def _container(self) -> SelectorList[Selector]:
        selector = _CHINESE_CONTAINER if self._chinese else _ENGLISH_CONTAINER
        return self.response.css(selector)[:1]

    @cached_property
    def _content(self) -> SelectorList[Selector]:
        return self._container.css("#Content")[:1]

    @cached_property
    def _byline(self) -> Byline:
        if self._chinese:
            return Byline()
        return parse_byline(text_of(self._container.css("div.info span.info_l, span.info_l")) or None)

    @cached_property
    def _chinese_infos(self) -> list[str]:
        return [text_of(div) for div in self._container.css("div.xinf-le")]

    @cached_property
    def _printed(self) -> SiteTime:
        if not self._chinese:
            return SiteTime(self._byline.updated, self._byline.updated_problem)
        for info in self._chinese_infos:
            when = read_site_time(info)
            if when.value or when.problem:
                return when
        return SiteTime(None)

    @cached_property
    def _publishdate(self) -> SiteTime:
        return read_site_time(self._meta("publishdate"))

    @cached_property
    def _paragraphs(self) -> list[str]:
        nodes = self._content.xpath(f".//p[not(ancestor::figure)]{_OUTSIDE_FURNITURE}[not(ancestor::script)]")
        return [text for text in (text_of(p) for p in nodes) if text]

    def _meta(self, name: str) -> str | None:
        value = self.response.xpath(f"//meta[@name='{name}']/@content").get()
        value = " ".join(value.split()) if value else ""
        return value or None

    # --- What the judge asks -----------------------------------------------------------------

    def has_container(self) -> bool:
        return bool(self._container)

    def shows_not_found(self) -> bool:
        """True when the page carries the site's not-found wording anywhere."""
        text = " ".join(self.response.xpath("//body//text()[not(ancestor::script)]").getall())
        return NOT_FOUND_MARKER in " ".join(text.split()).lower()

    def body_scope(self) -> str | None:
        """The HTML a generic extractor may read for the body: the body element, else the
        article container, else None (no container: the whole page)."""
        scope = self._content or self._container
        return scope.get() if scope else None

    def builds_by_script(self) -> bool:
        """True when a script fills the article container: a script inside it, or one that
        writes into its headline or body element."""
        if not self._container:
            return False
        if self._container.css("script"):
            return True
        return any(
            _DOM_WRITE.search(script) and _ARTICLE_TARGET.search(script)
            for script in self.response.css("script::text").getall()
        )

    def site_template_read(self) -> bool:
        """Whether the site's own template gave the article's headline and body."""
        return self.has_container() and bool(self._site_headline() and self._paragraphs)

    def date_problems(self) -> list[str]:
        """What was wrong with the times the page prints (see dates.read_site_time)."""
        return [problem for problem in (self._printed.problem, self._publishdate.problem) if problem]

    def next_page_url(self) -> str | None:
        """The next page of this same article, from the pager; None on its last page."""
        this_id = site_article_id(self.response.url)
        for target in next_links(self.response):
            if site_article_id(target) == this_id and article_page_number(target) > self.page_number:
                return target
        return None

    # --- The article's fields, one method each ---------------------------------------------

    def url(self) -> str:
        return self.response.url

    def canonical_url(self) -> str:
        return canonical_url(self.response.url)

    def site_article_id(self) -> str | None:
        return site_article_id(self.response.url) or self._meta("contentid")

    def _site_headline(self) -> str | None:
        heading = self._container.css("h1.dabiaoti" if self._chinese else "h1")[:1]
        return text_of(heading) or None

    def headline(self) -> str | None:
        return self._site_headline() or (self.fallback.headline() if self.fallback else None)

    def authors(self) -> list[str]:
        # On the Chinese subsite the byline names no author, and meta "author" is the
        # responsible editor (it equals meta "editor"), so it is not taken as one.
        return self._byline.authors or (self.fallback.authors() if self.fallback else [])

    def source(self) -> str | None:
        if not self._chinese:
            return self._byline.source
        for info in self._chinese_infos:
            if info.startswith("来源"):
                return info.removeprefix("来源").lstrip("：: ").strip() or self._meta("source")
        return self._meta("source")

    def section(self) -> str | None:
        return section_of(self.breadcrumbs())

    def breadcrumbs(self) -> list[str]:
        return breadcrumb_names(self.response)

    def date_published(self) -> datetime | None:
        # A list's time belongs to the article it links; one reached by redirect from another
        # id keeps the time of its own id.
        same_id = site_article_id(self.response.url) == site_article_id(requested_url(self.response))
        article_id = self.site_article_id()
        return dates.date_published(
            listed=self.listing.listed_at if same_id else None,
            id_time=ws_id_time(article_id) if article_id else None,
            printed=self._printed.value,
            publishdate=self._publishdate.value,
        )

    def date_modified(self) -> datetime | None:
        return None if self._chinese else self._byline.updated

    def article_body(self) -> str:
        paragraphs = self._paragraphs
        if not paragraphs and self.fallback is not None:
            paragraphs = self.fallback.paragraphs()
        return "\n".join(paragraphs)

    def article_body_html(self) -> str:
        if not self._content:
            return ""
        element = lxml.html.fragment_fromstring(self._content.get(), create_parent=False)
        for bad in element.xpath(" | ".join(f".//{tag}" for tag in _NOT_BODY)):
            bad.drop_tree()
        for element_id in _NOT_BODY_IDS:
            for bad in element.xpath(f".//*[@id='{element_id}']"):
                bad.drop_tree()
        for css_class in _NOT_BODY_CLASSES:
            for bad in element.find_class(css_class):
                bad.drop_tree()
        for comment in element.xpath(".//comment()"):
            comment.drop_tree()
        inner = (element.text or "").strip()
        parts = [inner] if inner else []
        parts += [lxml.html.tostring(child, encoding="unicode").strip() for child in element]
        return "\n".join(part for part in parts if part)

    def description(self) -> str | None:
        return self._meta("description")

    def language(self) -> str:
        return "zh" if self._chinese else "en"

    def images(self) -> list[dict[str, str | None]]:
        found: list[dict[str, str | None]] = []
        for img in self._content.xpath(f".//img{_OUTSIDE_FURNITURE}"):
            src = (img.attrib.get("src") or img.attrib.get("data-src") or "").strip()
            if not src:
                continue
            caption = text_of(img.xpath("ancestor::figure[1]/figcaption"))
            found.append({"src": site_link(src, self.response.url), "caption": caption or None})
        return found

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
