"""What the local copy of the site holds: sections, articles and their true fields, made up on demand."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

BEIJING = timezone(timedelta(hours=8))
SITE = "https://www.chinadaily.com.cn"
PER_PAGE = 20
# The old CMS (content_<id>.htm URLs) was replaced at the start of 2017.
OLD_CMS_UNTIL = datetime(2017, 1, 1, tzinfo=BEIJING)

SECTION_NAMES = {
    "/world/asia_pacific": "Asia-Pacific",
    "/world/america": "Americas",
    "/world/europe": "Europe",
    "/world/middle_east": "Middle East",
    "/world/africa": "Africa",
    "/world/china-us": "China-US",
    "/world/cn_eu": "China-Europe",
    "/world/China-Japan-Relations": "China-Japan",
    "/world/china-africa": "China-Africa",
    # Beyond World (appended, so that the World sections keep their numbers in WS ids).
    "/china/governmentandpolicy": "News",
    "/china/59b8d010a3108c54ed7dfc30": "HK/Macao",
    "/business/tech": "Technology",
    "/business/economy": "Macro",
    "/life/fashion": "Fashion",
    "/life/fashion/trendwatch": "Trend Watch",
    "/food": "Food",
    "/sports/5a12a5d9a310f9b1cd619a19": "Winter Sports",
    "/opinion/op-ed": "Op-Ed",
    "/regional": "Regional",
}
# The top menu's sections, as the site names them in breadcrumbs.
TOP_NAMES = {
    "/china": "China",
    "/world": "World",
    "/business": "Business",
    "/life": "Lifestyle",
    "/culture": "Culture",
    "/travel": "Travel",
    "/sports": "Sports",
    "/opinion": "Opinion",
    "/regional": "Regional",
}
LIST_TEMPLATES = ("classic", "lft-art", "unknown")
"""The list page templates the local site serves: the real one (div#left, items with a trailing
space in their class), its #lft-art variant, and one no page object knows."""


def section_name(section: str) -> str:
    return TOP_NAMES.get(section) or SECTION_NAMES.get(section) or section.rsplit("/", 1)[-1]


def breadcrumb_levels(section: str) -> list[tuple[str, str]]:
    """(path, name) of each level of the section's path the site has a name for, top first."""
    parts = section.strip("/").split("/")
    levels = []
    for depth in range(1, len(parts) + 1):
        prefix = "/" + "/".join(parts[:depth])
        name = TOP_NAMES.get(prefix) or SECTION_NAMES.get(prefix)
        if name:
            levels.append((prefix, name))
    return levels


def breadcrumbs_of(section: str) -> list[str]:
    """Home, then the name of each level of the section's path."""
    return ["Home", *(name for _, name in breadcrumb_levels(section))]


_FIRST = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Mo", "Xu"]
_GIVEN = ["Xu", "Jia", "Yang", "Huanxin", "Jingxi", "Wei", "Mingjie", "Lan", "Hao", "Yiming", "Lei"]
_CITIES = ["Manila", "Jakarta", "Bangkok", "Seoul", "Tokyo", "Hanoi", "Canberra", "Beijing", "Singapore"]
_TOPICS = ["trade", "tourism", "ports", "rice harvest", "rail link", "typhoon relief", "ASEAN summit"]
_WORDS = (
    "regional cooperation officials said the agreement would expand investment across the "
    "Asia-Pacific while analysts expected growth to continue despite uncertainty in global "
    "markets delegates discussed infrastructure energy and digital economy projects ministers "
    "welcomed closer ties between neighbours and promised further talks next year"
).split()
_QUALIFIERS = [
    "after delays",
    "in second round",
    "with new partners",
    "amid heavy rain",
    "before summit",
    "as exports rise",
    "under new rules",
    "despite objections",
    "at record pace",
    "with observers present",
    "in quiet week",
    "for third time",
]
_SPICE = ["“quoted”", "Café", "R&D", "—", "naïve", "5% rise", "<tariffs>", "São Paulo", "it’s"]


