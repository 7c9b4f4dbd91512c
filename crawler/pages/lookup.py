"""Look-ups by element id through libxml2's table of ids, instead of a scan of the whole tree."""

from __future__ import annotations

from parsel import Selector, SelectorList
from scrapy.http import TextResponse


def first_with_id(scope: TextResponse | SelectorList[Selector], element_id: str) -> SelectorList[Selector]:
    """The first element with this id within scope (a page, or the elements under which to look),
    as `scope.css('#' + element_id)[:1]` finds it; empty when there is none."""
    if isinstance(scope, TextResponse):
        return scope.xpath(f"id('{element_id}')")[:1]
    if not scope:
        return scope
    # The table holds the page's first element of each id: when that one lies in scope, it is
    # also scope's first. Otherwise (a sidebar's element first) the scan decides.
    found = scope[0].xpath(f"id('{element_id}')")[:1]
    if found and any(ancestor is scope[0].root for ancestor in found[0].root.iterancestors()):
        return found
    return scope.css(f"#{element_id}")[:1]
