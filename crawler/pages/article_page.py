"""Page object for an article page: the English templates (new and old URLs) and the Chinese subsite's."""

from __future__ import annotations

import re
from datetime import datetime

import lxml.html
from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from crawler.items import ArticleItem
from crawler.pages.breadcrumbs import breadcrumb_names, section_of
from crawler.pages.byline import Byline, parse_byline
from crawler.pages.dates import SiteTime, read_site_time
from crawler.pages.text import text_of
from crawler.siteurls import (
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
_PAGER = "#div_currpage"
# Elements of a body that are page furniture, not text of the article.
_NOT_BODY = ("script", "style", "noscript", "iframe")
_NOT_BODY_IDS = ("div_currpage",)
_NOT_BODY_CLASSES = ("selectpage",)
# A script that writes text into the page, and names the article's elements.
_DOM_WRITE = re.compile(
    r"innerHTML|innerText|textContent|insertAdjacentHTML|appendChild|document\.write|\.html\(|\.text\("
)
_ARTICLE_TARGET = re.compile(r"Content|lft-art|dabiaoti|\bh1\b")
# The site's not-found template says this; alone it proves nothing, since real articles
# have been served with the whole not-found block inlined around them.
NOT_FOUND_MARKER = "the page you requested was not found"


class ArticlePage:
    """Reads one page of an article; pure: no I/O, only the response it is given."""

    def __init__(self, response: TextResponse) -> None:
        self.response = response
        self._chinese = bool(response.css(f"{_CHINESE_CONTAINER} h1.dabiaoti, h1.dabiaoti"))

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def page_number(self) -> int:
        return article_page_number(self.response.url)

    @property
    def template(self) -> str:
        return "chinese" if self._chinese else "english"

    def container(self) -> SelectorList[Selector]:
        selector = _CHINESE_CONTAINER if self._chinese else _ENGLISH_CONTAINER
        return self.response.css(selector)[:1]

    def has_container(self) -> bool:
        return bool(self.container())

    def shows_not_found(self) -> bool:
        """True when the page carries the site's not-found wording anywhere."""
        text = " ".join(self.response.xpath("//body//text()[not(ancestor::script)]").getall())
        return NOT_FOUND_MARKER in " ".join(text.split()).lower()

    def body_scope(self) -> str | None:
        """The HTML a generic extractor may read for the body: the body element, else the
        article container, else None (no container: the whole page)."""
        scope = self._content() or self.container()
        return scope.get() if scope else None

    def builds_by_script(self) -> bool:
        """True when a script fills the article container: a script inside it, or one that
        writes into its headline or body element."""
        container = self.container()
        if not container:
            return False
        if container.css("script"):
            return True
        for script in self.response.css("script::text").getall():
            if _DOM_WRITE.search(script) and _ARTICLE_TARGET.search(script):
                return True
        return False

    def _content(self) -> SelectorList[Selector]:
        return self.container().css("#Content")[:1]

    def headline(self) -> str | None:
        heading = self.container().css("h1.dabiaoti" if self._chinese else "h1")[:1]
        return text_of(heading) or None

    def _byline_text(self) -> str | None:
        return text_of(self.container().css("div.info span.info_l, span.info_l")) or None

    def byline(self) -> Byline:
        if self._chinese:
            return Byline()
        return parse_byline(self._byline_text())

    def _chinese_infos(self) -> list[str]:
        return [text_of(div) for div in self.container().css("div.xinf-le")]

    def authors(self) -> list[str]:
        # On the Chinese subsite the byline names no author, and meta "author" is the
        # responsible editor (it equals meta "editor"), so it is not taken as one.
        return self.byline().authors

    def source(self) -> str | None:
        if self._chinese:
            for info in self._chinese_infos():
                if info.startswith("来源"):
                    return info.removeprefix("来源").lstrip("：: ").strip() or self._meta("source")
            return self._meta("source")
        return self.byline().source

    def _printed(self) -> SiteTime:
        if self._chinese:
            for info in self._chinese_infos():
                when = read_site_time(info)
                if when.value or when.problem:
                    return when
            return SiteTime(None)
        byline = self.byline()
        return SiteTime(byline.updated, byline.updated_problem)

    def printed_time(self) -> datetime | None:
        """The exact time printed on the page: the byline's 'Updated:' or div.xinf-le's time."""
        return self._printed().value

    def date_problems(self) -> list[str]:
        """What was wrong with the times the page prints (see dates.read_site_time)."""
        problems = [self._printed().problem, read_site_time(self._meta("publishdate")).problem]
        return [problem for problem in problems if problem]

    def date_published(self) -> datetime | None:
        """The page's own evidence; a section list's time, when there is one, wins over it."""
        article_id = self.site_article_id()
        from_id = ws_id_time(article_id) if article_id else None
        return from_id or self.printed_time() or read_site_time(self._meta("publishdate")).value

    def date_modified(self) -> datetime | None:
        return None if self._chinese else self.byline().updated

    def breadcrumbs(self) -> list[str]:
        return breadcrumb_names(self.response)

    def section(self) -> str | None:
        return section_of(self.breadcrumbs())

    def _body_nodes(self) -> SelectorList[Selector]:
        content = self._content()
        return content.xpath(
            f".//p[not(ancestor::figure)][not(ancestor::*[@id='{_NOT_BODY_IDS[0]}'])][not(ancestor::script)]"
        )

    def paragraphs(self) -> list[str]:
        texts = (text_of(p) for p in self._body_nodes())
        return [text for text in texts if text]

    def body_html(self) -> str:
        content = self._content()
        if not content:
            return ""
        element = lxml.html.fragment_fromstring(content.get(), create_parent=False)
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

    def images(self) -> list[dict[str, str | None]]:
        found: list[dict[str, str | None]] = []
        for img in self._content().xpath(f".//img[not(ancestor::*[@id='{_NOT_BODY_IDS[0]}'])]"):
            src = (img.attrib.get("src") or img.attrib.get("data-src") or "").strip()
            if not src:
                continue
            caption = text_of(img.xpath("ancestor::figure[1]/figcaption"))
            found.append({"src": site_link(src, self.response.url), "caption": caption or None})
        return found

    def description(self) -> str | None:
        return self._meta("description")

    def language(self) -> str:
        return "zh" if self._chinese else "en"

    def site_article_id(self) -> str | None:
        return site_article_id(self.response.url) or self._meta("contentid")

    def canonical_url(self) -> str:
        return canonical_url(self.response.url)

    def next_page_url(self) -> str | None:
        """The next page of this same article, from the pager; None on its last page."""
        this_id = site_article_id(self.response.url)
        for link in self.response.css(f"{_PAGER} a.pagestyle"):
            href = link.attrib.get("href", "").strip()
            text = text_of(link).lower()
            if not href or href.startswith("javascript:") or "next" not in text:
                continue
            target = self.response.urljoin(href)
            if site_article_id(target) == this_id and article_page_number(target) > self.page_number:
                return target
        return None

    def _meta(self, name: str) -> str | None:
        value = self.response.xpath(f"//meta[@name='{name}']/@content").get()
        value = " ".join(value.split()) if value else ""
        return value or None

    def to_item(self) -> ArticleItem:
        """The fields of this page as an article of one page (see append_page for more)."""
        return ArticleItem(
            url=self.url,
            canonical_url=self.canonical_url(),
            site_article_id=self.site_article_id(),
            headline=self.headline(),
            authors=self.authors(),
            source=self.source(),
            section=self.section(),
            breadcrumbs=self.breadcrumbs(),
            date_published=self.date_published(),
            date_modified=self.date_modified(),
            article_body="\n".join(self.paragraphs()),
            article_body_html=self.body_html(),
            description=self.description(),
            language=self.language(),
            images=self.images(),
        )


def append_page(item: ArticleItem, page: ArticlePage) -> None:
    """Add an extra page (_2, _3, ...) of the same article to its item, in page order."""
    paragraphs = page.paragraphs()
    if paragraphs:
        item.article_body = "\n".join(filter(None, [item.article_body, *paragraphs]))
    html = page.body_html()
    if html:
        item.article_body_html = "\n".join(filter(None, [item.article_body_html, html]))
    item.images.extend(page.images())
