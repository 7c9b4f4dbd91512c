"""The site's article templates, each recognised by its own markup: where a page keeps its headline, byline, body and images.

News (2017 on, `div#lft-art`), photo story and gallery (`div.main_art` with `div.ce_art`), legacy
(the old CMS's `<!--enpcontent-->` markers and `<!--enpproperty …-->` metadata) and the Chinese
subsite (`h1.dabiaoti`). `find_template` tries them in that order, the most specific markup first.
Each reads only its own markup: what it cannot find it leaves to the article page's next source.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

import lxml.html
from lxml import etree
from scrapy.http import TextResponse

from crawler.pages.bodyhtml import OUTSIDE_FURNITURE, body_html, clean_inner_html
from crawler.pages.byline import Byline, parse_byline, split_authors
from crawler.pages.dates import SiteTime, parse_beijing, read_site_time
from crawler.pages.lookup import compiled_css, element_with_id, page_element_with_id
from crawler.pages.text import INVISIBLE, element_text
from crawler.siteurls import site_link

# Share buttons sit inside the photo template's info line: their words are no byline.
_SHARE_HOSTS = re.compile(r"facebook|twitter|x\.com|linkedin|weibo|wechat|whatsapp|qzone|share", re.I)
# The old CMS's metadata comment: <!--enpproperty <date>…</date><author>…</author>… /enpproperty-->
_ENP_FIELD = re.compile(r"<(\w+)>(.*?)</\1>", re.S)
_START, _END = "enpcontent", "/enpcontent"
_BETWEEN_MARKERS = f"[preceding::comment()[normalize-space(.)='{_START}']][following::comment()[normalize-space(.)='{_END}']]"
_SOURCE_PREFIX = re.compile(r"^\s*source\s*[:：]\s*", re.I)
# The queries every page runs, compiled once: parsel would wrap each call and each result.
_INFO_LINE = compiled_css("span.info_l")
_PARAGRAPHS = etree.XPath(f".//p[not(ancestor::figure)]{OUTSIDE_FURNITURE}[not(ancestor::script)]")
_IMAGES = etree.XPath(f".//img{OUTSIDE_FURNITURE}")
_CAPTION = etree.XPath("ancestor::figure[1]/figcaption")
_MAIN_ART = etree.XPath("//div[contains(concat(' ', normalize-space(@class), ' '), ' main_art ')]")
_CE_ART = compiled_css("div.ce_art")
_PHOTO_HEADLINE = compiled_css("div.ce_art h1")
_CHINESE_HOLDERS = compiled_css("div.container-left2")
_CHINESE_PARTS = compiled_css("h1.dabiaoti, div.xinf-le, #Content")
_CHINESE_HEADLINE = compiled_css("h1.dabiaoti")
_CHINESE_INFOS = compiled_css("div.xinf-le")


class ArticleTemplate:
    """One of the site's article templates as found on a page; pure, no I/O."""

    name: ClassVar[str]
    language: ClassVar[str] = "en"
    class_markers: ClassVar[tuple[str, ...]] = ()
    """Class names one of which the page must have for find() to find the template (none: no
    such need), so that find_template skips what a page plainly is not."""

    def __init__(self, response: TextResponse, container: Any | None) -> None:
        self.response = response
        self.container = container
        """The lxml element that holds the article (headline, byline, body); None when a
        template is known by its headline alone."""

    @classmethod
    def find(cls, response: TextResponse) -> ArticleTemplate | None:
        raise NotImplementedError

    # --- Where things are -------------------------------------------------------------------

    @cached_property
    def body(self) -> Any | None:
        """The lxml element holding the body's paragraphs and figures; None when the page has none."""
        return element_with_id(self.container, "Content") if self.container is not None else None

    def headline(self) -> str | None:
        # The first h1 of the container, itself included, as CSS "h1" finds it.
        h1 = next(self.container.iter("h1"), None) if self.container is not None else None
        return (element_text(h1) if h1 is not None else "") or None

    @cached_property
    def _info_text(self) -> str | None:
        return self.info_text()

    def info_text(self) -> str | None:
        """The byline line as a reader sees it, share buttons left out."""
        # The first span.info_l, inside div.info or not.
        return _text_without_share(_first(self.container, _INFO_LINE)) or None

    # --- What they say ----------------------------------------------------------------------

    @cached_property
    def byline(self) -> Byline:
        return parse_byline(self._info_text)

    def has_byline(self) -> bool:
        """Whether the template printed a byline at all (one without 'By' names no author)."""
        return bool(self._info_text)

    def authors(self) -> list[str]:
        return self.byline.authors

    def source(self) -> str | None:
        return self.byline.source

    def printed_time(self) -> SiteTime:
        return SiteTime(self.byline.updated, self.byline.updated_problem)

    def date_modified(self) -> datetime | None:
        return self.byline.updated

    def cms_time(self) -> datetime | None:
        """The publication time the old CMS wrote into the page, if it did."""
        return None

    def cms_headline(self) -> str | None:
        return None

    def paragraphs(self) -> list[str]:
        if self.body is None:
            return []
        return [text for text in (element_text(p) for p in _PARAGRAPHS(self.body)) if text]

    def image_nodes(self) -> list[Any]:
        return _IMAGES(self.body) if self.body is not None else []

    def images(self) -> list[dict[str, str | None]]:
        found: list[dict[str, str | None]] = []
        for img in self.image_nodes():
            src = (img.get("src") or img.get("data-src") or "").strip()
            if not src:
                continue
            caption = _text_of_first(img, _CAPTION)
            found.append({"src": site_link(src, self.response.url), "caption": caption or None})
        return found

    def body_html(self) -> str:
        if self.body is None:
            return ""
        return body_html(self.body)


