"""Loads the labelled fixture pages (tests/fixtures/real and written) as Scrapy responses.

A label states the fields a person read off the page, by the item's names (ARTICLE_FIELDS);
the tests compare only the fields a label states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from crawler.items import ARTICLE_FIELDS

__all__ = ["ARTICLE_FIELDS", "LabelledPage", "as_label", "labelled_pages"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class LabelledPage:
    """A fixture page, where it came from ('real' or 'written'), and its expected values."""

    origin: str
    name: str
    label: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.origin}/{self.name}"

    @property
    def kind(self) -> str:
        return str(self.label["kind"])

    def response(self, html_file: str | None = None, url: str | None = None) -> HtmlResponse:
        path = FIXTURES / self.origin / (html_file or f"{self.name}.html")
        return HtmlResponse(url=url or self.label["url"], body=path.read_bytes())


def labelled_pages(kind: str | None = None, *, assembled: bool = False) -> list[LabelledPage]:
    """Every labelled page, real ones first; `assembled` picks the multi-page article labels."""
    pages = []
    for origin in ("real", "written"):
        for path in sorted((FIXTURES / origin).glob("*.expected.json")):
            label = json.loads(path.read_text(encoding="utf-8"))
            if ("pages" in label) is not assembled:
                continue
            if kind is None or label["kind"] == kind:
                pages.append(LabelledPage(origin, path.name.removesuffix(".expected.json"), label))
    return pages


def as_label(value: Any) -> Any:
    """An extracted value in the labels' notation (ISO dates with Z)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value
