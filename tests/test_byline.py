"""Byline parsing: authors, source and the 'Updated:' time (crawler/pages/byline.py)."""

from datetime import UTC, datetime

import pytest

from crawler.pages.byline import parse_byline, split_authors


@pytest.mark.parametrize(
    ("text", "authors", "source"),
    [
        (
            "By Wang Xu and Mo Jingxi | China Daily | Updated: 2019-01-12 07:34",
            ["Wang Xu", "Mo Jingxi"],
            "China Daily",
        ),
        (
            "By Chen Jia in Manila | chinadaily.com.cn | Updated: 2019-01-12 07:34",
            ["Chen Jia"],
            "chinadaily.com.cn",
        ),
        ("Xinhua | Updated: 2019-01-12 07:34", [], "Xinhua"),
        (
            "By Zhao Huanxin in Washington, Li Yang and Wang Xu in Beijing | China Daily | Updated: 2019-01-12 07:34",
            ["Zhao Huanxin", "Li Yang", "Wang Xu"],
            "China Daily",
        ),
        ("By  Wang   Xu |  China Daily  ", ["Wang Xu"], "China Daily"),
        (
            "By Karl Wilson & Ferdinand Marcos in Sydney | China Daily",
            ["Karl Wilson", "Ferdinand Marcos"],
            "China Daily",
        ),
        ("chinadaily.com.cn Updated: 2019-01-12 07:34", [], "chinadaily.com.cn"),
    ],
)
def test_authors_and_source(text, authors, source):
    byline = parse_byline(text)
    assert byline.authors == authors
    assert byline.source == source


def test_updated_time_is_beijing_time_in_utc():
    byline = parse_byline("By Wang Xu | China Daily | Updated: 2016-11-29 11:25")
    assert byline.updated == datetime(2016, 11, 29, 3, 25, tzinfo=UTC)


def test_no_byline_gives_nothing():
    byline = parse_byline(None)
    assert (byline.authors, byline.source, byline.updated) == ([], None, None)


def test_a_name_containing_and_is_not_split():
    assert split_authors("Alexandra Andersen and Sandy Li") == ["Alexandra Andersen", "Sandy Li"]
