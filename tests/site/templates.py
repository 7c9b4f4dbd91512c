"""The local site's HTML: the real captured list page is the frame, articles follow DESIGN.md's template."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from tests.site.model import BEIJING, ArticleData, DeadLink, breadcrumb_levels, section_name

REAL_LIST_PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "list_world_china_us_1.html"
HOST = "//www.chinadaily.com.cn"
NOT_FOUND_TEXT = "Sorry, the page you requested was not found."


@cache
def _frame() -> dict[str, str]:
    """The real list page cut into the parts every generated page reuses."""
    page = REAL_LIST_PAGE.read_text(encoding="utf-8")

    def between(start: str, end: str) -> str:
        i = page.index(start)
        return page[i : page.index(end, i)]

    return {
        "header": between("<body>", "<!-- pc 二级菜单 -->"),
        "submenu": between("<!-- pc 二级菜单 -->", '<ol class="breadcrumb res-m" id="bread-nav1">'),
        "sidebar_and_footer": page[page.index('<div class="mai_r">') :],
    }


def _section_name(section: str) -> str:
    return section_name(section)


def _breadcrumb(section: str) -> str:
    levels = breadcrumb_levels(section)
    mobile = "\n".join(
        f'  <li><a shape="rect" href="{HOST}{path}">{html.escape(name)}</a></li>'
        for path, name in levels[:-1]
    )
    pc = "\n".join(
        f'    <a shape="rect" href="{HOST}{path}">/ {html.escape(name)}</a>' for path, name in levels
    )
    last = html.escape(levels[-1][1]) if levels else ""
    return f"""<ol class="breadcrumb res-m" id="bread-nav1">
  <li><a shape="rect" href="{HOST}">Home</a></li>
{mobile}
  / {last}
</ol>
<div class="topNav3_art"> <span id="bread-nav">
    <a shape="rect" href="{HOST}">Home</a>
{pc}
  </span> </div>
"""


_TOP_MENU_ITEM = re.compile(
    r'<li[^>]*>\s*<a target="_top" href="//www\.chinadaily\.com\.cn(/[a-z]+)">[A-Z]+</a>\s*</li>\s*'
)
# A sub-menu link the site points at another host (site-map.md: Business > Investment).
OFFSITE_SUBMENU = {"/business": ("http://investinchina.chinadaily.com.cn", "Investment")}


@cache
def header(tops: tuple[str, ...]) -> str:
    """The real page's header, its top menus keeping only these top-level sections (links to
    other hosts, the newspaper and the mobile page stay)."""
    return _TOP_MENU_ITEM.sub(lambda m: m.group(0) if m.group(1) in tops else "", _frame()["header"])


@cache
def submenu(name: str, sections: tuple[str, ...], top: str | None = None) -> str:
    """The sub-menu markup of the real page (div.topNav2_art) for these sections."""
    items = [
        f'            <li><a target="_top" shape="rect" href="{HOST}{path}">{html.escape(_section_name(path))}</a></li>'
        for path in sections
    ]
    if top in OFFSITE_SUBMENU:
        url, label = OFFSITE_SUBMENU[top]
        items.append(f'            <li><a target="_blank" shape="rect" href="{url}">{label}</a></li>')
    joined = "\n".join(items)
    return f"""<!-- pc 二级菜单 -->
<div class="topNav2_art"> <span>{html.escape(name)}</span>
    <ul>
{joined}
    </ul>
</div>
<!-- 响应式二级菜单 -->
"""


def real_header() -> str:
    return _frame()["header"]


def real_submenu() -> str:
    return _frame()["submenu"]


def _link(article: ArticleData | DeadLink, style: int = 0, page: int = 1) -> str:
    """An article link written one of the ways the site writes them."""
    path = article.path(page)
    if style % 4 == 1:
        return f"https://www.chinadaily.com.cn{path}"
    if style % 4 == 2:
        return f"//global.chinadaily.com.cn{path}"
    return f"{HOST}{path}"


def _sidebar_picks(picks: list[ArticleData]) -> str:
    """Sidebar boxes linking to other stories: never to be followed or archived."""
    items = "\n".join(
        f'<li><a target="_blank" href="{_link(a)}">{a.headline_html}</a>'
        f"<p>Editor's pick: {html.escape(a.pages[0][0])}</p></li>"
        for a in picks
    )
    return f"""<div class="mai_r">
  <div class="bt2"><b><a href="{HOST}/world/editor_picks">Today's Top News</a></b></div>
  <ul class="lisBox top-news">{items}</ul>
  <div class="bt2"><b>Editor's picks</b></div>
  <div class="tw4Box"><div class="tw4_t">Sidebar story: readers vote on the year's best photos</div></div>
