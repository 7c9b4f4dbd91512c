"""An article body's HTML as the archive keeps it: its children, without scripts, pagers and comments."""

from __future__ import annotations

import copy
from typing import Any

import lxml.html
from lxml import etree

# Elements of a body that are page furniture, not text of the article.
_NOT_BODY = ("script", "style", "noscript", "iframe")
_NOT_BODY_IDS = ("div_currpage",)
_NOT_BODY_CLASSES = ("selectpage",)
OUTSIDE_FURNITURE = "".join(f"[not(ancestor::*[@id='{element_id}'])]" for element_id in _NOT_BODY_IDS)
"""An XPath predicate: the node is in none of the furniture that has an id (the pager)."""
_WITH_ID = etree.XPath(".//*[@id=$element_id]")
# Whether clean_inner_html has anything to take out (classes as find_class looks, itself included).
_HAS_FURNITURE = etree.XPath(
    "boolean("
    + " | ".join(
        [
            *(f".//{tag}" for tag in _NOT_BODY),
            *(f".//*[@id='{element_id}']" for element_id in _NOT_BODY_IDS),
            *(
                f"descendant-or-self::*[@class and contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
                for name in _NOT_BODY_CLASSES
            ),
            ".//comment()",
        ]
    )
    + ")"
)


def body_html(body: Any) -> str:
    """The inner HTML of a page's body element, cleaned, the page's tree left as it was."""
    # Most bodies hold nothing to take out: their own children are serialised, uncopied.
    if not _HAS_FURNITURE(body):
        return _inner_html(body)
    copied = copy.deepcopy(body)
    copied.tail = None
    return clean_inner_html(copied)


def clean_inner_html(element: Any) -> str:
    """An element's inner HTML without scripts, pagers and comments; the element is changed."""
    # Each list is taken whole before anything is dropped, in document order.
    for bad in list(element.iterdescendants(*_NOT_BODY)):
        bad.drop_tree()
    for element_id in _NOT_BODY_IDS:
        for bad in _WITH_ID(element, element_id=element_id):
            bad.drop_tree()
    for css_class in _NOT_BODY_CLASSES:
        for bad in element.find_class(css_class):
            bad.drop_tree()
    for comment in list(element.iterdescendants(etree.Comment)):
        comment.drop_tree()
    return _inner_html(element)


def _inner_html(element: Any) -> str:
    """An element's text and children as HTML, one child (with the text after it) a line."""
    inner = (element.text or "").strip()
    parts = [inner] if inner else []
    parts += [lxml.html.tostring(child, encoding="unicode").strip() for child in element]
    return "\n".join(part for part in parts if part)
