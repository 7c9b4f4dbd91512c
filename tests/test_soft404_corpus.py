"""The labelled soft-404 corpus (tests/fixtures/soft404), judged as a crawl would judge it.

The confusion matrix is printed by `python -m benchmarks.soft404_confusion`.
"""

import pytest

from tests.soft404_corpus import CORPUS, judge_corpus, outcome

NAMES = sorted(path.name.removesuffix(".json") for path in CORPUS.glob("*.json"))


@pytest.fixture(scope="module")
def entries():
    return judge_corpus()


def test_the_corpus_is_large_enough_and_varied(entries):
    truths = {entry.truth for entry in entries}
    assert len(entries) >= 50
    assert {"article", "soft404", "http_error", "redirect", "thin", "list", "list_end"} <= truths


def test_no_real_article_is_judged_dead_and_at_most_one_error_page_in_50_is_missed(entries):
    result = outcome(entries)
    assert [e.name for e in result.articles_judged_dead] == []
    assert len(result.error_pages_missed) * 50 <= result.error_pages, [
        e.name for e in result.error_pages_missed
    ]


@pytest.mark.parametrize("name", NAMES)
def test_verdict_matches_the_label(entries, name):
    (entry,) = [entry for entry in entries if entry.name == name]
    assert entry.verdict == entry.truth, entry.reason


def test_the_redesigned_not_found_pages_are_caught_by_the_probe(entries):
    other = [e for e in entries if e.label["site"] == "other" and e.truth == "soft404"]
    assert other
    assert {e.reason for e in other} == {"like the probe answer"}
