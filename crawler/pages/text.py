"""The visible text of an element, as a reader sees it: inline tags join, <br> breaks, runs collapse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from parsel import Selector, SelectorList

INVISIBLE = frozenset({"script", "style", "noscript", "template"})
"""Elements whose text a reader never sees."""


def _walk(element: Any, parts: list[str], leave_out: Callable[[Any], bool] | None = None) -> None:
    # Comments and processing instructions have a non-string tag: their text is not shown.
    tag = element.tag.lower() if isinstance(element.tag, str) else "#comment"
    if tag not in INVISIBLE and tag != "#comment" and element.text:
        parts.append(element.text)
    for child in element:
        # An element left out takes its text with it, not the text that follows it.
        if not (leave_out and isinstance(child.tag, str) and leave_out(child)):
            _walk(child, parts, leave_out)
        if child.tail:
            parts.append(child.tail)
    if tag == "br":
        parts.append(" ")


def text_of(selection: Selector | SelectorList[Selector]) -> str:
    """Whitespace-collapsed text of the first selected element; '' when nothing is selected."""
    if isinstance(selection, SelectorList):
        if not selection:
            return ""
        selection = selection[0]
    return element_text(selection.root)


def element_text(root: Any, leave_out: Callable[[Any], bool] | None = None) -> str:
    """Whitespace-collapsed text of an lxml element (or of a string an XPath gave), without the
    elements inside it that `leave_out` picks."""
    if isinstance(root, str):
        return " ".join(root.split())
    if not len(root):
        # Most paragraphs hold nothing but their text: no walk needed.
        tag = root.tag
        text = root.text if isinstance(tag, str) and tag.lower() not in INVISIBLE else None
        return " ".join(text.split()) if text else ""
    parts: list[str] = []
    _walk(root, parts, leave_out)
    return " ".join("".join(parts).split())