</div>
"""


def list_page(
    section: str,
    page: int,
    entries: list[ArticleData | DeadLink],
    page_count: int,
    picks: list[ArticleData],
    item_class: str = "tw3_01_2",
    foreign_links: bool = False,
    template: str = "classic",
) -> str:
    """A section list page in one of the model's LIST_TEMPLATES."""
    frame = _frame()
    if template == "unknown":
        return _unknown_list_page(section, page, entries, page_count, picks)
    name = html.escape(_section_name(section))
    featured = "".join(
        f'<div class="tBox2"><a target="_blank" shape="rect" href="{_link(a)}">{a.headline_html}</a></div>'
        for a in entries[:3]
    )
    items = []
    for n, article in enumerate(entries):
        href = _link(article, style=n)
        when = article.published.astimezone(BEIJING)
        image = f'<a target="_blank" shape="rect" href="{href}"><img width="200" height="130" src="//img2.chinadaily.com.cn/images/{when:%Y%m}/{when:%d}/{article.index:024x}.jpeg" /></a>'
        if template == "lft-art":
            # The variant: the picture in its own span, no trailing space in the item's class.
            image = f'<span class="{item_class}_p">{image}</span>'
        space = "" if template == "lft-art" else " "
        items.append(f"""
                <div class="mb10 {item_class}{space}">
                        {image}
                    <span class="{item_class}_t">
                <h4><a shape="rect" href="{href}">{article.headline_html}</a></h4>
                {"" if getattr(article, "listed_without_date", False) else f"<b>{when:%Y-%m-%d %H:%M}</b>"}
              </span>
                </div>""")
    if foreign_links:
        # Items a crawl must never follow: another host, the Chinese subsite, a script.
        for href in (
            "https://www.example.com/a/201701/05/WS586da87b00100000d5807fb1.html",
            "//cn.chinadaily.com.cn/a/201701/05/WS586da87b00100000d5807fb1.html",
            "javascript:void(0);",
        ):
            items.append(
                f'<div class="mb10 {item_class} "><span class="{item_class}_t"><h4><a href="{href}">'
                "Elsewhere</a></h4><b>2017-01-05 10:00</b></span></div>"
            )
    base = f"{HOST}{section}"

    def page_url(number: int) -> str:
        return base if number == 1 else f"{base}/page_{number}.html"

    numbers = []
    for number in range(max(1, page - 4), min(page_count, page + 5) + 1):
        if number == page:
            numbers.append(f'<span style="background-color: #003366;color: #fff;">{number}</span>')
        else:
            numbers.append(f'<a href="{page_url(number)}">{number}</a>')
    pager = "\n".join(numbers)
    if page > 1:
        pager = f'<a class="pagestyle" href="{page_url(page - 1)}">Previous</a>&nbsp;&nbsp;\n' + pager
    if page < page_count:
        pager += (
            f'\n<a class="pagestyle" href="{page_url(page + 1)}">Next</a>&nbsp;&nbsp;'
            f'\n<a style="text-decoration:none" href="{page_url(page_count)}">&gt;&gt;|</a>'
        )
    mobile_next = (
        f'<span class="next"><a class="pagestyle" shape="rect" href="{page_url(page + 1)}">Next</a></span>'
        if page < page_count
        else ""
    )
    container = (
        '<div class="lft_art lf" id="lft-art">'
        if template == "lft-art"
        else '<div class="lft_art" id="left">'
    )
    body = f"""<div class="main_art">
    {container}
        <div class="tw2" style="margin-bottom:10px;"><div class="tw2_r"><div class="mb10">{featured}</div></div></div>
        <!--list-->
        {"".join(items)}
            <!-- pc 分页 -->
            <div id="div_currpage">
{pager}
            </div>
            <!-- pc 分页结束 -->
            <div class="selectpage">
              <span class="pageno"><a href="javascript:void (0)" shape="rect">{page}/{page_count}</a></span>
              {mobile_next}
            </div>
    </div>
{_sidebar_picks(picks)}"""
    head = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
    <title>{name} - World - Chinadaily.com.cn</title>
    <meta name="pagetype" content="2" />
