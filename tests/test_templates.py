"""Each article template with a field's markup broken: the page keeps what the template found and takes
the rest from the next source (crawler/pages/templates.py, crawler/pages/article_page.py)."""

import re

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from crawler.judging import PageJudge
from crawler.pages.article_page import ArticlePage
from crawler.pages.generic_page import GenericArticlePage
from tests.labelled import labelled_pages

ARTICLES = labelled_pages("article")
JUDGE = PageJudge(min_body_chars=40)
# Each template's own markup, as the site's pages are described (docs/judging.md): where its
# headline is, where its body is, and what marks the page as being in it.
HEADLINE = {"chinese": "h1.dabiaoti", "photo": "div.ce_art h1", "news": "#lft-art h1", "legacy": "h1"}
BODY = {"chinese": "#Content", "photo": "#Content", "news": "#Content"}
MARKS = {"chinese": "div.container-left2", "photo": "div.ce_art", "news": "#lft-art"}
ENP_TITLE = re.compile(r"<!--enpproperty.*?<title>(.*?)</title>", re.S)
SHARE_WORDS = re.compile(r"^(?:share|close)\b|\bwechat\b|\bfacebook\b|\blinkedin\b", re.I)


def template_of(html: str) -> str:
    document = lxml.html.fromstring(html)
    for name, selector in MARKS.items():
        if document.cssselect(selector):
            return name
    return "legacy" if "<!--enpcontent-->" in html else "none"


def html_of(page) -> str:
    return page.response().text


def respond(page, html: str) -> HtmlResponse:
    return HtmlResponse(url=page.label["url"], body=html.encode("utf-8"), encoding="utf-8")


def without(html: str, selector: str) -> str:
    """The page with every element the selector finds removed."""
    document = lxml.html.fromstring(html)
    for element in document.cssselect(selector):
        element.drop_tree()
    return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")


def next_headline_source(html: str, template: str) -> str | None:
    """What the issue names as a headline's next sources, read straight off the page: the old CMS's
    title, og:title, twitter:title, then the title without the site's name."""
    if template == "legacy" and (match := ENP_TITLE.search(html)):
        return " ".join(match.group(1).split())
    document = lxml.html.fromstring(html)
    for xpath in ("//meta[@property='og:title']/@content", "//meta[@name='twitter:title']/@content"):
        values = [" ".join(value.split()) for value in document.xpath(xpath) if value.strip()]
        if values:
            return values[0]
    title = " ".join(" ".join(document.xpath("//title//text()")).split())
    return re.sub(r"\s+-\s+chinadaily\.com\.cn$", "", title, flags=re.I) or None


@pytest.mark.parametrize("page", ARTICLES, ids=lambda page: page.id)
def test_a_broken_headline_is_taken_from_the_next_source_and_the_body_kept(page):
    html = html_of(page)
    template = template_of(html)
    broken = without(html, HEADLINE[template])
    expected = next_headline_source(broken, template)
    assert expected, "every labelled page carries a second source of its headline"
    judgement = JUDGE.judge_article(respond(page, broken))
    assert judgement.article is not None, judgement.reason
    assert judgement.article.headline == expected
    assert judgement.article.article_body == page.label["fields"]["article_body"]
    assert judgement.article_page.field_sources()["headline"] != "template"
    assert judgement.article_page.field_sources()["article_body"] == "template"
    assert not judgement.fallback, "the generic extractor was not needed"


@pytest.mark.parametrize(
    "page", [page for page in ARTICLES if template_of(html_of(page)) in BODY], ids=lambda page: page.id
)
def test_a_broken_body_is_read_by_the_generic_extractor_and_the_headline_kept(page):
    html = html_of(page)
    judgement = JUDGE.judge_article(respond(page, without(html, BODY[template_of(html)])))
    if judgement.article is None:  # too little text left, or the site's not-found wording around it
        assert judgement.verdict in ("thin", "soft404")
        return
    assert judgement.article.headline == page.label["fields"]["headline"]
    assert judgement.article_page.field_sources()["article_body"] == "generic"
    assert judgement.fallback
    assert_clean(judgement.article.article_body, page)


def assert_clean(body: str, page) -> None:
    """No line of a body is the headline, a breadcrumb or a row of share buttons."""
    fields = page.label["fields"]
    headline = fields["headline"].casefold()
    crumbs = {name.casefold() for name in fields.get("breadcrumbs") or []}
    for line in body.splitlines():
        assert line.casefold() != headline, line
        assert line.casefold() not in crumbs, line
        assert not (SHARE_WORDS.search(line) and len(line.split()) <= 6), line


@pytest.mark.parametrize("page", ARTICLES, ids=lambda page: page.id)
def test_no_body_holds_its_headline_a_breadcrumb_or_share_buttons(page):
    assert_clean(ArticlePage(page.response()).article_body(), page)


@pytest.mark.parametrize("page", ARTICLES, ids=lambda page: page.id)
def test_the_generic_extractor_alone_leaves_out_headline_breadcrumbs_and_share_buttons(page):
    """The page with none of the site's templates' marks left: the generic extractor reads it all."""
    html = html_of(page).replace("<!--enpcontent-->", "").replace("<!--/enpcontent-->", "")
    document = lxml.html.fromstring(html)
    for element in document.cssselect("#lft-art, div.ce_art, h1.dabiaoti, div.container-left2"):
        element.attrib.pop("id", None)
        element.attrib["class"] = "unknown"
    response = respond(page, lxml.html.tostring(document, encoding="unicode"))
    article_page = ArticlePage(response, fallback=GenericArticlePage(response))
    assert article_page.template() == "generic"
    assert article_page.article_body(), "the generic extractor found text"
    assert_clean(article_page.article_body(), page)


def test_the_photo_story_is_read_in_its_own_template_with_source_and_caption():
    [page] = [page for page in ARTICLES if page.name == "photo_p1"]
    item = ArticlePage(page.response()).to_item()
    assert (item.template, item.source, item.authors) == ("photo", "chinadaily.com.cn", [])
    assert item.images and all(image["caption"] for image in item.images)
    assert not item.article_body.startswith(item.headline or "")
    assert "Share" not in item.article_body
