"""The local site's search API (`/rest/en/search`), RSS feeds and sitemap: what we assume of the real ones.

The search API's envelope is known only from the clients that read it (site-map.md §3): a
top-level `content` list and `totalPages`, ten items a page, `page` from 0, newest first, and
items with `url`, `title`, `pubDateStr` (Beijing), `publishTime` (epoch ms), `id`,
`channelName`, `source`, `columnName`. It answers with the quirks its clients work around:
links on mirror hosts, a link to another host and one to no article, fields missing or null,
the last item of a page repeated at the top of the next, a `totalPages` two more than the pages
that have results, and (with `fail_once`) a page that answers 503 the first time it is asked.
"""

from __future__ import annotations

import json
from datetime import UTC, date
from urllib.parse import parse_qs

from tests.site.model import BEIJING, SITE, ArticleData, SiteModel, section_name

SEARCH_PATH = "/rest/en/search"
PAGE_SIZE = 10
MIRROR = "https://global.chinadaily.com.cn"
FEEDS = ("world_rss.xml", "cndy_rss.xml")
"""The RSS feeds the local site serves; the others answer 404, as feeds that no longer exist."""


def search_key(day: str, page: int) -> str:
    """The local site's key of one search URL (its path and query), for LocalSite.fail and requests."""
    from crawler.pages.search_results import search_url

    return search_url("", day, page)


def day_articles(model: SiteModel, day: date) -> list[ArticleData]:
    """Every article of the site published on a Beijing day, listed or not, newest first."""
    found = [
        article
        for section in model.sections
        for article in model.articles(section)
        if article.published.astimezone(BEIJING).date() == day
    ]
    return sorted(found, key=lambda article: article.published, reverse=True)


def _item(model: SiteModel, article: ArticleData, n: int) -> dict[str, object]:
    local = article.published.astimezone(BEIJING)
    item: dict[str, object] = {
        # Every third link on a mirror host: the same article.
        "url": (MIRROR if n % 3 == 2 else SITE) + article.path(),
        "title": article.headline if n % 4 != 3 else None,
        "pubDateStr": f"{local:%Y-%m-%d %H:%M}",
        "publishTime": int(article.published.timestamp() * 1000),
        "id": article.article_id,
        "channelName": "English",
        "source": article.source,
        "plainText": "First line\n\twith raw control characters\n" + article.pages[0][0],
    }
    if n % 5 != 4:
        item["columnName"] = section_name(article.section)
    return item


def search_answer(model: SiteModel, query: str, asked: int) -> tuple[int, dict[str, str], bytes]:
    """The answer to `/rest/en/search?…`; `asked`: how many times this very URL was asked before."""
    params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
    try:
        day = date.fromisoformat(params.get("publishedDateFrom", ""))
        page = int(params.get("page", "0"))
    except ValueError:
        return 400, {"Content-Type": "application/json"}, b'{"error": "bad request"}'
    if model.search_fail_once and page == 1 and asked == 0:
        return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
    articles = day_articles(model, day)
    items = [_item(model, article, n) for n, article in enumerate(articles)]
    if items:
        # A video and a page on another host among the first day's results.
        items.insert(
            1, {"url": f"{SITE}/video/{day:%Y-%m}/{day:%d}/v1.html", "title": "A video", "pubDateStr": None}
        )
        items.insert(3, {"url": "https://www.example.com/a/201701/05/WS586da87b00100000d5807fb1.html"})
    pages = [items[start : start + PAGE_SIZE] for start in range(0, len(items), PAGE_SIZE)]
    content = list(pages[page]) if page < len(pages) else []
    if 0 < page < len(pages):
        content.insert(0, pages[page - 1][-1])  # pushed across the page boundary
    body = {"content": content, "totalPages": len(pages) + 2 if pages else 0, "number": page}
    text = json.dumps(body, ensure_ascii=False)
    # The API writes raw control characters inside strings, as its clients report.
    text = text.replace("\\n", "\n").replace("\\t", "\t")
    return 200, {"Content-Type": "application/json; charset=utf-8"}, text.encode()


def rss_feed(model: SiteModel, name: str) -> bytes | None:
    """An old-CMS RSS feed: its newest items, old-style article links with their pubDate."""
    if name not in FEEDS:
        return None
    old = [
        article
        for section in model.sections
        for article in model.articles(section)
        if article.old_style and (name == "cndy_rss.xml" or section.startswith("/world"))
    ][:30]
    items = "\n".join(
        f"<item><title><![CDATA[{article.headline}]]></title><link>http://www.chinadaily.com.cn{article.path()}</link>"
        f"<pubDate>{article.published.astimezone(UTC):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for article in old
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>China Daily &gt; {name}</title><link>http://www.chinadaily.com.cn/</link>{items}"
        "</channel></rss>"
    ).encode()


def sitemap(model: SiteModel, part: str | None) -> bytes:
    """A sitemap index of one sitemap per section, each listing its articles with their lastmod."""
    if part is None:
        entries = "".join(
            f"<sitemap><loc>{SITE}/sitemap/{n}.xml</loc></sitemap>" for n in range(len(model.sections))
        )
        return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'.encode()
    section = list(model.sections)[int(part)]
    urls = "".join(
        f"<url><loc>{SITE}{article.path()}</loc><lastmod>{article.published.astimezone(BEIJING):%Y-%m-%d}</lastmod></url>"
        for article in model.articles(section)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def listed_nowhere(model: SiteModel) -> list[ArticleData]:
    """The articles only the search API shows (the model's unlisted ones)."""
    return [model.article(section, index) for section, indexes in model.unlisted.items() for index in indexes]
