"""The archive on SQLite and PostgreSQL: schema from migrations, one row per story, versions on change
(pipelines/archive: archive.py, write.py, stories.py)."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from crawler.items import ArticleAliasesItem, ArticleItem, DeadUrlItem, FailedUrlItem
from pipelines.archive import Archive, alembic_config, create_archive_engine
from pipelines.archive.content import headline_key
from pipelines.archive.db import SCHEMA_HEAD, schema_head
from pipelines.archive.models import (
    Article,
    ArticleUrl,
    ArticleVersion,
    Base,
    CrawlRun,
    DeadUrl,
    include_object,
)
from pipelines.archive.stories import ArticleWriter, DedupRules

URL = "https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html"
EDITION = "https://www.chinadaily.com.cn/a/201901/12/WS5c38e347a3106c65c34e4001.html"
PUBLISHED = datetime(2019, 1, 11, 18, 6, tzinfo=UTC)
BODY = "\n".join(
    f"Paragraph {n} on the talks between the delegations, the ports and the rail link across the region."
    for n in range(12)
)


@pytest.fixture
def archive(migrated_database_url):
    archive = Archive.open(migrated_database_url)
    yield archive
    archive.close()


def make_item(**changes):
    fields = {
        "url": URL,
        "canonical_url": URL,
        "site_article_id": "WS5c38db2fa3106c65c34e3ffa",
        "headline": "China Daily USA publishes report",
        "authors": ["Wang Xu"],
        "source": "China Daily",
        "section": "World > China-US",
        "breadcrumbs": ["Home", "World", "China-US"],
        "date_published": PUBLISHED,
        "date_modified": datetime(2019, 1, 11, 23, 34, tzinfo=UTC),
        "article_body": BODY,
        "article_body_html": "<p>...</p>",
        "description": "A report.",
        "language": "en",
        "images": [{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None}],
    }
    fields.update(changes)
    return ArticleItem(**fields)


def edition(**changes):
    """The same story under another id and path, published a little later, as a regional edition."""
    fields = {
        "url": EDITION,
        "canonical_url": EDITION,
        "site_article_id": "WS5c38e347a3106c65c34e4001",
        "date_published": PUBLISHED + timedelta(minutes=30),
        "source": "China Daily Asia",
    }
    return make_item(**(fields | changes))


def count(archive, model):
    with archive.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def rows(archive, model):
    with archive.engine.connect() as connection:
        return list(connection.execute(select(model).order_by(model.id)))


def test_the_migrations_build_exactly_the_models(archive):
    with archive.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    tables = set(inspect(archive.engine).get_table_names())
    assert {
        "articles",
        "article_versions",
        "article_urls",
        "dead_urls",
        "failed_urls",
        "crawl_runs",
    } <= tables


def test_sqlite_runs_in_wal_mode(tmp_path):
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.db'}")
    with archive.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    archive.close()


def test_a_new_article_gets_a_row_and_a_first_version(archive):
    result = archive.store([make_item()])
    assert (result.new, result.updated, result.unchanged) == (1, 0, 0)
    (row,) = rows(archive, Article)
    assert row.headline == "China Daily USA publishes report"
    assert row.authors == ["Wang Xu"]
    assert row.date_published == PUBLISHED
    assert row.images == [{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None}]
    assert count(archive, ArticleVersion) == 1


def test_storing_the_same_article_again_moves_only_last_seen(archive):
    archive.store([make_item()])
    (before,) = rows(archive, Article)
    result = archive.store([make_item(), make_item()])
    (after,) = rows(archive, Article)
    assert (result.new, result.unchanged) == (0, 2)
    assert count(archive, ArticleVersion) == 1
    assert after.first_seen_at == before.first_seen_at
    assert after.last_seen_at >= before.last_seen_at
    assert after.content_hash == before.content_hash


def test_a_changed_body_is_a_new_version_and_the_row_shows_it(archive):
    archive.store([make_item()])
    result = archive.store([make_item(article_body=BODY + "\nA correction was added.")])
    assert result.updated == 1
    assert count(archive, Article) == 1
    assert count(archive, ArticleVersion) == 2
    (row,) = rows(archive, Article)
    assert row.article_body.endswith("A correction was added.")


def test_layout_changes_are_not_edits(archive):
    archive.store([make_item()])
    archive.store(
        [make_item(article_body=BODY.replace(" ", "  "), headline=" China Daily USA  publishes report ")]
    )
    assert count(archive, ArticleVersion) == 1


def test_a_changed_update_time_alone_is_not_a_version(archive):
    archive.store([make_item()])
    later = datetime(2019, 1, 12, 8, 0, tzinfo=UTC)
    archive.store([make_item(date_modified=later)])
    assert count(archive, ArticleVersion) == 1
    (row,) = rows(archive, Article)
    assert row.date_modified == later


def test_edits_are_queryable_with_what_changed(archive):
    archive.store([make_item()])
    archive.store([make_item(headline="China Daily USA publishes its report")])
    archive.store(
        [make_item(headline="China Daily USA publishes its report", authors=["Wang Xu", "Mo Jingxi"])]
    )
    archive.store([make_item()])
    with archive.engine.connect() as connection:
        edits = connection.execute(
            text(
                "SELECT kind, headline_changed, authors_changed, body_changed FROM article_edits "
                "ORDER BY fetched_at, version_id"
            )
        ).all()
    assert [tuple(edit) for edit in edits] == [
        ("first", 0, 0, 0),
        ("edit", 1, 0, 0),
        ("edit", 0, 1, 0),
        ("edit", 1, 1, 0),
    ]


def test_a_mirror_url_is_an_alias_of_the_article(archive):
    mirror = URL.replace("https://www.", "https://global.")
    archive.store([make_item(aliases=[mirror])])
    archive.store([ArticleAliasesItem(URL, [URL.replace("https://www.", "https://usa.")])])
    (article,) = rows(archive, Article)
    aliases = rows(archive, ArticleUrl)
    assert [alias.url for alias in aliases] == [mirror, URL.replace("https://www.", "https://usa.")]
    assert {alias.article_id for alias in aliases} == {article.id}
    assert {alias.canonical_url for alias in aliases} == {URL}


def test_a_regional_edition_with_its_own_id_is_an_alias_not_a_second_article(archive):
    archive.store([make_item()])
    result = archive.store([edition()])
    assert result.alias == 1
    (article,) = rows(archive, Article)
    (alias,) = rows(archive, ArticleUrl)
    assert (article.canonical_url, article.source) == (URL, "China Daily")
    assert (alias.url, alias.site_article_id, alias.article_id) == (
        EDITION,
        "WS5c38e347a3106c65c34e4001",
        article.id,
    )
    assert count(archive, ArticleVersion) == 1


def test_the_story_is_the_earlier_page_whichever_comes_first(archive):
    archive.store([edition()])
    result = archive.store([make_item()])
    assert result.merged == 1
    (article,) = rows(archive, Article)
    (alias,) = rows(archive, ArticleUrl)
    assert (article.canonical_url, article.source, article.date_published) == (URL, "China Daily", PUBLISHED)
    assert alias.url == EDITION
    assert archive.store([edition()]).alias == 1
    assert count(archive, Article) == 1


def test_an_edition_is_found_again_by_its_url_next_time(archive):
    archive.store([make_item(), edition()])
    result = archive.store([make_item(), edition(article_body=BODY + "\nOnly the edition changed.")])
    assert (result.unchanged, result.alias, result.new) == (1, 1, 0)
    assert count(archive, ArticleVersion) == 1
    (alias,) = rows(archive, ArticleUrl)
    assert alias.content_hash != rows(archive, Article)[0].content_hash


def test_the_same_id_under_another_path_is_an_alias(archive):
    archive.store([make_item()])
    other_path = URL.replace("/a/201901/12/", "/a/201901/13/")
    archive.store([make_item(url=other_path, canonical_url=other_path, headline="Something else entirely")])
    assert count(archive, Article) == 1
    assert [alias.url for alias in rows(archive, ArticleUrl)] == [other_path]


@pytest.mark.parametrize(
    "changes",
    [
        {"headline": "China Daily USA publishes another report"},
        {"article_body": "A different story altogether.\n" * 12},
        {"date_published": PUBLISHED + timedelta(days=3)},
    ],
    ids=["other headline", "other body", "days apart"],
)
def test_different_stories_stay_apart(archive, changes):
    archive.store([make_item()])
    archive.store([edition(**changes)])
    assert count(archive, Article) == 2
    assert count(archive, ArticleUrl) == 0


def test_a_same_story_is_looked_for_only_within_the_publish_window_of_the_batch(archive):
    """An undated copy matches whatever the date; a dated one only stories near it in time."""
    archive.store([make_item()])
    assert archive.store([edition(date_published=None)]).alias == 1
    later = edition(
        url=EDITION.replace("/12/", "/19/"),
        canonical_url=EDITION.replace("/12/", "/19/"),
        site_article_id="WS5c38e347a3106c65c34e4002",
        date_published=PUBLISHED + timedelta(days=7),
    )
    assert archive.store([later, edition()]).new == 1
    assert count(archive, Article) == 2


def test_a_batch_reads_same_headline_rows_only_near_each_of_its_publish_times(archive):
    """A batch holding an old page beside new ones reads the rows near each, not the years between."""

    def column(day: int):
        url = f"https://www.chinadaily.com.cn/a/2019{day:04d}/WS5c38e347a3106c65c34e{day:04d}.html"
        return make_item(
            url=url,
            canonical_url=url,
            site_article_id=f"WS5c38e347a3106c65c34e{day:04d}",
            headline="Daily column",
            article_body=f"Column {day}.\n{BODY}",
            date_published=PUBLISHED + timedelta(days=day),
        )

    archive.store([column(day) for day in (0, 100, 200, 300)])
    with Session(archive.engine) as session:
        writer = ArticleWriter(session, datetime.now(UTC), None, DedupRules())
        writer.prefetch([column(1), column(301)])
        read = sorted(row.date_published for row in writer.by_key[headline_key("Daily column")])
    assert read == [PUBLISHED + timedelta(days=0), PUBLISHED + timedelta(days=300)]


def _archived(archive):
    """What an archive holds, without ids and times: each article, its versions and other URLs."""
    by_id = {row.id: row.canonical_url for row in rows(archive, Article)}
    articles = sorted(
        (row.canonical_url, row.headline, row.source, row.date_published, row.content_hash, row.images)
        for row in rows(archive, Article)
    )
    versions = sorted((by_id[row.article_id], row.content_hash) for row in rows(archive, ArticleVersion))
    others = sorted(
        (row.url, row.canonical_url, row.site_article_id, by_id[row.article_id], row.content_hash)
        for row in rows(archive, ArticleUrl)
    )
    return articles, versions, others


def test_a_batch_holds_the_same_rows_as_its_items_stored_one_by_one(migrated_database_url, tmp_path):
    """New unrelated articles are written in bulk; whatever touches another row is not, and the
    archive cannot tell the difference."""

    def other(n, **changes):
        url = f"https://www.chinadaily.com.cn/a/202001/0{n}/WS5e0c{n:020x}.html"
        fields = {
            "url": url,
            "canonical_url": url,
            "site_article_id": f"WS5e0c{n:020x}",
            "headline": f"Story {n} on the rail link",
            "article_body": f"Story {n}.\n{BODY}",
        }
        return make_item(**(fields | changes))

    mirror = URL.replace("https://www.", "https://global.")
    batch = [
        other(1),
        other(2, aliases=[other(2).url.replace("https://www.", "https://usa.")]),
        make_item(aliases=[mirror]),
        other(3),
        edition(),
        other(3, article_body="Story 3, edited.\n" + BODY),
        ArticleAliasesItem(other(1).url, [other(1).url.replace("https://www.", "https://europe.")]),
        other(4, aliases=[mirror]),
        other(5),
    ]
    earlier = [other(5, article_body="Story 5 as first published.\n" + BODY)]
    at_once = Archive.open(migrated_database_url)
    in_turn = Archive.open(f"sqlite:///{tmp_path / 'in-turn.db'}")
    try:
        at_once.store(earlier)
        in_turn.store(earlier)
        result = at_once.store(batch)
        for item in batch:
            in_turn.store([item])
        assert (result.new, result.updated, result.alias) == (5, 2, 1)
        assert _archived(at_once) == _archived(in_turn)
        assert count(at_once, Article) == 6
    finally:
        at_once.close()
        in_turn.close()


def _stored_values(session, run_id):
    """Every value the writer stored, as the database holds it (SQLite: quote(), which tells
    text from numbers and SQL NULL from JSON null; PostgreSQL: its text, SQL NULL apart), without
    the row ids, which only order the rows."""
    sqlite = session.get_bind().dialect.name == "sqlite"

    def raw(table, order):
        names = [
            column["name"]
            for column in inspect(session.connection()).get_columns(table)
            if column["name"] != "id"
        ]
        shown = [f"quote({name})" if sqlite else f"coalesce({name}::text, '<SQL NULL>')" for name in names]
        query = f"SELECT {', '.join(shown)} FROM {table} ORDER BY {order}"
        return [dict(zip(names, row, strict=True)) for row in session.connection().exec_driver_sql(query)]

    articles = raw("articles", "canonical_url")
    urls = {
        row["id"]: row["canonical_url"]
        for row in session.execute(select(Article.id, Article.canonical_url)).mappings()
    }
    versions = raw("article_versions", "content_hash")
    others = raw("article_urls", "url")
    for row in versions + others:
        row["article_id"] = urls[int(row["article_id"].strip("'"))]
    return {"articles": articles, "versions": versions, "others": others, "run": run_id}


def test_the_bulk_insert_stores_the_very_values_of_the_one_by_one_insert(migrated_database_url):
    """insert_new binds its rows itself (pipelines/archive/bulk.py): every value it stores is the
    one the ORM stores for the same article, to the type and the NULL."""
    eastern = timezone(timedelta(hours=8))
    full = make_item(
        headline='Xi\u2019s visit: \u4e60\u8fd1\u5e73 and caf\u00e9 "talks"',
        authors=["Wang Xu", "Zhang Yi\u00e9"],
        date_published=datetime(2019, 1, 12, 2, 6, 7, 123456, tzinfo=eastern),
        date_modified=datetime(2019, 1, 12, 9, 0, tzinfo=UTC),
        images=[
            {"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None},
            {"src": "y", "caption": "\u00e9"},
        ],
        template="news",
        pages_expected=3,
        pages_stored=2,
        pages_missing=[URL.replace(".html", "_3.html")],
        http_etag='"abc"',
        http_last_modified="Sat, 12 Jan 2019 02:06:07 GMT",
        aliases=[
            URL.replace("https://www.", "https://usa."),
            URL,
            URL.replace("https://www.", "https://usa."),
        ],
        warc_records=["a.warc.gz#0", "a.warc.gz#1200"],
    )
    bare = ArticleItem(url=EDITION, canonical_url=EDITION)
    undated = edition(
        url=EDITION.replace("WS5c38e347", "WS5c38e348"),
        canonical_url=EDITION.replace("WS5c38e347", "WS5c38e348"),
        site_article_id="WS5c38e348a3106c65c34e4001",
        headline="Another story altogether",
        date_published=None,
        date_modified=None,
        description=None,
        language=None,
        images=[],
        article_body="One line.\n\n  Two   lines.\r\n",
    )
    items = [full, bare, undated]
    archive = Archive.open(migrated_database_url)
    try:
        run_id = archive.start_run("asia_pacific")
        now = datetime(2026, 12, 2, 19, 30, 1, 250000, tzinfo=UTC)
        stored = {}
        for way in ("bulk", "orm"):
            with Session(archive.engine) as session:
                writer = ArticleWriter(session, now, run_id, DedupRules())
                writer.prefetch(items)
                assert writer.split_plainly_new(items) == (items, [])
                if way == "bulk":
                    writer.insert_new(items)
                else:
                    for item in items:
                        assert writer.store(item).kind == "new"
                session.flush()
                stored[way] = _stored_values(session, run_id)
                session.rollback()
    finally:
        archive.close()
    assert len(stored["orm"]["articles"]) == 3
    assert len(stored["orm"]["others"]) == 1
    assert stored["bulk"] == stored["orm"]


def test_two_writers_at_once_create_no_duplicate(database_url):
    items = [
        make_item(
            url=f"{URL[:-12]}{n:04x}.html",
            canonical_url=f"{URL[:-12]}{n:04x}.html",
            site_article_id=None,
            headline=f"Story number {n} of the day",
        )
        for n in range(60)
    ]
    archives = [Archive.open(database_url), Archive.open(database_url)]
    errors = []

    def write(archive):
        try:
            for start in range(0, len(items), 5):
                archive.store(items[start : start + 5])
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(archive,)) for archive in archives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(archives[0], Article) == 60
    assert count(archives[0], ArticleVersion) == 60
    for archive in archives:
        archive.close()


def test_dead_urls_are_recorded_once_and_mark_an_archived_article_gone(archive):
    archive.store([make_item()])
    dead = DeadUrlItem(
        url="http://x/a.html", canonical_url=URL, kind="soft404", reason="not-found template", status=200
    )
    first = archive.store([dead])
    second = archive.store([dead])
    assert (first.gone, second.gone) == (1, 0)
    assert count(archive, DeadUrl) == 1
    (row,) = rows(archive, Article)
    assert row.gone_at is not None
    archive.store([make_item()])
    assert rows(archive, Article)[0].gone_at is None


PAGE_2 = URL.replace(".html", "_2.html")
PAGE_3 = URL.replace(".html", "_3.html")


def test_an_incomplete_article_is_stored_with_its_lost_pages_and_completed_by_a_later_run(archive):
    lost = [
        FailedUrlItem(url=PAGE_2, reason=f"page 2 of {URL}: HTTP 503 after retries"),
        DeadUrlItem(PAGE_3, PAGE_3, "http_error", f"page 3 of {URL}: HTTP 404", 404, URL),
    ]
    incomplete = make_item(pages_expected=3, pages_stored=1, pages_missing=[PAGE_2, PAGE_3])
    archive.store([incomplete, *lost])
    (row,) = rows(archive, Article)
    assert (row.pages_expected, row.pages_stored, row.pages_missing) == (3, 1, [PAGE_2, PAGE_3])
    assert archive.known([URL])[URL].complete is False
    assert archive.incomplete_articles(since=datetime.now(UTC) - timedelta(days=3)) == [URL]
    assert archive.incomplete_articles(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert archive.unresolved_failed_urls() == [PAGE_2]
    assert [dead.url for dead in rows(archive, DeadUrl)] == [PAGE_3]
    # The article does not count as gone: a page of it is dead, not the article.
    assert row.gone_at is None

    whole = make_item(article_body=BODY + "\nPage two.\nPage three.", pages_expected=3, pages_stored=3)
    result = archive.store([whole])
    assert result.updated == 1 and count(archive, ArticleVersion) == 2
    (row,) = rows(archive, Article)
    assert (row.pages_stored, row.pages_missing) == (3, [])
    assert archive.known([URL])[URL].complete is True
    assert archive.incomplete_articles(since=datetime.now(UTC) - timedelta(days=3)) == []
    assert archive.unresolved_failed_urls() == [] and rows(archive, DeadUrl) == []


def test_a_page_back_that_adds_no_text_updates_the_pages_and_figures_without_a_version(archive):
    archive.store([make_item(pages_expected=2, pages_stored=1, pages_missing=[PAGE_2])])
    figures = [
        {"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": None},
        {"src": "y", "caption": "Y"},
    ]
    result = archive.store([make_item(pages_expected=2, pages_stored=2, images=figures)])
    assert result.unchanged == 1 and count(archive, ArticleVersion) == 1
    (row,) = rows(archive, Article)
    assert (row.pages_stored, row.pages_missing, row.images) == (2, [], figures)


def test_crawl_runs_keep_their_stats(archive):
    run_id = archive.start_run("asia_pacific")
    archive.finish_run(run_id, "finished", {"item_scraped_count": 3})
    (run,) = rows(archive, CrawlRun)
    assert (run.spider, run.finish_reason, run.stats) == (
        "asia_pacific",
        "finished",
        {"item_scraped_count": 3},
    )
    assert run.finished_at >= run.started_at


def test_an_archive_made_at_the_baseline_upgrades_without_loss(database_url):
    engine = create_archive_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_baseline")
    now = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (canonical_url, site_article_id, headline, authors, breadcrumbs, "
                "article_body, article_body_html, images, content_hash, first_seen_at, last_seen_at) "
                "VALUES (:url, 'WS5c38db2fa3106c65c34e3ffa', 'Old  Headline: here!', '[\"Wang Xu\"]', '[]', "
                "'Old body.', '<p>Old body.</p>', '[]', 'abc', :now, :now)"
            ),
            {"url": URL, "now": now},
        )
        article_id = connection.scalar(text("SELECT id FROM articles"))
        connection.execute(
            text(
                "INSERT INTO article_versions (article_id, content_hash, headline, authors, article_body, fetched_at) "
                "VALUES (:id, 'abc', 'Old  Headline: here!', '[\"Wang Xu\"]', 'Old body.', :now)"
            ),
            {"id": article_id, "now": now},
        )
    engine.dispose()
    archive = Archive.open(database_url)
    (row,) = rows(archive, Article)
    assert (row.canonical_url, row.headline, row.article_body, row.authors) == (
        URL,
        "Old  Headline: here!",
        "Old body.",
        ["Wang Xu"],
    )
    assert row.headline_key == "old headline here"
    with archive.engine.connect() as connection:
        assert connection.execute(text("SELECT kind FROM article_edits")).scalars().all() == ["first"]
    archive.close()


def test_archives_opened_at_once_upgrade_the_schema_once(database_url):
    errors = []
    opened = []

    def open_archive():
        try:
            opened.append(Archive.open(database_url))
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=open_archive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(opened) == 4
    with opened[0].engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    for archive in opened:
        archive.close()


def test_the_schema_head_the_commands_check_against_is_the_newest_migration():
    # The reader compares an archive's revision with SCHEMA_HEAD without loading the migrations.
    assert schema_head() == SCHEMA_HEAD
