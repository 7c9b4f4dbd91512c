"""PostgreSQL's stored search document (migration 0011, pipelines/archive/search.py): filled for archives made
before it, kept up as articles change, and searches give the same rows in the same order as ranking the
computed document did, without computing it."""

import pytest
from alembic import command
from sqlalchemy import text

from pipelines.archive import Archive, alembic_config
from pipelines.archive.filters import Filters
from pipelines.archive.reader import ArchiveReader
from pipelines.archive.search import POSTGRES_DOCUMENT, parse, search_statement
from tests.databases import postgres_database
from tests.sample_archive import STORIES, item

SEARCHES = ["officials", "rail link", '"rail link"', "negotiat*", "ports OR tariffs", "partners -typhoon"]


@pytest.fixture
def postgres_url():
    with postgres_database() as url:
        yield url


def upgrade(archive: Archive, revision: str) -> None:
    config = alembic_config()
    with archive.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ranked_by_the_computed_document(archive: Archive, query: str, by_date: bool = False) -> list[int]:
    """The ids a search gave before migration 0011: ranked by the document computed per row."""
    order = "date_published DESC" if by_date else f"ts_rank({POSTGRES_DOCUMENT}, q) DESC"
    statement = (
        "SELECT id FROM articles, to_tsquery('archive_text'::regconfig, :query) q "
        f"WHERE {POSTGRES_DOCUMENT} @@ q ORDER BY {order}, id"
    )
    with archive.engine.connect() as connection:
        return list(connection.scalars(text(statement), {"query": parse(query).tsquery()}))


def searched(url: str, query: str, by_date: bool = False) -> list[int]:
    reader = ArchiveReader(url)
    try:
        return [
            hit.id for hit in reader.search(query, Filters(limit=100), "date" if by_date else "relevance")
        ]
    finally:
        reader.close()


def test_an_archive_made_before_gets_its_documents_and_the_same_results(postgres_url):
    archive = Archive.open(postgres_url, upgrade=False)
    upgrade(archive, "0010_section_counts")
    archive.store([item(n, *story) for n, story in enumerate(STORIES)])
    archive.store(
        [item(n + 5, *story, body_extra=" More on the rail link.") for n, story in enumerate(STORIES)]
    )
    before = {
        (query, by_date): ranked_by_the_computed_document(archive, query, by_date)
        for query in SEARCHES
        for by_date in (False, True)
    }
    upgrade(archive, "head")
    with archive.engine.connect() as connection:
        differing = connection.scalar(
            text(f"SELECT count(*) FROM articles WHERE search_document IS DISTINCT FROM {POSTGRES_DOCUMENT}")
        )
        index = connection.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_articles_fulltext'")
        )
    assert differing == 0
    assert index.endswith("USING gin (search_document)")
    archive.close()
    assert any(len(ids) > 2 for ids in before.values())
    for (query, by_date), ids in before.items():
        assert searched(postgres_url, query, by_date) == ids, (query, by_date)


def test_the_stored_document_follows_an_edit(postgres_url):
    archive = Archive.open(postgres_url)
    archive.store([item(0, *STORIES[0])])
    assert searched(postgres_url, "manila") == [1]
    archive.store([item(0, "Hanoi and Beijing sign rail link agreement", *STORIES[0][1:])])
    archive.close()
    assert searched(postgres_url, "manila") == []
    assert searched(postgres_url, "hanoi") == [1]


def test_a_search_reads_the_stored_document_and_computes_none(postgres_url):
    archive = Archive.open(postgres_url)
    archive.store([item(n, *story) for n, story in enumerate(STORIES)])
    for by_date in (False, True):
        statement = search_statement("postgresql", parse("rail link"), by_date=by_date)
        compiled = statement.compile(archive.engine, compile_kwargs={"literal_binds": True})
        with archive.engine.connect() as connection:
            plan = "\n".join(connection.scalars(text(f"EXPLAIN (VERBOSE) {compiled}")))
        assert "search_document" in plan
        assert "to_tsvector" not in plan
    archive.close()
