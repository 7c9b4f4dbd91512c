"""The section counts the writer keeps (pipelines/archive/sectioncounts.py) against a full count of the rows,
on SQLite and PostgreSQL: after every kind of write, after random batches, and as migration 0010 fills them."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from crawler.items import ArticleAliasesItem, ArticleItem, SectionListingItem
from pipelines.archive import Archive, alembic_config
from pipelines.archive.filters import Filters
from pipelines.archive.models import SectionCount
from pipelines.archive.reader import ArchiveReader
from pipelines.archive.sectioncounts import counting_statement, kept_statement, recount

SITE = "https://www.chinadaily.com.cn"
PUBLISHED = datetime(2019, 1, 11, 18, 6, tzinfo=UTC)


def url(n: int) -> str:
    return f"{SITE}/a/201901/11/WS5c38db2fa3106c65c34e{n:04x}.html"


def old_url(n: int) -> str:
    return f"{SITE}/world/2019-01/11/content_{37000 + n}.htm"


def article(
    n: int, *, headline: str | None = None, published: datetime = PUBLISHED, **changes
) -> ArticleItem:
    headline = headline or f"Story {n} on the ports and the rail link"
    body = "\n".join(f"{headline}: paragraph {p} on the talks between the delegations." for p in range(8))
    fields = {
        "url": url(n),
        "canonical_url": url(n),
        "site_article_id": url(n).rsplit("/", 1)[1].removesuffix(".html"),
        "headline": headline,
        "authors": ["Wang Xu"],
        "source": "China Daily",
        "section": "World > Asia-Pacific",
        "breadcrumbs": ["Home", "World", "Asia-Pacific"],
        "date_published": published,
        "article_body": body,
        "article_body_html": "<p>...</p>",
        "language": "en",
    }
    return ArticleItem(**(fields | changes))


def kept(archive: Archive) -> list[tuple[str, int]]:
    """Every row of section_counts (a section at 0 should be none), in the full count's order."""
    rows = select(SectionCount.section_path, SectionCount.articles).order_by(
        SectionCount.articles.desc(), SectionCount.section_path
    )
    with archive.engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(rows)]
        assert found == [tuple(row) for row in connection.execute(kept_statement())]
    return found


def counted(archive: Archive) -> list[tuple[str, int]]:
    with archive.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(counting_statement())]


