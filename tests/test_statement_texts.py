"""The statements a crawl sends the archive are the same texts whatever the size of its batches.

A statement whose text grows with the batch (an IN list or a VALUES list of its size) is a new
prepared statement for each size: SQLite's driver keeps the last 128 per connection, PostgreSQL
plans each anew (pipelines/archive/oneof.py). SQLite's bulk INSERTs are the one exception, and a
bounded one: their VALUES lists hold a power of two of rows, at most 256
(pipelines/archive/bulk.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from crawler.items import (
    ArticleItem,
    ArticleSeenItem,
    DiscoveryItem,
    FailedUrlItem,
    SectionListingItem,
)
from pipelines.archive import Archive


def _url(n: int) -> str:
    return f"https://www.chinadaily.com.cn/a/202001/01/WS5e0c{n:020x}.html"


def _batch(first: int, size: int) -> list[object]:
    """What a crawl's batch holds: new articles, the list page that showed them, another
    index's sighting of them, an unchanged re-check and a failed URL fetched at last."""
    urls = [_url(n) for n in range(first, first + size)]
    articles = [
        ArticleItem(
            url=url,
            canonical_url=url,
            site_article_id=url.rsplit("/", 1)[1].removesuffix(".html"),
            headline=f"Story {n} on the rail link",
            authors=["Wang Xu"],
            section="World > Asia-Pacific",
            date_published=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n),
            article_body=f"Story {n}.\nThe delegations met at the port.",
        )
        for n, url in zip(range(first, first + size), urls, strict=True)
    ]
    return [
        *articles,
        SectionListingItem("/world/asia_pacific", urls),
        DiscoveryItem("search", "2020-01-01", [(url, "Asia-Pacific") for url in urls], urls),
        ArticleSeenItem(_url(0)),
        FailedUrlItem(urls[0], "HTTP 503 after retries", resolved=True),
    ]


def _statements(archive: Archive, work) -> set[str]:
    sent: list[str] = []

    def note(connection, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(archive.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(archive.engine, "before_cursor_execute", note)
    return set(sent)


_MULTI_ROW_VALUES = re.compile(r"^INSERT INTO \S+ \([^)]*\) VALUES (\([?, ]+\)(?:, \([?, ]+\))*)$")


def _rows_a_statement(statement: str) -> int | None:
    """How many rows a multi-row INSERT writes (None: another statement)."""
    found = _MULTI_ROW_VALUES.match(statement)
    return found[1].count("(") if found else None


def test_a_batch_sends_the_same_statements_whatever_its_size(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    try:
        archive.store(_batch(0, 1))
        small = _statements(archive, lambda: archive.store(_batch(100, 3)))
        large = _statements(archive, lambda: archive.store(_batch(200, 11)))
        largest = _statements(archive, lambda: archive.store(_batch(300, 600)))
    finally:
        archive.close()
    # Every kind of row was written, so that the comparison covers each statement.
    for table in ("articles", "article_versions", "section_listings", "discoveries", "failed_urls"):
        assert any(table in statement for statement in large), table
    multi_row = {
        statement: rows for statement in small | large | largest if (rows := _rows_a_statement(statement))
    }
    assert (
        {statement for statement in small if statement not in multi_row}
        == {statement for statement in large if statement not in multi_row}
        == {statement for statement in largest if statement not in multi_row}
    )
    if migrated_database_url.startswith("sqlite"):
        # 600 rows: 256, 256, 64, 16, 8 — powers of two whatever the size, never more than 256.
        assert {rows for statement, rows in multi_row.items() if statement in largest} == {256, 64, 16, 8}
        assert set(multi_row.values()) <= {2**n for n in range(9)}
    else:
        assert small == large == largest


def test_the_crawls_lookups_send_the_same_statements_whatever_their_size(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    try:
        archive.store(_batch(0, 12))
        few = _statements(
            archive, lambda: (archive.known(map(_url, range(2))), archive.listed(map(_url, range(2))))
        )
        many = _statements(
            archive, lambda: (archive.known(map(_url, range(9))), archive.listed(map(_url, range(9))))
        )
        assert archive.known(map(_url, range(9))).keys() == set(map(_url, range(9)))
        assert archive.listed(map(_url, [3, 4, 99])) == {_url(3), _url(4)}
    finally:
        archive.close()
    assert few == many
