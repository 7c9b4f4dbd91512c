"""Scrapy's duplicate filter, letting redirects through: each redirected link must reach its target to be judged."""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter


class RedirectsPassThrough:
    """A duplicate filter's rule that the next hop of a redirect is never a duplicate.

    Several links that redirect to one target (a catch-all, or an article already fetched)
    must each arrive there: the judge counts them to tell a catch-all target from a move.
    Redirect chains stay bounded by REDIRECT_MAX_TIMES.
    """

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))  # type: ignore[misc]


class RedirectAwareDupeFilter(RedirectsPassThrough, RFPDupeFilter):
    """Filters a URL requested twice, but never the next hop of a redirect."""