</head>
"""
    return (
        head + frame["header"] + frame["submenu"] + _breadcrumb(section) + body + frame["sidebar_and_footer"]
    )


def _unknown_list_page(
    section: str, page: int, entries: list[ArticleData | DeadLink], page_count: int, picks: list[ArticleData]
) -> str:
    """A list page after an imagined redesign: none of the list template's markup is left."""
    frame = _frame()
    base = f"{HOST}{section}"

    def page_url(number: int) -> str:
        return base if number == 1 else f"{base}/page_{number}.html"

    lead = (
        f'<div class="lead-story"><a href="{_link(entries[0])}">{entries[0].headline_html}</a></div>'
        if entries
        else ""
    )
    items = []
    for n, article in enumerate(entries):
        when = article.published.astimezone(BEIJING)
        stamp = (
            "" if getattr(article, "listed_without_date", False) else f"<time>{when:%Y-%m-%d %H:%M}</time>"
        )
        headline = f'<h3><a href="{_link(article, style=n)}">{article.headline_html}</a></h3>'
        # Some items print the time above the headline, some below.
        items.append(f'<li class="story">{stamp + headline if n % 3 == 1 else headline + stamp}</li>')
    paging = []
    if page > 1:
        paging.append(f'<a href="{page_url(page - 1)}">Previous</a>')
    if page < page_count:
        paging.append(f'<a href="{page_url(page + 1)}">Next</a>')
    paging.append(f'<span class="pageno">{page}/{page_count}</span>')
    name = html.escape(_section_name(section))
    head = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{name} - Chinadaily.com.cn</title>
</head>
"""
    body = f"""<main class="column-main">
  {lead}
  <ul class="story-list">{"".join(items)}</ul>
  <nav class="paging">{" ".join(paging)}</nav>
</main>
{_sidebar_picks(picks)}"""
    return (
        head + frame["header"] + frame["submenu"] + _breadcrumb(section) + body + frame["sidebar_and_footer"]
    )


def index_page(top: str, featured: list[ArticleData], picks: list[ArticleData]) -> str:
    """A top-level section's front page: its sub-menu and a few featured stories, no list."""
    frame = _frame()
    links = "\n".join(
        f'<div class="tBox2"><a href="{_link(a)}">{a.headline_html}</a></div>' for a in featured
    )
    head = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{html.escape(_section_name(top))} - Chinadaily.com.cn</title>
</head>
"""
    body = f'<div class="main_art"><div class="channel-front">{links}</div></div>\n'
    return head + frame["header"] + frame["submenu"] + _breadcrumb(top) + body + frame["sidebar_and_footer"]


def _byline_html(article: ArticleData) -> str:
    return (
        f'<div class="info"><span class="info_l">{html.escape(article.byline)}</span>'
        '<span class="info_r"><a href="javascript:void(0)" class="share">Share</a></span></div>'
    )


def _body_html(article: ArticleData, page: int, pager: bool = True) -> str:
    parts = []
    for n, text in enumerate(article.pages[page - 1]):
        for image_page, before, src, caption in article.images:
            if image_page == page and before == n:
                caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
                parts.append(
                    f'<figure class="image" style="display:table"><img src="{src}" />{caption_html}</figure>'
                )
        parts.append(f"<p>{html.escape(text, quote=False)}</p>")
    if pager and len(article.pages) > 1:
        parts.append(_pager(article, page))
    return "\n".join(parts)


def not_found_block() -> str:
    """The site's not-found page body, as its failed header/footer includes inline it."""
    return f"""<div class="notfound-wrap">
  <div class="nf-logo"><a href="{HOST}"><img src="//www.chinadaily.com.cn/image_e/2020/logo.png" /></a></div>
  <div class="nf-box">
    <h2>{NOT_FOUND_TEXT}</h2>
    <p>The page may have been removed, renamed or is temporarily unavailable.</p>
    <p>You can go back to the <a href="{HOST}">homepage</a> or try these sections:</p>
    <ul><li><a href="{HOST}/china">China</a></li><li><a href="{HOST}/world">World</a></li>
    <li><a href="{HOST}/business">Business</a></li></ul>
  </div>
</div>
"""


def _pager(article: ArticleData, page: int) -> str:
    """The pager of a multi-page article: Previous, the page numbers (this one a span), Next."""
    links = []
    if page > 1:
        links.append(f'<a class="pagestyle" href="{_link(article, page=page - 1)}">Previous</a>')
    for number in range(1, len(article.pages) + 1):
        links.append(
            f"<span>{number}</span>"
            if number == page
            else f'<a href="{_link(article, page=number)}">{number}</a>'
        )
    if page < len(article.pages):
        links.append(f'<a class="pagestyle" href="{_link(article, page=page + 1)}">Next</a>')
    return f'<div id="div_currpage">{" ".join(links)}</div>'


