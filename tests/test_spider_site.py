"""The site spider's arguments and what it counts as its own sections (crawler/spiders/site.py)."""

import pytest
from scrapy.utils.test import get_crawler

from crawler.commands.crawl import Command
from crawler.spiders.site import LifeSpider, SiteSpider

LOCAL = "http://127.0.0.1:8000"


def make(cls=SiteSpider, **kwargs):
    crawler = get_crawler(cls, {"CHINADAILY_BASE_URL": LOCAL, "REMOTE_CONTROL_ENABLED": False})
    return cls.from_crawler(crawler, **kwargs)


def test_site_takes_sections_not_a_path():
    assert Command._argument_problem(SiteSpider, {"sections": "/world", "max_pages": "2"}) is None
    assert Command._argument_problem(SiteSpider, {"path": "/world/asia_pacific"}) == (
        "site: site walks the sections the navigation shows: use -a sections=…, not path"
    )
    assert Command._argument_problem(LifeSpider, {"since": "yesterday"}) == (
        "life: since must be a day, YYYY-MM-DD, got 'yesterday'"
    )


@pytest.mark.parametrize(
    ("sections", "path", "walked"),
    [
        (None, "/anything/at/all", True),
        ("/world, /business/tech", "/world/asia_pacific", True),
        ("/world, /business/tech", "/world", True),
        ("/world, /business/tech", "/business/technology", False),  # a prefix is a whole level
        ("/world, /business/tech", "/business", False),
        ("world/,business/tech", "/business/tech", True),
        ("/life/fashion", "/life/fashion/trendwatch", True),
    ],
)
def test_a_path_in_sections_selects_its_subtree(sections, path, walked):
    assert make(sections=sections).in_scope(path) is walked


def test_a_spider_walks_no_section_until_the_navigation_shows_one():
    spider = make()
    assert spider.walks == {}
    with pytest.raises(AttributeError, match="walks many sections"):
        _ = spider.walk


def test_a_lost_shared_run_restarts_the_walks_of_the_spiders_own_sections():
    known = [
        "https://www.chinadaily.com.cn/life/fashion",
        "https://www.chinadaily.com.cn/world/asia_pacific",
        "https://www.chinadaily.com.cn/lifestyle",
    ]
    assert make().sections_to_restart(known) == known
    assert make(LifeSpider).sections_to_restart(known) == ["https://www.chinadaily.com.cn/life/fashion"]
    assert make(sections="/world").sections_to_restart(known) == [known[1]]


def test_scrapy_list_shows_the_site_the_menus_the_world_sections_section_and_audit():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    names = set(SpiderLoader.from_settings(get_project_settings()).list())
    menus = {"china", "world", "business", "life", "culture", "travel", "sports", "opinion"}
    world = {"asia_pacific", "america", "europe", "middle_east", "africa", "china-us", "cn_eu"}
    world |= {"China-Japan-Relations", "china-africa"}
    assert names == {"site", "section", "audit"} | menus | world
