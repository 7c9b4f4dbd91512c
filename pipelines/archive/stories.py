"""Writing one article into the archive: which story it is, whether it changed, where else it stands.

Used by pipelines.archive.write inside its write transaction; nothing else calls it.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crawler.items import ARTICLE_COLUMNS, ArticleItem
from crawler.siteurls import canonical_url, site_article_id
from pipelines.archive.bulk import BulkInsert
from pipelines.archive.content import content_hash, headline_key
from pipelines.archive.models import Article, ArticleUrl, ArticleVersion, Base
from pipelines.archive.oneof import one_of
from pipelines.similarity import from_signed64, hamming, shingles, simhash, to_signed64


@dataclass(frozen=True)
class DedupRules:
    """When two pages with different URLs and ids are one story."""

    publish_window: timedelta = timedelta(hours=24)
    """Their publication times differ by no more than this."""
    simhash_max_distance: int = 3
    """Their bodies' SimHashes differ in at most this many of 64 bits."""


@dataclass
class ArticleOutcome:
    """What storing one article did: 'new', 'updated', 'unchanged', 'alias' or 'merged'."""

    kind: str
    article: Article


# The tables as Core sees them, for the bulk INSERTs of insert_new.
_ARTICLES = Base.metadata.tables[Article.__tablename__]
_VERSIONS = Base.metadata.tables[ArticleVersion.__tablename__]
_OTHER_URLS = Base.metadata.tables[ArticleUrl.__tablename__]
# The item's fields insert_new copies as they are (a missing headline is stored as "").
_ITEM_COLUMNS = tuple(name for name in ARTICLE_COLUMNS if name != "headline")
_item_columns = attrgetter(*_ITEM_COLUMNS)


def body_simhash(body: str) -> int:
    return to_signed64(simhash(shingles(body)))


def _precedes(item: ArticleItem, row: Article) -> bool:
    """The earlier-published page is the story's own; a tie goes to the smaller URL."""
    far = datetime.max.replace(tzinfo=UTC)
    return (item.date_published or far, item.canonical_url) < (row.date_published or far, row.canonical_url)


