"""What a page's <head> tells of an article: the first <meta> of each name and property, and the <title> without the site's name."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from scrapy.http import TextResponse

from crawler.pages.text import text_of

# '<headline> - Chinadaily.com.cn', '<headline> | China Daily': the site's name is no headline.
_SITE_NAME = re.compile(r"^(?:china ?daily|chinadaily\.com\.cn)(?: (?:website|usa|asia|europe))?\b", re.I)
_TITLE_SUFFIX = re.compile(
    r"\s+[-|–—]\s+(?:[^-|–—]+\s+[-|–—]\s+)?(?:chinadaily\.com\.cn|china ?daily)\s*$", re.I
)


class PageHead:
    """The meta tags and title of one page, each read once."""

    def __init__(self, response: TextResponse) -> None:
        self.response = response

    @cached_property
    def _metas(self) -> dict[tuple[str, str], str]:
        """The content of the first <meta> of each name and property, read in one pass."""
        return _first_metas(self.response.selector.root)

    @cached_property
    def _head_metas(self) -> dict[tuple[str, str], str] | None:
        """The same from <head> alone, when no <meta> comes before it: a name found there is
        found first there. None when something before <head> might hold one."""
        root = self.response.selector.root
        head = next(root.iterchildren("head"), None) if root.tag == "html" else None
        if head is None or any(
            next(before.iter("meta"), None) is not None for before in head.itersiblings(preceding=True)
        ):
            return None
        return _first_metas(head)

    def meta(self, name: str, attribute: str = "name") -> str | None:
        """The content of the page's first <meta> of this name (or property), its whitespace collapsed; None if empty."""
        # The page's metas are in its head: the whole tree is read only for a name not there.
        key = (attribute, name)
        head = self._head_metas
        value = head[key] if head is not None and key in head else self._metas.get(key)
        value = " ".join(value.split()) if value else ""
        return value or None

    def title(self) -> str | None:
        """The page's <title> without the site's name, or None when it is only the site's name."""
        title = _TITLE_SUFFIX.sub("", text_of(self.response.css("head title, title")[:1]))
        return title if title and not _SITE_NAME.match(title) else None


def _first_metas(scope: Any) -> dict[tuple[str, str], str]:
    """The content of the first <meta> of each name and property within an lxml element."""
    found: dict[tuple[str, str], str] = {}
    for meta in scope.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        for attribute in ("name", "property"):
            if (key := meta.get(attribute)) is not None:
                found.setdefault((attribute, key), content)
    return found
