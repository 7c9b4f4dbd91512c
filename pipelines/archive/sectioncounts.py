"""Articles per section path listed under, counted exactly: the full count, and the counts the writer keeps up batch by batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, literal, select, union, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pipelines.archive.models import Article, ArticleUrl, Base, SectionCount, SectionListing
from pipelines.archive.oneof import one_of

_SECTION_COUNTS = Base.metadata.tables[SectionCount.__tablename__]

NOT_LISTED = "(not listed)"
"""The key of the articles no section listed (section paths start with '/', so it is no path)."""


def counting_statement(conditions: Sequence[ColumnElement[bool]] = ()) -> Select[str, int]:
    """(section path or NOT_LISTED, articles) of the articles that meet the conditions, most
    first, then by key: each article counted once under every section path that listed it under
    its own URL or any other it stands under; one listed nowhere counts once under NOT_LISTED."""
    # Each listing joined to the article under its own URL, and to the article under one of
    # its other URLs, as rows: matching "its URL or one of its other URLs" inside one join's
    # condition made both databases compare every listing with every article.
    pairs = union_all(
        select(SectionListing.section_path.label("key"), Article.id.label("article_id"))
        .select_from(SectionListing)
        .join(Article, Article.canonical_url == SectionListing.canonical_url)
        .where(*conditions),
        select(SectionListing.section_path, ArticleUrl.article_id)
        .select_from(SectionListing)
        .join(ArticleUrl, ArticleUrl.canonical_url == SectionListing.canonical_url)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(*conditions),
    ).subquery("pairs")
    articles = func.count(func.distinct(pairs.c.article_id))
    listed = select(pairs.c.key, articles.label("articles")).group_by(pairs.c.key)
    by_alias = (
        select(ArticleUrl.id)
        .join(SectionListing, SectionListing.canonical_url == ArticleUrl.canonical_url)
        .where(ArticleUrl.article_id == Article.id)
    )
    unlisted = (
        select(literal(NOT_LISTED).label("key"), func.count().label("articles"))
        .select_from(Article)
        .where(
            *conditions,
            ~exists().where(SectionListing.canonical_url == Article.canonical_url),
            ~by_alias.exists(),
        )
        .having(func.count() > 0)
    )
    counted = union_all(listed, unlisted).subquery("counted")
    return select(counted.c.key, counted.c.articles).order_by(counted.c.articles.desc(), counted.c.key)


def kept_statement() -> Select[str, int]:
    """The counts the writer keeps, in counting_statement's order and form."""
    return (
        select(SectionCount.section_path.label("key"), SectionCount.articles)
        .where(SectionCount.articles > 0)
        .order_by(SectionCount.articles.desc(), SectionCount.section_path)
    )


def recount(connection: Connection | Session) -> None:
    """Replace the kept counts by a full count (after rows were written around the writer: a
    bulk load, a copy)."""
    counted = [{"section_path": key, "articles": n} for key, n in connection.execute(counting_statement())]
    connection.execute(delete(SectionCount))
    if counted:
        connection.execute(insert(SectionCount), counted)


def sections_of(session: Session, article_ids: Collection[int]) -> dict[int, set[str]]:
    """Each article's section paths (every article given has an entry, empty when unlisted)."""
    found: dict[int, set[str]] = {article_id: set() for article_id in article_ids}
    if not found:
        return found
    own = (
        select(Article.id, SectionListing.section_path)
        .join(SectionListing, SectionListing.canonical_url == Article.canonical_url)
        .where(one_of(session, Article.id, found))
    )
    other = (
        select(ArticleUrl.article_id, SectionListing.section_path)
        .join(SectionListing, SectionListing.canonical_url == ArticleUrl.canonical_url)
        .where(one_of(session, ArticleUrl.article_id, found))
    )
    for article_id, path in session.execute(union(own, other)):
        found[article_id].add(path)
    return found


def articles_under(session: Session, urls: Collection[str]) -> set[int]:
    """The articles standing under any of these canonical URLs, as their own or another."""
    if not urls:
        return set()
    return set(
        session.scalars(
            union(
                select(Article.id).where(one_of(session, Article.canonical_url, urls)),
                select(ArticleUrl.article_id).where(one_of(session, ArticleUrl.canonical_url, urls)),
            )
        )
    )


class SectionCounter:
    """Keeps section_counts exact through one write transaction: the sections of every article
    the batch may change are read before it writes and after, and the counts moved by the
    difference, in the same transaction.

    Which articles a batch may change: those the writer read up front (only those can gain or
    lose a URL), those standing under a URL the batch lists, and the articles it creates.
    """

    def __init__(self, session: Session, existing: Iterable[int], listed_urls: Collection[str]) -> None:
        self.session = session
        self.before = sections_of(session, set(existing) | articles_under(session, listed_urls))

    def apply(self, touched: Iterable[int]) -> None:
        """After the batch's writes (flushed): move the counts by what changed. touched: every
        article the batch created or changed, beside those given up front."""
        # An article under a listed URL now was under it before (and is in self.before), or
        # gained that URL in the batch (and was touched).
        after = sections_of(self.session, set(self.before) | set(touched))
        moved: Counter[str] = Counter()
        # An article not known before the batch is one it created: it was counted nowhere.
        for sections in self.before.values():
            moved.subtract(sections or {NOT_LISTED})
        for sections in after.values():
            moved.update(sections or {NOT_LISTED})
        rows = [{"section_path": key, "articles": n} for key, n in sorted(moved.items()) if n]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(_SECTION_COUNTS)
        # One row's statement, executed for each: its text (and the database's prepared
        # statement) is the same whatever the number of rows.
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["section_path"],
                set_={"articles": _SECTION_COUNTS.c.articles + statement.excluded.articles},
            ),
            rows,
        )
        if any(n < 0 for n in moved.values()):
            # A section no article stands under any more is no row, as in a full count.
            self.session.execute(delete(SectionCount).where(SectionCount.articles <= 0))
