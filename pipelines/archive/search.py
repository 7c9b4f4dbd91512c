"""Full-text search of the archive: its search language, parsed once, and the query for SQLite FTS5 or PostgreSQL.

    trade talks            both words
    "rail link"            the phrase
    ports OR harbours      either word
    -tariffs, NOT tariffs  without the word
    export*                words that start with "export"

User text never reaches SQL as code: the parsed words are passed as one bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, column, desc, func, literal_column, select, table

from pipelines.archive.models import Article

# PostgreSQL's searchable document: the expression of migration 0005, which migration 0011
# stores in a generated column, search_document, under the GIN index.
POSTGRES_DOCUMENT = (
    "(setweight(to_tsvector('archive_text'::regconfig, coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('archive_text'::regconfig, coalesce(article_body, '')), 'B'))"
)
POSTGRES_DOCUMENT_COLUMN = "search_document"

# Words as both engines' tokenizers see them: letters and digits, no underscores.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TOKEN = re.compile(r'"[^"]*"\*?|\S+')


class QueryError(ValueError):
    """A search query that cannot be understood; its message says why, in one line."""


@dataclass(frozen=True)
class Term:
    """A word or a phrase, maybe a prefix, maybe excluded."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        parts = list(self.words)
        if self.prefix:
            parts[-1] += ":*"
        text = " <-> ".join(parts)
        return f"({text})" if len(parts) > 1 else text


@dataclass
class SearchQuery:
    """All groups must match (each group: any of its terms); no excluded term may."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def fts5(self) -> str:
        """The query in SQLite FTS5's syntax."""
        expression = " AND ".join(
            "(" + " OR ".join(term.fts5() for term in group) + ")" if len(group) > 1 else group[0].fts5()
            for group in self.groups
        )
        for term in self.excluded:
            expression = f"({expression}) NOT {term.fts5()}"
        return expression

    def tsquery(self) -> str:
        """The query for PostgreSQL's to_tsquery()."""
        parts = [
            "(" + " | ".join(term.tsquery() for term in group) + ")" if len(group) > 1 else group[0].tsquery()
            for group in self.groups
        ]
        parts += [f"!{term.tsquery()}" for term in self.excluded]
        return " & ".join(parts)

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]


def parse(text: str) -> SearchQuery:
    """Parse a search; raises QueryError for unbalanced quotes, bare operators or no words."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in the search: close every "phrase"')
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise QueryError("the search is empty")
    query = SearchQuery()
    joining = negating = False
    for position, token in enumerate(tokens):
        if token in ("OR", "NOT", "AND"):
            if token == "OR":
                if joining or not query.groups or negating or position == len(tokens) - 1:
                    raise QueryError("OR must stand between two search terms")
                joining = True
            elif token == "NOT":
                if negating or position == len(tokens) - 1:
                    raise QueryError("NOT must come before a search term")
                negating = True
            continue
        term = _term(token, negated=negating)
        if term.negated:
            if joining:
                raise QueryError("OR must stand between two search terms, not before an excluded one")
            query.excluded.append(term)
        elif joining:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        joining = negating = False
    if not query.groups:
        raise QueryError("the search needs at least one word to look for, not only excluded ones")
    return query


def _term(token: str, negated: bool) -> Term:
    if token.startswith("-") and len(token) > 1:
        negated, token = True, token[1:]
    prefix = token.endswith("*")
    words = tuple(word.lower() for word in _WORD.findall(token.rstrip("*")))
    if not words:
        raise QueryError(f"{token!r} is an operator or punctuation, not a word to search for")
    return Term(words, prefix=prefix, negated=negated)


def search_statement(
    dialect: str,
    query: SearchQuery,
    *,
    by_date: bool = False,
    dates: Sequence[ColumnElement[bool]] = (),
    conditions: Sequence[ColumnElement[bool]] = (),
    limit: int = 20,
) -> Select[Any]:
    """The `limit` best (or newest) matching articles that meet the conditions (`dates`: those
    on date_published, which its index answers; `conditions`: any other): their id, headline,
    date, authors, URL and a snippet, best match (or newest) first, then by id."""
    columns: list[Any] = [
        Article.id,
        Article.headline,
        Article.date_published,
        Article.authors,
        Article.canonical_url,
    ]
    if dialect == "sqlite":
        return _fts5_statement(query, columns, by_date, dates, conditions, limit)
    words: ColumnElement[Any] = literal_column("'archive_text'::regconfig")
    tsquery = func.to_tsquery(words, query.tsquery())
    # The stored document: ts_rank() and the index's recheck read it rather than computing
    # each candidate's to_tsvector() again.
    document: ColumnElement[Any] = literal_column(f"articles.{POSTGRES_DOCUMENT_COLUMN}")
    options = "StartSel=[, StopSel=], MaxFragments=1, MaxWords=24, MinWords=10"
    snippet = func.ts_headline(words, Article.article_body, tsquery, options)
    # PostgreSQL computes ts_headline() after the LIMIT, for the rows shown only.
    order = desc(Article.date_published) if by_date else func.ts_rank(document, tsquery).desc()
    return (
        select(*columns, snippet.label("snippet"))
        .where(document.op("@@")(tsquery), *dates, *conditions)
        .order_by(order, Article.id)
        .limit(limit)
    )


def _fts5_statement(
    query: SearchQuery,
    columns: list[Any],
    by_date: bool,
    dates: Sequence[ColumnElement[bool]],
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
) -> Select[Any]:
    # SQLite computes a row's result columns before it sorts them: snippet(), which reads and
    # tokenizes the body, would run for every match. So the best rows are chosen first, and
    # the snippets made for them only.
    index = table("articles_fts", column("rowid"))
    fts: ColumnElement[Any] = literal_column("articles_fts")
    # The unary + keeps SQLite from searching the index again for each id of a list, which
    # reads every term's list anew each time: it tests each match against the list instead.
    each_match: ColumnElement[Any] = literal_column("+articles_fts.rowid")
    match = fts.op("MATCH")(query.fts5())
    rank = func.bm25(fts, 10.0, 1.0)
    narrowed = [match]
    if dates:
        # The ids in the date range, from the date's index, rather than every match's row of a
        # million-row table read to test its date (--since last month: 100 ms at the median
        # and 750 ms at the 95th percentile at 700,000 articles, 14 ms and 96 ms this way).
        in_range = select(Article.id).where(*dates).correlate(None)
        narrowed.append(each_match.in_(in_range.scalar_subquery()))
    if by_date or conditions:
        chosen = (
            select(index.c.rowid)
            .select_from(index.join(Article, Article.id == index.c.rowid))
            .where(*narrowed, *conditions)
            .order_by(desc(Article.date_published) if by_date else rank.asc(), Article.id)
        )
    else:
        # The index's rowid is the article's id: the choice reads no article row.
        chosen = select(index.c.rowid).where(*narrowed).order_by(rank.asc(), index.c.rowid)
    chosen = chosen.limit(limit).correlate(None)
    snippet = func.snippet(fts, 1, "[", "]", "…", 16)
    return (
        select(*columns, snippet.label("snippet"))
        .select_from(index.join(Article, Article.id == index.c.rowid))
        .where(match, each_match.in_(chosen.scalar_subquery()))
        .order_by(desc(Article.date_published) if by_date else rank.asc(), Article.id)
    )