def _head(article: ArticleData, page: int) -> str:
    when = article.published.astimezone(BEIJING)
    description = html.escape(article.pages[0][0][:160])
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{html.escape(article.headline)} - Chinadaily.com.cn</title>
<meta name="description" content="{description}" />
<meta name="contentid" content="{article.article_id}" />
<meta name="publishdate" content="{when:%Y-%m-%d}" />
<meta name="source" content="{html.escape(article.source)}" />
<meta property="og:title" content="{html.escape(article.headline)}" />
<meta property="og:url" content="https://www.chinadaily.com.cn{article.path(page)}" />
</head>
"""


def _footer() -> str:
    footer = _frame()["sidebar_and_footer"]
    return footer[footer.index("<!-- 公共尾部开始 -->") :]


def photo_page(article: ArticleData, page: int, picks: list[ArticleData]) -> str:
    """A photo story's page as the site's photo template has it: the logo and breadcrumb inside
    div.main_art, the headline in div.ce_art, share buttons inside the byline, the picture linking
    to the next photo, then the photo and its text, then the pager."""
    frame = _frame()
    name = html.escape(_section_name(article.section))
    following = _link(article, page=page % len(article.pages) + 1)
    share = (
        '<a href="javascript:void(0)" class="wx">Share - WeChat</a> '
        '<a href="https://www.facebook.com/sharer.php" target="_blank">Facebook</a> '
        '<a href="https://twitter.com/intent/tweet" target="_blank">X</a>'
    )
    main = f"""<ol class="breadcrumb res-m" id="bread-nav1">
  <li><a href="{HOST}">Home</a></li><li><a href="{HOST}/world">World</a></li> / {name}
</ol>
<div class="main_art">
  <div class="w999"><div class="logo"><a href="{HOST}"><img src="//www.chinadaily.com.cn/image_e/2020/logo.png" /></a>
    <span id="bread-nav"><a href="{HOST}">Home</a> <a href="{HOST}/world">/ World</a>
    <a href="{HOST}{article.section}">/ {name}</a></span></div></div>
  <div class="ce_art"><h1>{article.headline_html}</h1><h2></h2></div>
  <div class="info"><span class="info_l">{html.escape(article.byline)} {share}</span></div>
  <div class="picshow"><a class="pagestyle" href="{following}"><div id="apDiv1"></div></a></div>
  <div id="Content">
{_body_html(article, page, pager=False)}
  </div>
  {_pager(article, page)}
</div>
{_sidebar_picks(picks)}
"""
    return _head(article, page) + frame["header"] + frame["submenu"] + main + _footer()


def legacy_page(article: ArticleData, page: int, picks: list[ArticleData]) -> str:
    """An old-CMS page: its metadata in an enpproperty comment (the time it was published, its
    authors, its title), its body between the enpcontent markers; the page prints only its source."""
    frame = _frame()
    when = article.published.astimezone(BEIJING)
    name = html.escape(_section_name(article.section))
    properties = (
        f"<articleid>{article.article_id.removeprefix('content_')}</articleid>"
        f"<date>{when:%Y-%m-%d %H:%M:%S}.0</date><author>{html.escape(', '.join(article.authors))}</author>"
        f"<title>{html.escape(article.headline)}</title><keyword>{html.escape(name)}</keyword>"
        "<subtitle></subtitle><introtitle></introtitle><siteid>1</siteid><nodeid>1031</nodeid>"
        f"<nodename>{name}</nodename><nodesearchname></nodesearchname><picurl></picurl>"
    )
    main = f"""<!--enpproperty {properties}/enpproperty-->
<div class="crumb"><a href="{HOST}">Home</a> &gt; <a href="{HOST}/world">World</a> &gt;
  <a href="{HOST}{article.section}">{name}</a></div>
<div id="container">
  <div class="l_con">
    <h1 class="ltitle">{article.headline_html}</h1>
    <div class="titleinfo"><span>Source: {html.escape(article.source)}</span></div>
    <div class="arcContent">