class NewsTemplate(ArticleTemplate):
    """2017 on: div.main_art > div#lft-art holds the h1, div.info > span.info_l and div#Content."""

    name = "news"

    @classmethod
    def find(cls, response: TextResponse) -> ArticleTemplate | None:
        container = page_element_with_id(response, "lft-art")
        return cls(response, container) if container is not None else None


class PhotoTemplate(ArticleTemplate):
    """Photo stories and galleries: div.main_art holds div.ce_art > h1, div.info > span.info_l (share
    buttons inside), div.picshow (the 'next photo' link) and div#Content, one figure a page."""

    name = "photo"
    class_markers = ("ce_art",)

    @classmethod
    def find(cls, response: TextResponse) -> ArticleTemplate | None:
        holders = _MAIN_ART(response.selector.root)
        container = next((holder for holder in holders if _CE_ART(holder)), None)
        return cls(response, container) if container is not None else None

    def headline(self) -> str | None:
        return _text_of_first(self.container, _PHOTO_HEADLINE) or None

    @cached_property
    def body(self) -> Any | None:
        body = element_with_id(self.container, "Content")
        return body if body is not None else page_element_with_id(self.response, "Content")


class ChineseTemplate(ArticleTemplate):
    """The Chinese subsite: div.container-left2 holds h1.dabiaoti, div.xinf-le and div#Content.article."""

    name = "chinese"
    class_markers = ("container-left2", "dabiaoti")
    language = "zh"

    @classmethod
    def find(cls, response: TextResponse) -> ArticleTemplate | None:
        # Its headline, or its container holding the byline or the body: either marks the template.
        root = response.selector.root
        holders = _CHINESE_HOLDERS(root)
        container = next((holder for holder in holders if _CHINESE_PARTS(holder)), None)
        if container is None and not _CHINESE_HEADLINE(root):
            return None
        return cls(response, container if container is not None else next(iter(holders), None))

    def headline(self) -> str | None:
        return _text_of_first(self.container, _CHINESE_HEADLINE) or None

    @cached_property
    def _infos(self) -> list[str]:
        if self.container is None:
            return []
        return [element_text(div) for div in _CHINESE_INFOS(self.container)]

    def info_text(self) -> str | None:
        return " | ".join(info for info in self._infos if info) or None

    @cached_property
    def byline(self) -> Byline:
        # The byline names no author, and meta "author" is the responsible editor (it equals
        # meta "editor"), so it is not taken as one.
        return Byline()

    def source(self) -> str | None:
        for info in self._infos:
            if info.startswith("来源"):
                return info.removeprefix("来源").lstrip("：: ").strip() or _meta(self.response, "source")
        return _meta(self.response, "source")

    def printed_time(self) -> SiteTime:
        for info in self._infos:
            when = read_site_time(info)
            if when.value or when.problem:
                return when
        return SiteTime(None)

    def date_modified(self) -> datetime | None:
        return None