def test_the_kept_counts_follow_every_kind_of_write(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    edition = replace(
        article(
            7, headline="Story 1 on the ports and the rail link", published=PUBLISHED - timedelta(hours=2)
        ),
        site_article_id="WS5c38e347a3106c65c34e4001",
    )
    batches = [
        # Listed before they are archived, one under an old-style URL: no article, nothing counted.
        [SectionListingItem("/world/asia_pacific", [url(1), url(2), old_url(3)])],
        # New articles in bulk; one of them under the old URL the list showed, one listed nowhere.
        [article(1), article(2), replace(article(3), aliases=[old_url(3)]), article(4)],
        # Listed again, and in a second section under its old URL: still one article each.
        [
            SectionListingItem("/world/asia_pacific", [url(3), old_url(3)]),
            SectionListingItem("/world/archive", [old_url(3), url(4)]),
        ],
        # An earlier edition of story 1: it becomes the article's own URL, the former one its alias.
        [edition, SectionListingItem("/china/society", [url(7)])],
        # Another URL of article 2 that a section had listed.
        [SectionListingItem("/opinion/editorials", [old_url(2)])],
        [ArticleAliasesItem(url(2), [old_url(2)])],
        # Article 4 claims article 3's old URL: the alias moves, and its listings with it.
        [replace(article(4), aliases=[old_url(3)])],
        # Articles and their listings in one batch, one also under an alias of another.
        [
            article(5),
            replace(article(6), aliases=[old_url(6)]),
            SectionListingItem("/world/europe", [url(5), old_url(6), url(99)]),
        ],
        # Unchanged and edited articles move nothing.
        [article(5), replace(article(6), article_body="A new body for story 6, on the ports.")],
    ]
    # Article 1 under its former URL, 3 under its own, 4 under the old URL it took from 3.
    expected_last = [
        ("/world/asia_pacific", 4),
        ("/world/archive", 1),
        ("/world/europe", 2),
        ("/china/society", 1),
        ("/opinion/editorials", 1),
    ]
    for number, batch in enumerate(batches):
        archive.store(batch)
        assert kept(archive) == counted(archive), f"after batch {number}"
    assert sorted(kept(archive)) == sorted(expected_last)
    archive.close()


def test_the_kept_counts_match_a_full_count_after_random_batches(migrated_database_url):
    rng = random.Random(21)
    sections = ["/world/asia_pacific", "/world/europe", "/china/society", "/business/tech"]
    headlines = [f"Story {h} on the ports and the rail link" for h in range(6)]
    archive = Archive.open(migrated_database_url)
    for number in range(40):
        batch: list[object] = []
        for _ in range(rng.randint(0, 4)):
            n = rng.randrange(12)
            aliases = [old_url(a) for a in rng.sample(range(12), rng.randint(0, 2))]
            batch.append(
                replace(
                    article(
                        n,
                        headline=rng.choice(headlines),
                        published=PUBLISHED + timedelta(hours=rng.randint(-30, 30)),
                    ),
                    aliases=aliases,
                )
            )
        for _ in range(rng.randint(0, 3)):
            urls = [rng.choice((url, old_url))(rng.randrange(14)) for _ in range(rng.randint(1, 4))]
            batch.append(SectionListingItem(rng.choice(sections), urls))
        if rng.random() < 0.2:
            batch.append(ArticleAliasesItem(url(rng.randrange(12)), [old_url(rng.randrange(12))]))
        archive.store(batch)
        assert kept(archive) == counted(archive), f"after batch {number}"
    assert sum(n for _, n in kept(archive)) > 10
    archive.close()


def test_stats_by_section_reads_the_kept_counts_only_when_nothing_filters_the_rows(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    archive.store([article(1), article(2), article(3, source="Xinhua")])
    archive.store([SectionListingItem("/world/asia_pacific", [url(1), url(3)])])
    archive.store([SectionListingItem("/world/europe", [url(3)])])
    # The kept counts made wrong on purpose: what the reader shows is what it read.
    with archive.engine.begin() as connection:
        connection.execute(SectionCount.__table__.update().values(articles=SectionCount.articles + 100))
    archive.close()
    reader = ArchiveReader(migrated_database_url)
    try:
        assert reader.counts("section", Filters()) == [
            ("/world/asia_pacific", 102),
            ("(not listed)", 101),
            ("/world/europe", 101),
        ]
        assert reader.counts("section", Filters(limit=1)) == [("/world/asia_pacific", 102)]
        assert reader.counts("section", Filters(source="xinhua")) == [
            ("/world/asia_pacific", 1),
            ("/world/europe", 1),
        ]
        assert reader.counts("section", Filters(since=PUBLISHED.date())) == [
            ("/world/asia_pacific", 2),
            ("(not listed)", 1),
            ("/world/europe", 1),
        ]
    finally:
        reader.close()


def test_recount_repairs_counts_left_wrong_by_rows_written_around_the_writer(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    archive.store([article(1), article(2), SectionListingItem("/world/asia_pacific", [url(1)])])
    with archive.engine.begin() as connection:
        connection.execute(SectionCount.__table__.delete())
        recount(connection)
    assert kept(archive) == counted(archive) == [("(not listed)", 1), ("/world/asia_pacific", 1)]
    archive.close()


def test_the_migration_counts_the_archives_made_before_it(database_url):
    archive = Archive.open(database_url)
    archive.store([article(n) for n in range(1, 6)] + [replace(article(6), aliases=[old_url(6)])])
    archive.store(
        [
            SectionListingItem("/world/asia_pacific", [url(1), url(2), old_url(6)]),
            SectionListingItem("/world/europe", [url(2), url(6), old_url(6)]),
        ]
    )
    before = counted(archive)
    config = alembic_config()
    with archive.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009_discoveries")
    archive.close()
    archive = Archive.open(database_url)
    with archive.engine.connect() as connection:
        rows = connection.execute(select(SectionCount.section_path, SectionCount.articles)).all()
    assert (
        sorted(rows)
        == sorted(before)
        == [
            ("(not listed)", 3),
            ("/world/asia_pacific", 3),
            ("/world/europe", 2),
        ]
    )
    assert kept(archive) == before
    archive.close()