<!--enpcontent-->{_body_html(article, page, pager=False)}<!--/enpcontent-->
      <p class="editor">(Editor: {html.escape(article.authors[0] if article.authors else "Desk")})</p>
      {_pager(article, page) if len(article.pages) > 1 else ""}
    </div>
  </div>
{_sidebar_picks(picks)}
</div>
"""
    return _head(article, page) + frame["header"] + main + _footer()


def article_page(article: ArticleData, page: int, picks: list[ArticleData]) -> str:
    if article.template == "photo":
        return photo_page(article, page, picks)
    if article.template == "legacy":
        return legacy_page(article, page, picks)
    frame = _frame()
    when = article.published.astimezone(BEIJING)
    description = html.escape(article.pages[0][0][:160])
    head = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{html.escape(article.headline)} - Chinadaily.com.cn</title>
<meta name="description" content="{description}" />
<meta name="contentid" content="{article.article_id}" />
<meta name="publishdate" content="{when:%Y-%m-%d}" />
<meta name="source" content="{html.escape(article.source)}" />
<meta property="og:title" content="{html.escape(article.headline)}" />
<meta property="og:url" content="https://www.chinadaily.com.cn{article.path(page)}" />
</head>
"""
    container = f"""<h1>{article.headline_html}</h1>
    {_byline_html(article)}
    <div id="Content">
{_body_html(article, page)}
    </div>"""
    if article.script_built:
        container = _script_built(article, page)
    main = f"""<div class="main_art">
  <div class="lft_art" id="lft-art">
    {container}
  </div>
{_sidebar_picks(picks)}
</div>
"""
    chrome = frame["header"] + frame["submenu"] + _breadcrumb(article.section)
    if article.inlined_not_found:
        chrome = chrome + not_found_block()
        main = main + not_found_block()
    footer = frame["sidebar_and_footer"]
    footer = footer[footer.index("<!-- 公共尾部开始 -->") :]
    return head + chrome + main + footer


def _script_built(article: ArticleData, page: int) -> str:
    """The article container as a template change might leave it: empty elements that a script
    fills from data in the page."""
    story = {
        "headline": article.headline_html,
        "byline": html.escape(article.byline),
        "body": _body_html(article, page),
    }
    data = json.dumps(story).replace("</", "<\\/")
    return f"""<h1></h1>
    <div class="info"><span class="info_l"></span></div>
    <div id="Content"></div>
    <script type="text/javascript">
      var story = {data};
      document.querySelector("#lft-art h1").innerHTML = story.headline;
      document.querySelector("#lft-art .info_l").innerHTML = story.byline;
      document.getElementById("Content").innerHTML = story.body;
    </script>"""


OTHER_NOT_FOUND = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>chinadaily.com.cn</title></head>
<body>
<table class="gone" cellpadding="0" cellspacing="0"><tr><td>
  <b>Hmm.</b>
  <div>Nothing lives here anymore.</div>
  <div>Perhaps it moved elsewhere &mdash; maybe it never existed.</div>
  <div>Reference {reference}: {path}</div>
  <div><a href="//www.chinadaily.com.cn/">Start over</a></div>
</td></tr></table>
</body>
</html>
"""


def not_found_page(style: str = "classic", path: str = "/") -> str:
    """The site's answer to a page it does not have; 'other' shares no words with the classic one."""
    if style == "other":
        reference = abs(hash(path)) % 1_000_000
        return OTHER_NOT_FOUND.format(reference=reference, path=html.escape(path))
    frame = _frame()
    head = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Page not found - Chinadaily.com.cn</title>
</head>
"""
    footer = frame["sidebar_and_footer"]
    return head + frame["header"] + not_found_block() + footer[footer.index("<!-- 公共尾部开始 -->") :]


def home_page(picks: list[ArticleData]) -> str:
    frame = _frame()
    links = "\n".join(f'<li><a href="{_link(a)}">{a.headline_html}</a></li>' for a in picks)
    head = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>China Daily Website - Connecting China Connecting the World</title>
</head>
"""
    footer = frame["sidebar_and_footer"]
    body = f'<div class="main_art"><div class="top-stories"><h2>Top stories</h2><ul>{links}</ul></div></div>'
    return head + frame["header"] + body + footer[footer.index("<!-- 公共尾部开始 -->") :]


def thin_article_page(path: str) -> str:
    """The article template with nothing in it: no headline, no body, no script to build them."""
    frame = _frame()
    head = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Chinadaily.com.cn</title>
<meta property="og:url" content="https://www.chinadaily.com.cn{html.escape(path)}" />
</head>
"""
    main = """<div class="main_art">
  <div class="lft_art" id="lft-art">
    <h1></h1>
    <div class="info"><span class="info_l"></span></div>
    <div id="Content">
    </div>
  </div>
</div>
"""
    footer = frame["sidebar_and_footer"]
    return head + frame["header"] + main + footer[footer.index("<!-- 公共尾部开始 -->") :]
