"""Page furniture among the lines a generic extractor takes for an article's text: the headline, the breadcrumb trail, share and close buttons."""

from __future__ import annotations

import re

# A line of share or close buttons: nothing but these words.
_WIDGET_WORDS = frozenset(
    "share close wechat weibo facebook twitter x linkedin whatsapp telegram email mail print copy link "
    "more qzone reddit line".split()
)
_WORD = re.compile(r"\w+")


def without_furniture(lines: list[str], headline: str, crumbs: list[str]) -> list[str]:
    """The lines that are not the headline, the breadcrumb trail (however joined), or only buttons."""
    furniture = {_folded(name) for name in [headline, *crumbs]}
    furniture |= {_folded(sep.join(crumbs)) for sep in (" ", " > ", " / ")}
    return [line for line in lines if _folded(line) not in furniture and not _only_widget_words(line)]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _only_widget_words(line: str) -> bool:
    words = _WORD.findall(line.lower())
    return bool(words) and all(word in _WIDGET_WORDS for word in words)
