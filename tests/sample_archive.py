"""A small archive with known content for the query tools' tests: five stories, an edit, an alias,
the sections that listed them (one story cross-listed, one listed nowhere), a dead URL and a crawl run."""

from dataclasses import replace
from datetime import UTC, datetime

from crawler.items import ArticleItem, DeadUrlItem, SectionListingItem
from pipelines.archive import Archive

BASE = "https://www.chinadaily.com.cn/a/201901/{day:02d}/WS5c38db2fa3106c65c34e{n:04x}.html"
STORIES = [
    ("Manila and Beijing sign rail link agreement", ["Wang Xu"], "China Daily", "World > Asia-Pacific"),
    ("Typhoon relief reaches Philippine islands", ["Chen Jia"], "Xinhua", "World > Asia-Pacific"),
    (
        "Port expansion lifts trade with ASEAN partners",
        ["Wang Xu", "Mo Jingxi"],
        "China Daily",
        "World > Asia-Pacific",
    ),
    ("EU ministers discuss tariffs on steel", ["Li Yang"], "China Daily", "World > Europe"),
    ("Café culture thrives in São Paulo’s old town", [], "Xinhua", "World > America"),
]


def item(n, headline, authors, source, section, body_extra=""):
    url = BASE.format(day=10 + n, n=n)
    body = (
        f"{headline}. Officials said on Monday the plan covers ports, railways and customs.\n"
        f"Story {n} continues with details about the negotiations and the partners involved.{body_extra}"
    )
    return ArticleItem(
        url=url,
        canonical_url=url,
        site_article_id=url.rsplit("/", 1)[1].removesuffix(".html"),
        headline=headline,
        authors=authors,
        source=source,
        section=section,
        breadcrumbs=["Home", *section.split(" > ")],
        date_published=datetime(2019, 1, 10 + n, 4, 0, tzinfo=UTC),
        article_body=body,
        article_body_html="<p>" + body.replace("\n", "</p><p>") + "</p>",
        language="en",
        images=[{"src": "https://img2.chinadaily.com.cn/x.jpeg", "caption": "A picture"}] if n == 0 else [],
    )


def fill_sample_archive(database_url: str) -> None:
    archive = Archive.open(database_url)
    archive.store([item(n, *story) for n, story in enumerate(STORIES)])
    edited = replace(
        item(0, *STORIES[0], body_extra="\nA correction: the agreement was signed on Tuesday."),
        aliases=["https://global.chinadaily.com.cn/a/201901/10/WS5c38db2fa3106c65c34e0000.html"],
    )
    archive.store([edited])
    archive.store(
        [SectionListingItem("/world/asia_pacific", [BASE.format(day=10 + n, n=n) for n in (0, 1, 2)])]
    )
    archive.store([SectionListingItem("/world/europe", [BASE.format(day=13, n=3)])])
    # Listed later in a second section: a cross-listed story.
    archive.store([SectionListingItem("/china/governmentandpolicy", [BASE.format(day=12, n=2)])])
    archive.store(
        [DeadUrlItem("http://x/a.html", BASE.format(day=28, n=99), "soft404", "not-found template", 200)]
    )
    run = archive.start_run("asia_pacific")
    archive.finish_run(run, "finished", {"archive/articles_new": 5})
    archive.close()