class LegacyTemplate(ArticleTemplate):
    """The old CMS (content_N.htm pages): the body between <!--enpcontent--> and <!--/enpcontent-->,
    and the article's date, author and title in an <!--enpproperty …--> comment."""

    name = "legacy"

    @classmethod
    def find(cls, response: TextResponse) -> ArticleTemplate | None:
        start = response.xpath(f"//comment()[normalize-space(.)='{_START}']")
        if not start or not response.xpath(f"//comment()[normalize-space(.)='{_END}']"):
            return None
        return cls(response, start[0].root.getparent())

    @cached_property
    def properties(self) -> dict[str, str]:
        """The enpproperty comment's fields: date, author, title, keyword, …"""
        for comment in self.response.xpath("//comment()[contains(., 'enpproperty')]").getall():
            return {
                name: " ".join(value.split()) for name, value in _ENP_FIELD.findall(comment) if value.strip()
            }
        return {}

    @cached_property
    def _headline_element(self) -> Any | None:
        """The last visible h1 before the body."""
        candidates = self.response.xpath(f"//h1[following::comment()[normalize-space(.)='{_START}']]")
        visible = [h1 for h1 in candidates if not h1.xpath("ancestor-or-self::*[contains(@style, 'none')]")]
        return visible[-1].root if visible and element_text(visible[-1].root) else None

    def headline(self) -> str | None:
        return element_text(self._headline_element) if self._headline_element is not None else None

    def cms_headline(self) -> str | None:
        return self.properties.get("title")

    def info_text(self) -> str | None:
        """What the page prints between its headline and its body: byline, source, time."""
        start = self.response.xpath(f"//comment()[normalize-space(.)='{_START}']")
        if self._headline_element is None or not start:
            return None
        chunks = _texts_between(self._headline_element, start[0].root)
        return " | ".join(chunks) or None

    @cached_property
    def byline(self) -> Byline:
        text = self.info_text()
        segments = [segment.strip() for segment in (text or "").split("|")]
        byline = parse_byline(text)
        sources = [_SOURCE_PREFIX.sub("", s) for s in segments if _SOURCE_PREFIX.match(s)]
        byline.source = sources[0] if sources else None
        return byline

    def authors(self) -> list[str]:
        written = self.properties.get("author")
        return split_authors(written) if written else self.byline.authors

    def has_byline(self) -> bool:
        return bool(self.properties.get("author")) or super().has_byline()

    def cms_time(self) -> datetime | None:
        return parse_beijing(self.properties.get("date"))

    @cached_property
    def body(self) -> Any | None:
        return self.container

    def paragraphs(self) -> list[str]:
        nodes = self.response.selector.root.xpath(
            f"//p{_BETWEEN_MARKERS}[not(ancestor::figure)]{OUTSIDE_FURNITURE}"
        )
        return [text for text in (element_text(p) for p in nodes) if text]

    def image_nodes(self) -> list[Any]:
        return list(self.response.selector.root.xpath(f"//img{_BETWEEN_MARKERS}{OUTSIDE_FURNITURE}"))

    def body_html(self) -> str:
        start = self.response.xpath(f"//comment()[normalize-space(.)='{_START}']")[0].root
        end = self.response.xpath(f"//comment()[normalize-space(.)='{_END}']")[-1].root
        parent = start.getparent()
        if end.getparent() is not parent:
            return clean_inner_html(lxml.html.fragment_fromstring(lxml.html.tostring(parent)))
        wrapper = lxml.html.Element("div")
        sibling = start.getnext()
        while sibling is not None and sibling is not end:
            wrapper.append(lxml.html.fragment_fromstring(lxml.html.tostring(sibling, with_tail=False)))
            sibling = sibling.getnext()
        return clean_inner_html(wrapper)


TEMPLATES: tuple[type[ArticleTemplate], ...] = (ChineseTemplate, PhotoTemplate, NewsTemplate, LegacyTemplate)
"""In the order they are tried: the most specific markup first."""


def find_template(response: TextResponse) -> ArticleTemplate | None:
    """The first template whose markup the page has; None when it has none of them."""
    # A class name the page has is in its text: most pages are news pages, and a specific
    # template's own look-up is a scan of the whole tree.
    text = response.text
    for template in TEMPLATES:
        if template.class_markers and not any(marker in text for marker in template.class_markers):
            continue
        found = template.find(response)
        if found is not None:
            return found
    return None


def _meta(response: TextResponse, name: str) -> str | None:
    value = response.xpath(f"//meta[@name='{name}']/@content").get()
    value = " ".join(value.split()) if value else ""
    return value or None


def _first(scope: Any | None, query: etree.XPath) -> Any | None:
    """The first element the query selects within scope; None when none or no scope."""
    found = query(scope) if scope is not None else []
    return found[0] if found else None


def _text_of_first(scope: Any | None, query: etree.XPath) -> str:
    element = _first(scope, query)
    return element_text(element) if element is not None else ""


def _is_share_widget(element: Any) -> bool:
    marks = " ".join(str(element.attrib.get(name, "")) for name in ("class", "id", "href", "onclick"))
    if _SHARE_HOSTS.search(marks) or marks.strip().lower().startswith("javascript"):
        return True
    if element.tag != "a":
        return False
    words = " ".join(element.text_content().split()).lower()
    return not words or words.startswith("share")


def _text_without_share(element: Any | None) -> str:
    return element_text(element, leave_out=_is_share_widget) if element is not None else ""


def _texts_between(start: Any, stop: Any) -> list[str]:
    """The visible text chunks after element `start` (its own text excluded) and before node `stop`."""
    chunks: list[str] = []
    state = {"on": False, "done": False}

    def keep(text: str | None) -> None:
        if state["on"] and text and text.strip():
            chunks.append(" ".join(text.split()))

    def walk(element: Any) -> None:
        if element is stop:
            state["done"] = True
            return
        visible = isinstance(element.tag, str) and element.tag.lower() not in INVISIBLE
        if visible and not (isinstance(element.tag, str) and _is_share_widget(element)):
            keep(element.text)
            for child in element:
                walk(child)
                if state["done"]:
                    return
                keep(child.tail)
        if element is start:
            state["on"] = True

    walk(start.getroottree().getroot())
    return chunks
