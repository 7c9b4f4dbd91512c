"""The article item as the schema: its fields, the archive's columns, the export and the pages (crawler/items.py)."""

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from crawler.items import (
    ARTICLE_COLUMNS,
    ARTICLE_FIELDS,
    ArticleItem,
    exported_fields,
    with_extra_pages,
)
from crawler.pages.article_page import ArticlePage
from pipelines.archive.models import Article
from pipelines.archive.reader import EXPORT_COLUMNS

# Columns of `articles` that the archive keeps of its own, not fields of a crawled article.
DB_ONLY_COLUMNS = {
    "id",
    "content_hash",
    "headline_key",
    "body_simhash",
    "first_seen_at",
    "last_seen_at",
    "gone_at",
}
# Fields of a crawled article that are not `articles` columns: where and how it was found;
# aliases go to `article_urls`, WARC records to `article_versions`.
NOT_COLUMNS = {"url", "referrer", "extraction", "aliases", "warc_records"}


def test_the_item_and_the_article_table_agree_column_for_column():
    columns = {column.key for column in inspect(Article).columns}
    assert set(ARTICLE_COLUMNS) == columns - DB_ONLY_COLUMNS
    assert set(ARTICLE_FIELDS) - set(ARTICLE_COLUMNS) == NOT_COLUMNS


def test_the_page_object_reads_every_field_by_its_name():
    assert all(callable(getattr(ArticlePage, name, None)) for name in ARTICLE_FIELDS)


def test_the_export_is_the_article_columns_people_read_between_the_archive_s_own():
    assert EXPORT_COLUMNS[0] == "id" and EXPORT_COLUMNS[-3:] == ("first_seen_at", "last_seen_at", "gone_at")
    assert "article_body_html" not in exported_fields() and "article_body_html" in exported_fields(True)
    assert not {"http_etag", "http_last_modified"} & set(EXPORT_COLUMNS)
    assert not NOT_COLUMNS & set(EXPORT_COLUMNS)
    assert set(exported_fields()) <= set(ARTICLE_COLUMNS)


def item(**values):
    return ArticleItem(**{"url": "https://www.chinadaily.com.cn/a/1.html", "canonical_url": "c", **values})


def test_extra_pages_add_their_text_images_and_records_in_page_order():
    first = item(
        headline="H",
        article_body="one\ntwo",
        article_body_html="<p>one</p>",
        images=[{"src": "a.jpg", "caption": None}],
        warc_records=["f.warc.gz#0"],
    )
    second = {
        "article_body": "three",
        "article_body_html": "<p>three</p>",
        "images": [],
        "warc_records": ["#9"],
    }
    third = {
        "article_body": "four",
        "article_body_html": "",
        "images": [{"src": "b.jpg", "caption": "B"}],
        "warc_records": [],
    }
    joined = with_extra_pages(first, [second, third])
    assert joined.article_body == "one\ntwo\nthree\nfour"
    assert joined.article_body_html == "<p>one</p>\n<p>three</p>"
    assert joined.images == [{"src": "a.jpg", "caption": None}, {"src": "b.jpg", "caption": "B"}]
    assert joined.warc_records == ["f.warc.gz#0", "#9"]
    assert (joined.headline, joined.canonical_url) == ("H", "c")
    assert (joined.pages_stored, joined.pages_expected, joined.pages_missing) == (3, 3, [])
    assert with_extra_pages(first, []) == first


def test_pages_that_could_not_be_read_leave_the_article_incomplete():
    first = ArticleItem(url="u", canonical_url="c", article_body="one", pages_expected=5)
    second = {"article_body": "two", "article_body_html": "", "images": [], "warc_records": []}
    joined = with_extra_pages(first, [second], missing=["u_3", "u_4"])
    assert (joined.article_body, joined.pages_stored, joined.pages_missing) == ("one\ntwo", 2, ["u_3", "u_4"])
    assert joined.pages_expected == 5
    # A later page's pager may say there are more pages than the first page's did.
    assert with_extra_pages(first, [second], expected=7).pages_expected == 7
    assert with_extra_pages(first, [second] * 6).pages_expected == 7


def test_an_article_is_never_changed_once_built():
    article = item(date_published=datetime(2019, 1, 11, tzinfo=UTC))
    with pytest.raises(FrozenInstanceError):
        article.headline = "changed"  # type: ignore[misc]
    assert {field.name for field in fields(ArticleItem)} == set(ARTICLE_FIELDS)