# WS ids carry an article's number plus this, so that later articles (-1, -2, ...) fit.
INDEX_OFFSET = 0x100000
# Regional editions carry this in place of a section number in their WS ids.
EDITION_NO = 0xED
DEAD_KINDS = (
    "soft404",
    "hard404",
    "gone410",
    "redirect_home",
    "redirect_section",
    "shared_redirect",
    "thin",
    "failed",
)
# What each kind of dead link must become in the archive: its dead_urls kind, or failed_urls.
DEAD_KIND_VERDICT = {
    "soft404": "soft404",
    "hard404": "http_error",
    "gone410": "http_error",
    "redirect_home": "redirect",
    "redirect_section": "redirect",
    "shared_redirect": "redirect",
    "thin": "thin",
    "failed": "failed",
}


@dataclass
class DeadLink:
    """A list item whose link leads to no article: a soft-404, an error, a redirect, a thin page."""

    kind: str
    number: int
    published: datetime
    section: str

    @property
    def index(self) -> int:
        return 0xDE0000 + self.number

    @property
    def headline_html(self) -> str:
        return f"Story {self.number} on regional ties"

    def path(self, page: int = 1) -> str:
        local = self.published.astimezone(BEIJING)
        stamp = int(self.published.timestamp())
        return f"/a/{local:%Y%m}/{local:%d}/WS{stamp:08x}de{self.number:06x}{DEAD_KINDS.index(self.kind):08x}.html"

    @property
    def canonical_url(self) -> str:
        return SITE + self.path()


@dataclass
class ArticleData:
    """One article of the local site and the fields an archive of it must hold."""

    section: str
    index: int
    published: datetime
    """The time the section list shows (Beijing, to the minute)."""
    updated: datetime
    headline_html: str
    headline: str
    byline: str
    authors: list[str]
    source: str
    pages: list[list[str]]
    """Paragraph texts, one list per page."""
    images: list[tuple[int, int, str, str | None]] = field(default_factory=list)
    """(page, before paragraph number, src, caption)."""
    inlined_not_found: bool = False
    fault: str | None = None
    """The fault its URL is answered with (tests/site/faults.py), if any."""
    listed_without_date: bool = False
    script_built: bool = False
    """Its headline, byline and body are written into the page by a script."""
    edition_of: int | None = None
    """For a regional edition: the index of the original story it repeats under its own id."""
    template: str = "news"
    """The site template its pages are in: 'news', 'photo' (a photo story, one figure a page) or
    'legacy' (the old CMS's markup, with its enpproperty metadata comment)."""

    @property
    def old_style(self) -> bool:
        return self.published < OLD_CMS_UNTIL and self.edition_of is None

    @property
    def article_id(self) -> str:
        section_no = list(SECTION_NAMES).index(self.section) if self.section in SECTION_NAMES else 99
        if self.edition_of is not None:
            section_no = EDITION_NO
        if self.old_style:
            return f"content_{27_000_000 + section_no * 1_000_000 + self.index}"
        stamp = int(self.published.timestamp()) - 37
        check = hashlib.sha1(f"{self.section}/{self.index}".encode()).hexdigest()[:8]
        return f"WS{stamp:08x}{section_no:02x}{self.index + INDEX_OFFSET:06x}{check}"

    def path(self, page: int = 1) -> str:
        suffix = f"_{page}" if page > 1 else ""
        local = self.published.astimezone(BEIJING)
        if self.old_style:
            channel = self.section.strip("/").split("/")[0]
            return f"/{channel}/{local:%Y-%m}/{local:%d}/{self.article_id}{suffix}.htm"
        return f"/a/{local:%Y%m}/{local:%d}/{self.article_id}{suffix}.html"

    @property
    def canonical_url(self) -> str:
        return SITE + self.path()

    @property
    def body(self) -> str:
        return "\n".join(p for page in self.pages for p in page)

    def expected(self) -> dict[str, object]:
        """The archive row this article must become, in the columns of DESIGN.md."""
        published = self.published.astimezone(UTC)
        modified: datetime | None = self.updated.astimezone(UTC)
        if self.template == "legacy":
            modified = None  # the legacy page prints no time; its date is the CMS comment's
        if self.fault == "date_future":
            modified = None  # an impossible time is no time
        elif self.fault == "date_none":
            # No time on the list nor in the byline: the WS id's time is the last resort.
            published = datetime.fromtimestamp(int(self.article_id[2:10], 16), tz=UTC)
            modified = None
        return {
            "canonical_url": self.canonical_url,
            "site_article_id": self.article_id,
            "headline": self.headline,
            "authors": self.authors,
            "source": self.source,
            "section": " > ".join(breadcrumbs_of(self.section)[1:]),
            "breadcrumbs": breadcrumbs_of(self.section),
            "date_published": published,
            "date_modified": modified,
            "article_body": self.body,
            "images": [{"src": "https:" + src, "caption": caption} for _, _, src, caption in self.images],
            "language": "en",
            "template": self.template,
            "pages_expected": len(self.pages),
            "pages_stored": len(self.pages),
            "pages_missing": [],
        }