class ArticleWriter:
    """Stores a batch of articles in one session: one row per story, a version per distinct content.

    The rows the batch can touch are read up front, a few queries per batch rather than per
    article; the archive's write lock is held, so nothing else changes them meanwhile.
    """

    def __init__(self, session: Session, now: datetime, run_id: int | None, rules: DedupRules) -> None:
        self.session = session
        self.now = now
        self.run_id = run_id
        self.rules = rules
        self.by_url: dict[str, Article] = {}
        self.by_id: dict[str, Article] = {}
        self.by_key: defaultdict[str, list[Article]] = defaultdict(list)
        self.aliases: dict[str, ArticleUrl] = {}
        self.pages_back: set[str] = set()
        """Pages of articles that were missing and have now been read (their dead or failed URLs go)."""
        self.inserted: list[int] = []
        """The ids of the articles insert_new wrote."""

    def prefetch(
        self, items: Sequence[ArticleItem], alias_urls: Iterable[str] = (), article_urls: Iterable[str] = ()
    ) -> None:
        """Read every row the batch may match: by canonical URL, alias URL, id and headline."""
        urls = {item.canonical_url for item in items} | set(article_urls)
        alias_urls = urls | set(alias_urls) | {url for item in items for url in item.aliases}
        ids = {item.site_article_id for item in items if item.site_article_id}
        matches: list[ColumnElement[bool]] = [
            one_of(self.session, Article.canonical_url, urls),
            one_of(self.session, Article.site_article_id, ids),
        ]
        # A same-headline story is one only within the publish window (_same_story): for dated
        # pages, only rows dated within the window of one of them are read (and undated rows). A
        # section repeating its headlines (a daily column) would otherwise bring back more rows
        # with each batch, and all of them when a batch held an old page beside new ones.
        undated = {key for item in items if not item.date_published and (key := headline_key(item.headline))}
        if undated:
            matches.append(one_of(self.session, Article.headline_key, undated))
        for start, end, keys in self._publish_spans(items):
            matches.append(
                one_of(self.session, Article.headline_key, keys - undated)
                & (Article.date_published.is_(None) | Article.date_published.between(start, end))
            )
        for row in self.session.scalars(select(Article).where(or_(*matches))):
            self._remember(row)
        for alias in self.session.scalars(
            select(ArticleUrl).where(one_of(self.session, ArticleUrl.url, alias_urls))
        ):
            self.aliases[alias.url] = alias

    def _publish_spans(self, items: Sequence[ArticleItem]) -> list[tuple[datetime, datetime, set[str]]]:
        """The dated items' publish windows, overlapping ones merged, each with their headline keys."""
        window = self.rules.publish_window
        dated = sorted(
            (item.date_published, key)
            for item in items
            if item.date_published and (key := headline_key(item.headline))
        )
        spans: list[tuple[datetime, datetime, set[str]]] = []
        for published, key in dated:
            if spans and published - window <= spans[-1][1]:
                spans[-1][2].add(key)  # in place: a batch of one day is one span of 500 keys
                spans[-1] = (spans[-1][0], published + window, spans[-1][2])
            else:
                spans.append((published - window, published + window, {key}))
        return spans

    def split_plainly_new(
        self, items: Sequence[ArticleItem], other_urls: Iterable[str] = ()
    ) -> tuple[list[ArticleItem], list[ArticleItem]]:
        """After prefetch: the articles that touch no archived row and share no URL, id or headline
        with anything else in the batch (other_urls: the batch's other mentions of URLs), which
        insert_new writes in bulk; and the rest, in their order, for store()."""
        url_uses = Counter(other_urls)
        for item in items:
            url_uses.update({item.canonical_url, *item.aliases})
        id_uses = Counter(item.site_article_id for item in items if item.site_article_id)
        keys = [headline_key(item.headline) for item in items]
        key_uses = Counter(key for key in keys if key)
        archived = self.by_url.keys() | self.aliases.keys()
        plain: list[ArticleItem] = []
        rest: list[ArticleItem] = []
        for item, key in zip(items, keys, strict=True):
            urls = {item.canonical_url, *item.aliases}
            alone = (
                all(url_uses[url] == 1 for url in urls)
                and archived.isdisjoint(urls)
                and (
                    not item.site_article_id
                    or (id_uses[item.site_article_id] == 1 and item.site_article_id not in self.by_id)
                )
                and (not key or (key_uses[key] == 1 and key not in self.by_key))
            )
            (plain if alone else rest).append(item)
        return plain, rest

    def insert_new(self, items: Sequence[ArticleItem]) -> None:
        """Write articles split_plainly_new found touching nothing else: the same rows store()
        would, as three bulk INSERTs (articles, their first versions, their other URLs)."""
        if not items:
            return
        connection = self.session.connection()
        digests = [content_hash(item.headline, item.authors, item.article_body) for item in items]
        BulkInsert(
            connection,
            _ARTICLES,
            [*_ITEM_COLUMNS, "headline", "headline_key", "content_hash"],
            {"body_simhash": None, "first_seen_at": self.now, "last_seen_at": self.now, "gone_at": None},
        ).execute(
            [
                (*_item_columns(item), item.headline or "", headline_key(item.headline), digest)
                for item, digest in zip(items, digests, strict=True)
            ]
        )
        # Without RETURNING, both databases take one executemany; the ids are read back by URL.
        urls = [item.canonical_url for item in items]
        found = dict(
            self.session.execute(
                select(_ARTICLES.c.canonical_url, _ARTICLES.c.id).where(
                    one_of(self.session, _ARTICLES.c.canonical_url, urls)
                )
            ).all()
        )
        ids = [found[url] for url in urls]
        self.inserted += ids
        BulkInsert(
            connection,
            _VERSIONS,
            ["article_id", "content_hash", "headline", "authors", "article_body", "warc_records"],
            {"fetched_at": self.now, "crawl_run_id": self.run_id},
        ).execute(
            [
                (
                    article_id,
                    digest,
                    item.headline or "",
                    item.authors,
                    item.article_body,
                    item.warc_records or None,
                )
                for article_id, digest, item in zip(ids, digests, items, strict=True)
            ]
        )
        BulkInsert(
            connection,
            _OTHER_URLS,
            ["url", "canonical_url", "site_article_id", "article_id", "content_hash"],
            {"first_seen_at": self.now, "last_seen_at": self.now},
        ).execute(
            [
                (url, canonical_url(url), site_article_id(url), article_id, digest)
                for article_id, digest, item in zip(ids, digests, items, strict=True)
                for url in dict.fromkeys(item.aliases)
                if url != item.canonical_url
            ]
        )

    def touched(self) -> set[int]:
        """The ids of every article the writer has read or written so far, and of those its
        other URLs belong to: the only articles whose URLs it can change (flushed first)."""
        ids = {row.id for row in self.by_url.values()} | set(self.inserted)
        return ids | {alias.article_id for alias in self.aliases.values()}

    def _remember(self, row: Article) -> None:
        self.by_url[row.canonical_url] = row
        if row.site_article_id:
            self.by_id.setdefault(row.site_article_id, row)
        if row.headline_key and row not in self.by_key[row.headline_key]:
            self.by_key[row.headline_key].append(row)

    def store(self, item: ArticleItem) -> ArticleOutcome:
        digest = content_hash(item.headline, item.authors, item.article_body)
        row = self.by_url.get(item.canonical_url)
        if row is not None:
            self.pages_back |= set(row.pages_missing or []) - set(item.pages_missing)
            outcome = ArticleOutcome(self._refresh(row, item, digest), row)
        elif (alias := self.aliases.get(item.canonical_url)) is not None:
            alias.last_seen_at = self.now
            alias.content_hash = digest
            outcome = ArticleOutcome("alias", alias.article)
        elif (same := self._same_story(item)) is not None:
            outcome = ArticleOutcome(self._join(same, item, digest), same)
        else:
            outcome = ArticleOutcome("new", self._insert(item, digest))
        self.record_aliases(outcome.article, item.aliases, digest)
        return outcome

    def record_aliases(self, article: Article, urls: Iterable[str], digest: str | None) -> None:
        """Note other URLs under which the article stands."""
        for url in urls:
            if url == article.canonical_url:
                continue
            alias = self.aliases.get(url)
            if alias is None:
                alias = ArticleUrl(
                    url=url,
                    canonical_url=canonical_url(url),
                    site_article_id=site_article_id(url),
                    first_seen_at=self.now,
                )
                self.session.add(alias)
                self.aliases[url] = alias
            alias.article = article
            alias.content_hash = digest or article.content_hash
            alias.last_seen_at = self.now

    def _same_story(self, item: ArticleItem) -> Article | None:
        """The archived article this page repeats under another URL: same id, or same story."""
        if item.site_article_id and (same_id := self.by_id.get(item.site_article_id)) is not None:
            return same_id
        candidates = self.by_key.get(headline_key(item.headline), [])
        if not candidates:
            return None
        fingerprint: int | None = None
        for candidate in candidates:
            published = (item.date_published, candidate.date_published)
            if published[0] and published[1] and abs(published[0] - published[1]) > self.rules.publish_window:
                continue
            if fingerprint is None:
                fingerprint = from_signed64(body_simhash(item.article_body))
            if candidate.body_simhash is None:
                candidate.body_simhash = body_simhash(candidate.article_body)
            if hamming(fingerprint, from_signed64(candidate.body_simhash)) <= self.rules.simhash_max_distance:
                return candidate
        return None

    def _join(self, row: Article, item: ArticleItem, digest: str) -> str:
        """The page is another copy of an archived story: the earlier one is the article."""
        if not _precedes(item, row):
            self.record_aliases(row, [item.canonical_url], digest)
            return "alias"
        # The new page is the story's own: the archived copy becomes its alias, and the row
        # (its id, its versions) now follows the new page.
        former_url, former_digest = row.canonical_url, row.content_hash
        del self.by_url[former_url]
        row.canonical_url = item.canonical_url
        row.date_published = item.date_published
        row.last_seen_at = self.now
        row.gone_at = None
        _fill(row, item, digest)
        self._remember(row)
        if digest != former_digest:
            self.session.add(self._version(row, item))
        self.record_aliases(row, [former_url], former_digest)
        return "merged"

    def _insert(self, item: ArticleItem, digest: str) -> Article:
        row = Article(canonical_url=item.canonical_url, first_seen_at=self.now, last_seen_at=self.now)
        _fill(row, item, digest)
        self.session.add(row)
        self.session.add(self._version(row, item))
        self._remember(row)
        return row

    def _refresh(self, row: Article, item: ArticleItem, digest: str) -> str:
        row.last_seen_at = self.now
        row.gone_at = None
        row.http_etag = item.http_etag
        row.http_last_modified = item.http_last_modified
        if row.content_hash == digest:
            if item.date_modified is not None:
                row.date_modified = item.date_modified
            if (row.pages_stored, row.pages_missing or []) != (item.pages_stored, item.pages_missing):
                # A page back (or lost) that changes no text: its figures and the counts still do.
                for name in (
                    "pages_expected",
                    "pages_stored",
                    "pages_missing",
                    "images",
                    "article_body_html",
                ):
                    setattr(row, name, copy.deepcopy(getattr(item, name)))
            return "unchanged"
        _fill(row, item, digest)
        self.session.add(self._version(row, item))
        return "updated"

    def _version(self, row: Article, item: ArticleItem) -> ArticleVersion:
        return ArticleVersion(
            article=row,
            content_hash=row.content_hash,
            headline=row.headline,
            authors=list(row.authors),
            article_body=row.article_body,
            fetched_at=self.now,
            crawl_run_id=self.run_id,
            warc_records=item.warc_records or None,
        )


def _fill(row: Article, item: ArticleItem, digest: str) -> None:
    """Copy the item's column fields onto the row, and what the archive derives from them."""
    # Which evidence dates an article is crawler/pages/dates.py's date_published; which fetch's
    # date the archive keeps is this rule: the first known stays, since a later fetch outside
    # the section list knows only the less exact time of the WS id.
    kept = {"date_published": row.date_published} if row.date_published is not None else {}
    for name in ARTICLE_COLUMNS:
        value = kept.get(name, getattr(item, name))
        setattr(row, name, copy.deepcopy(value) if isinstance(value, list) else value)
    row.headline = item.headline or ""
    row.headline_key = headline_key(item.headline)
    row.content_hash = digest
    row.body_simhash = None
