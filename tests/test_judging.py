"""Article or not: the verdict on every labelled page (crawler/judging.py)."""

import pytest

from crawler.judging import PageJudge
from tests.labelled import labelled_pages

PAGES = [page for page in labelled_pages() if page.kind in ("article", "not_article")]
# A not-found page sharing no words with the site's own is caught by the probe fingerprint.
NEEDS_PROBE = {"written/notfound_other_wording"}


def _param(page):
    marks = ()
    if page.id in NEEDS_PROBE:
        marks = pytest.mark.xfail(strict=True, reason="needs the probe fingerprint of the soft-404 issue")
    return pytest.param(page, id=page.id, marks=marks)


@pytest.mark.parametrize("page", [_param(page) for page in PAGES])
def test_verdict(page):
    judgement = PageJudge(min_body_chars=40).judge_article(page.response())
    verdict = "article" if judgement.article is not None else "not_article"
    assert verdict == page.kind


def test_a_dead_page_says_why():
    (thin,) = [page for page in PAGES if page.name == "thin_empty_container"]
    judgement = PageJudge(min_body_chars=40).judge_article(thin.response(), referrer="http://x/list")
    assert judgement.dead is not None
    assert (judgement.dead.kind, judgement.dead.status, judgement.dead.referrer) == (
        "thin",
        200,
        "http://x/list",
    )
    assert judgement.dead.canonical_url == thin.label["url"]


def test_the_site_not_found_page_is_a_soft_404():
    (page,) = [page for page in PAGES if page.name == "notfound_site_page"]
    judgement = PageJudge(min_body_chars=40).judge_article(page.response())
    assert judgement.dead is not None
    assert (judgement.dead.kind, judgement.dead.reason) == ("soft404", "not-found template")


def test_a_page_without_the_template_falls_back_to_the_generic_extractor():
    (page,) = [page for page in PAGES if page.name == "ws_one_author_figure"]
    response = page.response()
    stripped = response.replace(body=response.body.replace(b'id="lft-art"', b'id="article-x"'))
    judgement = PageJudge(min_body_chars=40).judge_article(stripped)
    assert judgement.fallback
    assert judgement.article is not None
    assert judgement.article.extraction == "fallback"
    assert judgement.article.headline == page.label["fields"]["headline"]
    first_paragraph = page.label["fields"]["article_body"].split("\n")[0]
    assert first_paragraph in judgement.article.article_body
