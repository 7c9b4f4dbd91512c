"""How each article was found: the section lists that showed it, and the other indexes (search, RSS, sitemap)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pipelines.archive.models import ArticleUrl, Discovery, SectionListing

# The order `discovered_by` names the ways an article was found in.
WAYS = ("list", "search", "rss", "sitemap")


def found_by(
    connection: Connection, articles: list[tuple[int, str]]
) -> dict[int, tuple[list[str], list[str]]]:
    """For each article (id, canonical URL): the section paths that listed it, in the order the
    lists first showed it, and every way it was found (`list`, then each other index); under its
    own URL or any other it stands under (an edition's, a mirror's)."""
    if not articles:
        return {}
    owner = {url: article_id for article_id, url in articles}
    for article_id, url in connection.execute(
        select(ArticleUrl.article_id, ArticleUrl.canonical_url).where(
            ArticleUrl.article_id.in_(set(owner.values()))
        )
    ):
        owner.setdefault(url, article_id)
    urls = list(owner)
    listed: dict[int, dict[str, datetime]] = {article_id: {} for article_id, _ in articles}
    for url, path, first in connection.execute(
        select(
            SectionListing.canonical_url, SectionListing.section_path, SectionListing.first_listed_at
        ).where(SectionListing.canonical_url.in_(urls))
    ):
        paths = listed[owner[url]]
        paths[path] = min(paths.get(path, first), first)
    ways: dict[int, set[str]] = {
        article_id: {"list"} if paths else set() for article_id, paths in listed.items()
    }
    for url, source in connection.execute(
        select(Discovery.canonical_url, Discovery.source).where(Discovery.canonical_url.in_(urls))
    ):
        ways[owner[url]].add(source)
    return {
        article_id: (
            sorted(paths, key=lambda path: (paths[path], path)),
            sorted(ways[article_id], key=lambda way: (WAYS.index(way) if way in WAYS else len(WAYS), way)),
        )
        for article_id, paths in listed.items()
    }
