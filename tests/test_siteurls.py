"""The site's URL rules: canonical form, origin mapping, ids and WS times (crawler/siteurls.py)."""

from datetime import UTC, datetime

import pytest

from crawler.siteurls import (
    article_page_number,
    canonical_url,
    is_article_url,
    list_page_number,
    normalize_origin,
    site_article_id,
    site_link,
    to_origin,
    ws_id_time,
)

LOCAL = "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://127.0.0.1:8000/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
            "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
        ),
        (
            "https://global.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa_2.html?from=x#top",
            "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
        ),
        (
            "https://covid-19.chinadaily.com.cn/usa/world/2016-11/29/content_27514521_3.htm",
            "https://www.chinadaily.com.cn/usa/world/2016-11/29/content_27514521.htm",
        ),
        (
            "http://www.chinadaily.com.cn/world/asia_pacific",
            "https://www.chinadaily.com.cn/world/asia_pacific",
        ),
        (
            "https://www.chinadaily.com.cn/world/asia_pacific/page_2.html",
            "https://www.chinadaily.com.cn/world/asia_pacific/page_2.html",
        ),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        (
            "//www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
            f"{LOCAL}/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
        ),
        (
            "https://www.chinadaily.com.cn/world/asia_pacific/page_2.html",
            f"{LOCAL}/world/asia_pacific/page_2.html",
        ),
        (
            "//global.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
            f"{LOCAL}/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html",
        ),
        ("/world/europe", f"{LOCAL}/world/europe"),
        ("page_3.html", f"{LOCAL}/world/page_3.html"),
        ("http://bbs.chinadaily.com.cn/", None),
        ("//cn.chinadaily.com.cn/a/202307/31/WS64c7233ba3109d7585e4733e.html", None),
        ("https://example.com/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html", None),
        ("javascript:void(0);", None),
        ("mailto:editor@chinadaily.com.cn", None),
        ("#top", None),
        ("", None),
    ],
)
def test_links_are_mapped_onto_the_configured_origin(href, expected):
    assert to_origin(href, f"{LOCAL}/world/asia_pacific", LOCAL) == expected


def test_the_real_origin_maps_mirrors_onto_itself():
    origin = "https://www.chinadaily.com.cn"
    assert to_origin("//usa.chinadaily.com.cn/world/2016-11/29/content_1.htm", origin, origin) == (
        "https://www.chinadaily.com.cn/world/2016-11/29/content_1.htm"
    )


def test_normalize_origin_rejects_what_is_not_http():
    assert normalize_origin("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    with pytest.raises(ValueError):
        normalize_origin("ftp://example.com")


def test_site_link_resolves_against_the_live_site():
    assert (
        site_link("//img2.chinadaily.com.cn/x.jpeg", f"{LOCAL}/a/1")
        == "https://img2.chinadaily.com.cn/x.jpeg"
    )
    assert site_link("/images/x.jpeg", f"{LOCAL}/a/1") == "https://www.chinadaily.com.cn/images/x.jpeg"


@pytest.mark.parametrize(
    ("url", "article_id", "page"),
    [
        ("/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html", "WS5c38db2fa3106c65c34e3ffa", 1),
        ("/a/201901/12/WS5c38db2fa3106c65c34e3ffa_3.html", "WS5c38db2fa3106c65c34e3ffa", 3),
        ("/world/2016-11/29/content_27514521.htm", "content_27514521", 1),
        ("/usa/world/2016-11/29/content_27514521_2.htm", "content_27514521", 2),
        ("/world/asia_pacific/page_2.html", None, 1),
    ],
)
def test_article_ids_and_pages(url, article_id, page):
    assert site_article_id(url) == article_id
    assert is_article_url(url) is (article_id is not None)
    assert article_page_number(url) == page


def test_list_page_numbers():
    assert list_page_number("/world/asia_pacific") == 1
    assert list_page_number("/world/asia_pacific/page_12.html") == 12


def test_ws_id_time_is_the_unix_time_of_its_first_eight_hex_digits():
    # 0x5c38db2f = 1547229999 s: 2019-01-11 18:06:39 UTC, the list shows 02:06 Beijing time.
    assert ws_id_time("WS5c38db2fa3106c65c34e3ffa") == datetime(2019, 1, 11, 18, 6, 39, tzinfo=UTC)
    assert ws_id_time("content_27514521") is None