def _text(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_WORDS) for _ in range(words)]
    if rng.random() < 0.4:
        chosen.insert(rng.randrange(len(chosen)), rng.choice(_SPICE))
    sentence = " ".join(chosen)
    return sentence[0].upper() + sentence[1:] + "."


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_GIVEN)}"


def _default_navigation(sections: dict[str, int]) -> dict[str, list[str]]:
    """Each section under its top-level menu; a top-level section is a menu of its own."""
    navigation: dict[str, list[str]] = {}
    for section in sections:
        top = "/" + section.strip("/").split("/")[0]
        navigation.setdefault(top, [])
        if section != top:
            navigation[top].append(section)
    return navigation


class SiteModel:
    """A deterministic China Daily: any number of articles per section, made on demand.

    Articles are numbered newest first from 0; their fields follow from (seed, section,
    index), so a site of 50,000 articles costs no memory until its pages are asked for.
    Articles published later (add_articles) get the numbers -1, -2, ...: every article keeps
    its number, id and URL as the site grows.
    """

    def __init__(
        self,
        sections: dict[str, int] | None = None,
        *,
        seed: int = 7,
        newest: datetime = datetime(2017, 1, 5, 10, 0, tzinfo=BEIJING),
        spacing: timedelta = timedelta(hours=3, minutes=17),
        multipage_every: int = 7,
        inlined_not_found: tuple[int, ...] = (3,),
        listed_twice: int | None = 1,
        repeated_across_pages: bool = True,
        dead_links: dict[str, int] | None = None,
        not_found_style: str = "classic",
        regional_editions: tuple[int, ...] = (6,),
        list_item_class: str = "tw3_01_2",
        script_built: tuple[int, ...] = (),
        faults: dict[int, str] | None = None,
        foreign_links: bool = False,
        photo_stories: tuple[int, ...] = (27,),
        legacy_articles: tuple[int, ...] = (40,),
        page_faults: dict[tuple[int, int], str] | None = None,
        navigation: dict[str, list[str]] | None = None,
        submenus: dict[str, list[str]] | None = None,
        list_templates: dict[str, str] | None = None,
        cross_listed: dict[str, list[tuple[str, int]]] | None = None,
        unlisted: dict[str, tuple[int, ...]] | None = None,
        search_fail_once: bool = False,
    ) -> None:
        self.sections = dict(sections or {"/world/asia_pacific": 45, "/world/europe": 6})
        self.seed = seed
        self.newest = newest
        self.spacing = spacing
        self.multipage_every = multipage_every
        self.inlined_not_found = set(inlined_not_found)
        self.listed_twice = listed_twice
        self.repeated_across_pages = repeated_across_pages
        self.not_found_style = not_found_style
        self.list_item_class = list_item_class
        self.script_built = set(script_built)
        self.faults: dict[int, str] = dict(faults or {})
        self.foreign_links = foreign_links
        self.photo_stories = set(photo_stories)
        """Articles of /world/asia_pacific that are photo stories: five pages, a captioned photo each."""
        self.legacy_articles = set(legacy_articles)
        """Old-CMS articles of /world/asia_pacific served in the legacy template (listed without a time)."""
        self.page_faults: dict[tuple[int, int], str] = dict(page_faults or {})
        """(article index, page number) of /world/asia_pacific -> a fault that page is answered with."""
        """List page 1 also links to another host, the Chinese subsite and a script."""
        """Articles of /world/asia_pacific answered with a fault of tests/site/faults.py."""
        """The CSS class of list items; another one is the site changing its list template."""
        self.navigation: dict[str, list[str]] = (
            {top: list(subs) for top, subs in navigation.items()}
            if navigation is not None
            else _default_navigation(self.sections)
        )
        """The top menu's sections, each with the sections of its sub-menu; the site may drop one."""
        self.submenus: dict[str, list[str]] = dict(submenus or {})
        """Sections whose pages show a sub-menu of their own (a third level), not their menu's."""
        self.list_templates: dict[str, str] = dict(list_templates or {})
        """The list template of a section (LIST_TEMPLATES), 'classic' when not given."""
        self.cross_listed: dict[str, list[tuple[str, int]]] = dict(cross_listed or {})
        """Articles of other sections (section, index) a section also lists, on its first page."""
        self.unlisted: dict[str, tuple[int, ...]] = dict(unlisted or {})
        """Articles no list shows (a section, its article numbers): only the search API finds them."""
        self.search_fail_once = search_fail_once
        """The search API answers 503 the first time each day's second page is asked for."""
        self.gone: set[tuple[str, int]] = set()
        """Articles whose pages have since turned into the site's not-found page."""
        self.dead_links: list[DeadLink] = []
        newest = self.newest.replace(second=0, microsecond=0)
        for kind, count in (dead_links or {}).items():
            for _ in range(count):
                number = len(self.dead_links)
                published = newest - self.spacing * (number + 1) + timedelta(minutes=7)
                self.dead_links.append(DeadLink(kind, number, published, "/world/asia_pacific"))
        self.regional_editions = regional_editions
        self.added: dict[str, int] = dict.fromkeys(self.sections, 0)
        self.edits: dict[tuple[str, int], list[list[str]]] = {}
        """Articles whose text the site has changed since: their new pages of paragraphs."""
        self._article = lru_cache(maxsize=4096)(self._make_article)

    def menu_of(self, section: str) -> tuple[str, list[str]] | None:
        """The sub-menu a page of this section shows: its name and its sections."""
        if section in self.submenus:
            return section_name(section), self.submenus[section]
        for top, subs in self.navigation.items():
            if section == top or section in subs:
                return section_name(top), subs
        return None

    def add_articles(self, section: str, count: int) -> list[ArticleData]:
        """Publish `count` new articles at the top of a section; they are returned newest first."""
        self.added[section] = self.added.get(section, 0) + count
        first = -self.added[section]
        return [self.article(section, index) for index in range(first, first + count)]

    def total(self, section: str) -> int:
        return self.sections.get(section, 0) + self.added.get(section, 0)

    def article(self, section: str, index: int) -> ArticleData:
        article = self._article(section, index)
        edited = self.edits.get((section, index))
        return replace(article, pages=edited) if edited is not None else article

    def edit(self, section: str, index: int, page: int, paragraph: int, text: str) -> None:
        """Change one paragraph of an article, as an editor correcting it would."""
        pages = [list(p) for p in self.article(section, index).pages]
        pages[page - 1][paragraph] = text
        self.edits[(section, index)] = pages

    def edition(self, number: int) -> ArticleData:
        """The regional edition `number`: an asia_pacific story repeated under its own id and path."""
        original = self.article("/world/asia_pacific", self.regional_editions[number])
        return replace(
            original,
            index=number,
            published=original.published + timedelta(minutes=30),
            edition_of=original.index,
            inlined_not_found=False,
        )

    def story_url(self, entry: ArticleData) -> str:
        """The canonical URL an archive keeps an entry under: an edition's is its original's."""
        if entry.edition_of is not None:
            return self.article(entry.section, entry.edition_of).canonical_url
        return entry.canonical_url

    def editions(self) -> list[ArticleData]:
        if "/world/asia_pacific" not in self.sections:
            return []
        total = self.sections["/world/asia_pacific"]
        return [self.edition(n) for n, index in enumerate(self.regional_editions) if index < total]

    def _make_article(self, section: str, index: int) -> ArticleData:
        if not -self.added.get(section, 0) <= index < self.sections.get(section, 0):
            raise KeyError((section, index))
        rng = random.Random(f"{self.seed}/{section}/{index}")
        published = self.newest - self.spacing * index
        published = published.replace(second=0, microsecond=0)
        updated = published + timedelta(minutes=rng.randrange(0, 90))
        topic = rng.choice(_TOPICS)
        city = rng.choice(_CITIES)
        verb = rng.choice(["advance", "resume", "stall", "open", "widen", "conclude"])
        headline = f"{city} talks on {topic} {verb} {rng.choice(_QUALIFIERS)}"
        headline_html = headline
        if index % 5 == 2:
            headline_html = f"{city} &amp; partners sign <em>{topic}</em> deal"
            headline = f"{city} & partners sign {topic} deal"
        names = [_name(rng) for _ in range(3)]
        names = list(dict.fromkeys(names))
        stamp = f"Updated: {updated:%Y-%m-%d %H:%M}"
        kind = index % 5
        if kind == 0:
            authors, source = names[:1], "China Daily"
            byline = f"By {authors[0]} | {source} | {stamp}"
        elif kind == 1:
            authors, source = names[:2], "China Daily"
            byline = f"By {' and '.join(authors)} | {source} | {stamp}"
        elif kind == 2:
            authors, source = names[:1], "chinadaily.com.cn"
            byline = f"By {authors[0]} in {city} | {source} | {stamp}"
        elif kind == 3:
            authors, source = [], "Xinhua"
            byline = f"{source} | {stamp}"
        else:
            authors, source = names[:3], "China Daily"
            if len(authors) == 3:
                byline = f"By {authors[0]} in {city}, {authors[1]} and {authors[2]} in Beijing | {source} | {stamp}"
            else:
                byline = f"By {' and '.join(authors)} | {source} | {stamp}"
        page_count = 1 + (index % 3 + 1 if self.multipage_every and index % self.multipage_every == 5 else 0)
        pages = [
            [_text(rng, rng.randrange(18, 60)) for _ in range(rng.randrange(3, 9))] for _ in range(page_count)
        ]
        images: list[tuple[int, int, str, str | None]] = []
        if index % 2 == 0:
            local = published.astimezone(BEIJING)
            src = f"//img2.chinadaily.com.cn/images/{local:%Y%m}/{local:%d}/{index:024x}.jpeg"
            caption = None if index % 4 == 2 else f"People attend an event in {city}. [Photo/Agencies]"
            images.append((1, 1, src, caption))
        template = "news"
        if section == "/world/asia_pacific" and index in self.photo_stories:
            template, authors, source = "photo", [], "chinadaily.com.cn"
            byline = f"{source} | {stamp}"
            photographer = _name(rng)
            pages = [
                [_text(rng, rng.randrange(18, 40)) for _ in range(rng.randrange(1, 3))] for _ in range(5)
            ]
            local = published.astimezone(BEIJING)
            images = [
                (
                    page,
                    0,
                    f"//img2.chinadaily.com.cn/images/{local:%Y%m}/{local:%d}/{index:020x}{page:04x}.jpeg",
                    f"Photo {page} of {topic} in {city}. [Photo by {photographer}/For chinadaily.com.cn]",
                )
                for page in range(1, 6)
            ]
        article = ArticleData(
            section=section,
            index=index,
            published=published,
            updated=updated,
            headline_html=headline_html,
            headline=headline,
            byline=byline,
            authors=authors,
            source=source,
            pages=pages,
            images=images,
            inlined_not_found=index in self.inlined_not_found and section == "/world/asia_pacific",
            script_built=index in self.script_built and section == "/world/asia_pacific",
            template=template,
        )
        if section == "/world/asia_pacific" and index in self.legacy_articles and article.old_style:
            article = replace(article, template="legacy", listed_without_date=True)
        fault = self.faults.get(index) if section == "/world/asia_pacific" else None
        return self._with_fault(article, fault) if fault else article

    @staticmethod
    def _with_fault(article: ArticleData, fault: str) -> ArticleData:
        """Faults that are part of the page itself: dates the site got wrong, a giant article."""
        article = replace(article, fault=fault)
        stamp = f"Updated: {article.updated:%Y-%m-%d %H:%M}"
        if fault == "date_buddhist":
            buddhist = article.updated.replace(year=article.updated.year + 543)
            article.byline = article.byline.replace(stamp, f"Updated: {buddhist:%Y-%m-%d %H:%M}")
        elif fault == "date_future":
            article.byline = article.byline.replace(stamp, f"Updated: 2031-{article.updated:%m-%d %H:%M}")
        elif fault == "date_none":
            article.byline = article.byline.replace(f" | {stamp}", "")
            article.listed_without_date = True
        elif fault == "ten_thousand_paragraphs":
            article.pages = [
                [f"Paragraph {n} of a very long report on regional trade." for n in range(10_000)]
            ]
        return article

    def articles(self, section: str) -> list[ArticleData]:
        """Every article of a section, newest first."""
        return [
            self.article(section, i)
            for i in range(-self.added.get(section, 0), self.sections.get(section, 0))
        ]

    def page_count(self, section: str) -> int:
        return max(1, -(-self.total(section) // PER_PAGE))

    def list_entries(self, section: str, page: int) -> list[ArticleData | DeadLink]:
        """The items of list page N as the site shows them, quirks included."""
        first = -self.added.get(section, 0)
        start = first + (page - 1) * PER_PAGE
        hidden = set(self.unlisted.get(section, ()))
        entries: list[ArticleData | DeadLink] = [
            self.article(section, i)
            for i in range(start, min(start + PER_PAGE, self.sections.get(section, 0)))
            if i not in hidden
        ]
        if not entries:
            return entries
        # A story the editors listed twice on the same page.
        if page == 1 and self.listed_twice is not None and self.listed_twice < len(entries) - 2:
            entries.insert(self.listed_twice + 2, entries[self.listed_twice])
        # A story pushed across the boundary by a new one: last of page N, first of N+1.
        if page > 1 and self.repeated_across_pages:
            entries.insert(0, self.article(section, start - 1))
        # Stories of other sections this one lists too, among its first items.
        if page == 1:
            for position, (other, index) in enumerate(self.cross_listed.get(section, [])):
                entries.insert(min(1 + 2 * position, len(entries)), self.article(other, index))
        # A regional edition is listed just above its original story.
        for edition in self.editions():
            if edition.section == section and edition.edition_of is not None:
                original = self.article(section, edition.edition_of)
                if original in entries:
                    entries.insert(entries.index(original), edition)
        # Dead links stand among the first two pages' items, in date order.
        if page <= 2:
            for link in self.dead_links:
                if link.section == section and (link.number % 2 == 0) == (page == 1):
                    entries.insert(min(link.number + 1, len(entries)), link)
        return entries

    def dead_link(self, path: str) -> DeadLink | None:
        for link in self.dead_links:
            if link.path() == path:
                return link
        return None

    def expected_dead(self) -> dict[str, str]:
        """canonical URL -> what the archive must record for each dead link."""
        return {link.canonical_url: DEAD_KIND_VERDICT[link.kind] for link in self.dead_links}

    def find(self, path: str) -> tuple[ArticleData, int] | None:
        """The article and page number a URL path names, if it exists."""
        match = re.search(r"/(WS[0-9a-f]{24}|content_\d+)(?:_(\d+))?\.html?$", path)
        if not match:
            return None
        article_id, page = match.group(1), int(match.group(2) or 1)
        if article_id.startswith("WS") and int(article_id[10:12], 16) == EDITION_NO:
            number = int(article_id[12:18], 16) - INDEX_OFFSET
            if number < len(self.editions()) and self.edition(number).path(page) == path:
                return self.edition(number), page
            return None
        for section in self.sections:
            section_no = list(SECTION_NAMES).index(section) if section in SECTION_NAMES else 99
            if article_id.startswith("WS"):
                if int(article_id[10:12], 16) != section_no:
                    continue
                index = int(article_id[12:18], 16) - INDEX_OFFSET
            else:
                index = int(article_id[len("content_") :]) - 27_000_000 - section_no * 1_000_000
            try:
                article = self.article(section, index)
            except KeyError:
                continue
            if article.path(page) == path and 1 <= page <= len(article.pages):
                return article, page
        return None


WHOLE_SITE_SECTIONS = {
    "/world/asia_pacific": 25,
    "/world/europe": 8,
    "/china/governmentandpolicy": 22,
    "/china/59b8d010a3108c54ed7dfc30": 6,
    "/business/tech": 8,
    "/business/economy": 5,
    "/life/fashion": 6,
    "/life/fashion/trendwatch": 4,
    "/food": 5,
    "/sports/5a12a5d9a310f9b1cd619a19": 23,
    "/opinion/op-ed": 5,
    "/regional": 4,
}


def whole_site_model(**options: object) -> SiteModel:
    """The local site as a whole: 12 sections under 7 top-level menus, in the three list templates,
    word and hex-id paths, a third level (Trend Watch, shown only in Fashion's own sub-menu), a
    top-level path in another menu (/food under Lifestyle), a top-level section without
    subsections (/regional), a sub-menu link to another host (Business), and stories listed in
    more than one section."""
    settings: dict[str, object] = {
        "navigation": {
            "/china": ["/china/governmentandpolicy", "/china/59b8d010a3108c54ed7dfc30"],
            "/world": ["/world/asia_pacific", "/world/europe"],
            "/business": ["/business/tech", "/business/economy"],
            "/life": ["/life/fashion", "/food"],
            "/sports": ["/sports/5a12a5d9a310f9b1cd619a19"],
            "/opinion": ["/opinion/op-ed"],
            "/regional": [],
        },
        "submenus": {"/life/fashion": ["/life/fashion", "/life/fashion/trendwatch"]},
        "list_templates": {
            "/china/governmentandpolicy": "lft-art",
            "/china/59b8d010a3108c54ed7dfc30": "lft-art",
            "/life/fashion/trendwatch": "lft-art",
            "/business/economy": "unknown",
            "/sports/5a12a5d9a310f9b1cd619a19": "unknown",
        },
        "cross_listed": {
            "/china/governmentandpolicy": [("/world/asia_pacific", 2), ("/business/tech", 1)],
            "/opinion/op-ed": [("/world/europe", 0)],
            "/food": [("/life/fashion/trendwatch", 3)],
        },
        **options,
    }
    return SiteModel(dict(WHOLE_SITE_SECTIONS), **settings)  # type: ignore[arg-type]
