"""Error-page wording in a page's title and headings, in English and Chinese."""

from __future__ import annotations

import re

from scrapy.http import TextResponse

from crawler.pages.text import text_of

# Phrases that only error pages use about themselves.
_ERROR_SENTENCE = re.compile(
    r"\b(?:page|article|story|content|url|link)s?\b[^.!?]{0,40}?"
    r"(?:\bnot found\b|\bno longer (?:available|exists?)\b|\bdoes(?: not|n't) exist\b|\bhas expired\b"
    r"|\b(?:has|have) been (?:removed|deleted)\b|\bcan(?:not|'t) be found\b|\bcould not be found\b)",
    re.IGNORECASE,
)
_ERROR_CHINESE = re.compile(
    r"(?:页面|网页|文章|内容|稿件)[^。！]{0,8}?(?:不存在|未找到|找不到|已被?删除|已过期)"
)
# A short title or heading that is nothing but an error word.
_ERROR_WORD = re.compile(r"\b(?:error|oops|404|not found)\b|错误|出错", re.IGNORECASE)
_SHORT_TITLE_WORDS = 6


def _title_part(title: str) -> str:
    """The page's own part of '<page> - Chinadaily.com.cn'."""
    return re.split(r"\s[-|–—]\s", title, maxsplit=1)[0]


def error_wording(response: TextResponse) -> str | None:
    """The title or heading that says the page is an error page, if one does."""
    texts = [_title_part(text_of(response.css("title")))]
    texts += [text_of(heading) for heading in response.css("h1, h2")]
    for text in filter(None, texts):
        if _ERROR_SENTENCE.search(text) or _ERROR_CHINESE.search(text):
            return text
        if len(text.split()) <= _SHORT_TITLE_WORDS and _ERROR_WORD.search(text):
            return text
    return None
