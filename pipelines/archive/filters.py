"""What a listing of the archive can be narrowed by (dates, author, section, source, limit), and those filters as SQL conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, exists, func, select

from pipelines.archive.models import Article, ArticleUrl, SectionListing


@dataclass
class Filters:
    """What every listing can be narrowed by; dates are UTC days, both ends included."""

    since: date | None = None
    until: date | None = None
    author: str | None = None
    section: str | None = None
    source: str | None = None
    limit: int | None = None


def date_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters' days as conditions on date_published."""
    conditions: list[ColumnElement[bool]] = []
    if filters.since:
        conditions.append(Article.date_published >= datetime.combine(filters.since, time(), tzinfo=UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), tzinfo=UTC)
        conditions.append(Article.date_published < end)
    return conditions


def filter_conditions(filters: Filters, dialect: str, *, dates: bool = True) -> list[ColumnElement[bool]]:
    """Every filter but the limit as a condition on the articles; dates=False leaves out the days, for a
    query that places them itself (search)."""
    conditions = date_conditions(filters) if dates else []
    if filters.author:
        each = "json_each" if dialect == "sqlite" else "jsonb_array_elements_text"
        names = getattr(func, each)(Article.authors).table_valued("value")
        conditions.append(exists().where(func.lower(names.c.value) == filters.author.lower()))
    if filters.section and filters.section.startswith("/"):
        conditions.append(listed_under(filters.section))
    elif filters.section:
        conditions.append(
            (func.lower(Article.section) == filters.section.lower())
            | func.lower(Article.section).startswith(filters.section.lower() + " > ", autoescape=True)
        )
    if filters.source:
        conditions.append(func.lower(Article.source) == filters.source.lower())
    return conditions


def listed_under(path: str) -> ColumnElement[bool]:
    """The article was listed under this section path or a section below it."""
    path = "/" + path.strip().strip("/")
    in_section = (SectionListing.section_path == path) | SectionListing.section_path.startswith(
        path + "/", autoescape=True
    )
    aliases = select(ArticleUrl.canonical_url).where(ArticleUrl.article_id == Article.id).correlate(Article)
    # Correlated to the article only: a query that also reads section_listings (stats --by
    # section) must not take this test's listings for its own.
    return (
        exists()
        .where(
            in_section,
            (SectionListing.canonical_url == Article.canonical_url)
            | SectionListing.canonical_url.in_(aliases.scalar_subquery()),
        )
        .correlate(Article)
    )
