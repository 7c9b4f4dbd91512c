"""The verdicts a fetched page can get (docs/judging.md)."""

from enum import StrEnum


class Verdict(StrEnum):
    """What a fetched page is; a dead verdict is also the `kind` of its `dead_urls` row."""

    ARTICLE = "article"
    LIST = "list"
    LIST_END = "list_end"
    """Past the section's last list page: the walk ends there, no error."""
    SOFT404 = "soft404"
    HTTP_ERROR = "http_error"
    REDIRECT = "redirect"
    THIN = "thin"
    FAILED = "failed"
    """A fetch that failed for a reason that may pass (5xx, timeout): tried again next run."""
    RENDER = "render"
    """Not a final verdict: the page's text is built by script; render it and judge again."""


DEAD_VERDICTS = frozenset({Verdict.SOFT404, Verdict.HTTP_ERROR, Verdict.REDIRECT, Verdict.THIN})
