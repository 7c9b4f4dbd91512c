"""Generic article extraction (trafilatura), the fallback when the site's template is not found."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import trafilatura
from scrapy.http import TextResponse
from trafilatura.settings import Document


class GenericArticlePage:
    """Headline and body as trafilatura reads them from any news page; pure, no I/O.

    Given `scope` (the HTML of the site's article container, when the page has one), it reads
    only that: the text around a container is never an article's. `keep` picks the lines of
    text that are the article's (crawler/probes.py leaves out the site's chrome).
    """

    def __init__(
        self,
        response: TextResponse,
        scope: str | None = None,
        keep: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self.response = response
        self.scope = scope
        self.keep = keep

    @cached_property
    def _document(self) -> Document | None:
        html = f"<html><body>{self.scope}</body></html>" if self.scope is not None else self.response.text
        result = trafilatura.bare_extraction(
            html,
            url=self.response.url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
        )
        return result if isinstance(result, Document) else None

    def headline(self) -> str | None:
        title = self._document.title if self._document else None
        return " ".join(title.split()) if title else None

    def paragraphs(self) -> list[str]:
        text = self._document.text if self._document else None
        if not text:
            return []
        lines = (" ".join(line.split()) for line in text.splitlines())
        found = [line for line in lines if line]
        return self.keep(found) if self.keep else found

    def authors(self) -> list[str]:
        author = self._document.author if self._document else None
        if not author:
            return []
        return [name.strip() for name in author.split(";") if name.strip()]
