"""Look-ups of elements without parsel's per-call wrappers: by id through libxml2's table of ids, CSS queries compiled once."""

from __future__ import annotations

from typing import Any

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from scrapy.http import TextResponse

# Compiled once: a query given as a string is looked up in parsel's cache at every call.
_BY_ID = etree.XPath("id($element_id)")
_SCAN_FOR_ID = etree.XPath("descendant-or-self::*[@id = $element_id]")


def compiled_css(query: str) -> etree.XPath:
    """A CSS query as the XPath parsel runs for it on an HTML page, compiled: called on an lxml
    element, it gives the elements `Selector(root=element).css(query)` selects, in order."""
    return etree.XPath(HTMLTranslator().css_to_xpath(query))


def element_with_id(scope: Any, element_id: str) -> Any | None:
    """The first lxml element with this id within scope (an element, itself included), as
    `Selector(root=scope).css('#' + element_id)` finds it first; None when there is none."""
    # The table holds the page's first element of each id: when that one lies in scope, it is
    # also scope's first. Otherwise (a sidebar's element first) the scan decides.
    found = _BY_ID(scope, element_id=element_id)
    if found and (found[0] is scope or any(ancestor is scope for ancestor in found[0].iterancestors())):
        return found[0]
    scanned = _SCAN_FOR_ID(scope, element_id=element_id)
    return scanned[0] if scanned else None


def page_element_with_id(response: TextResponse, element_id: str) -> Any | None:
    """The page's first element with this id, as `response.css('#' + element_id)` finds it first."""
    found = _BY_ID(response.selector.root, element_id=element_id)
    return found[0] if found else None
