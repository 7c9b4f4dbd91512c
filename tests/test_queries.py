"""The saved queries (queries/*.sql) and the Datasette metadata that serves them."""

import asyncio
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette
from sqlalchemy import create_engine, text

from tests.sample_archive import BASE, fill_sample_archive

QUERIES = Path(__file__).resolve().parent.parent / "queries"
METADATA = yaml.safe_load((QUERIES / "metadata.yml").read_text(encoding="utf-8"))
CANNED = METADATA["databases"]["archive"]["queries"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("datasette") / "archive.db"
    fill_sample_archive(f"sqlite:///{path}")
    return path


def test_every_saved_query_is_a_canned_query_word_for_word():
    files = {path.stem: path.read_text(encoding="utf-8").rstrip("\n") for path in QUERIES.glob("*.sql")}
    assert {name: query["sql"] for name, query in CANNED.items()} == files


@pytest.mark.parametrize("name", sorted(CANNED))
def test_each_saved_query_runs_on_an_archive(archive, name):
    engine = create_engine(f"sqlite:///{archive}")
    params = {"url": BASE.format(day=10, n=0)} if ":url" in CANNED[name]["sql"] else {}
    with engine.connect() as connection:
        rows = connection.execute(text(CANNED[name]["sql"].rstrip(";")), params).all()
    engine.dispose()
    assert rows


def datasette_get(archive, path):
    async def get():
        datasette = Datasette([str(archive)], metadata=METADATA)
        return await datasette.client.get(path)

    return asyncio.run(get())


@pytest.mark.parametrize("name", sorted(CANNED))
def test_datasette_serves_the_canned_queries(archive, name):
    response = datasette_get(archive, f"/archive/{name}.json?_shape=array&url={BASE.format(day=10, n=0)}")
    assert response.status_code == 200
    assert response.json()


def test_datasette_searches_the_articles(archive):
    response = datasette_get(archive, "/archive/articles.json?_search=typhoon&_shape=array")
    assert response.status_code == 200
    assert [row["headline"] for row in response.json()] == ["Typhoon relief reaches Philippine islands"]
