"""In-run deduplication by canonical URL, and the DEDUP_* rules (pipelines/dedup.py)."""

from datetime import timedelta

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleAliasesItem, ArticleItem, DeadUrlItem, FailedUrlItem
from pipelines.dedup import DeduplicationPipeline, dedup_rules

CANONICAL = "https://www.chinadaily.com.cn/a/202405/20/WS664a9a1aa31082fc043c8a11.html"


def make_pipeline():
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False})
    crawler.stats.open_spider()
    return build_from_crawler(DeduplicationPipeline, crawler), crawler.stats


def article(url=CANONICAL, **fields):
    return ArticleItem(url=url, canonical_url=CANONICAL, headline="A headline", **fields)


def test_the_first_article_of_a_canonical_url_passes_unchanged():
    pipeline, stats = make_pipeline()
    item = article()
    assert pipeline.process_item(item) is item
    assert stats.get_value("dedup/in_run_duplicates") is None


def test_a_second_article_with_the_same_canonical_url_is_dropped_and_counted():
    pipeline, stats = make_pipeline()
    pipeline.process_item(article())
    with pytest.raises(DropItem):
        pipeline.process_item(
            article(url="http://127.0.0.1:8000/a/202405/20/WS664a9a1aa31082fc043c8a11.html")
        )
    with pytest.raises(DropItem):
        pipeline.process_item(article())
    assert stats.get_value("dedup/in_run_duplicates") == 2


def test_a_second_article_with_aliases_becomes_an_aliases_item():
    pipeline, _ = make_pipeline()
    pipeline.process_item(article())
    mirror = "https://global.chinadaily.com.cn/a/202405/20/WS664a9a1aa31082fc043c8a11.html"
    result = pipeline.process_item(article(aliases=[mirror]))
    assert result == ArticleAliasesItem(article_canonical_url=CANONICAL, urls=[mirror])


def test_articles_of_other_canonical_urls_all_pass():
    pipeline, _ = make_pipeline()
    first = article()
    old_cms = "https://www.chinadaily.com.cn/world/2016-11/29/content_27517374.htm"
    other = ArticleItem(url=old_cms, canonical_url=old_cms)
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(other) is other


@pytest.mark.parametrize(
    "item",
    [
        DeadUrlItem(url=CANONICAL, canonical_url=CANONICAL, kind="soft404", reason="not-found template"),
        FailedUrlItem(url=CANONICAL, reason="TimeoutError"),
        ArticleAliasesItem(article_canonical_url=CANONICAL, urls=["https://usa.chinadaily.com.cn/x"]),
    ],
    ids=["dead", "failed", "aliases"],
)
def test_other_items_pass_untouched_even_for_an_archived_url(item):
    pipeline, stats = make_pipeline()
    pipeline.process_item(article())
    assert pipeline.process_item(item) is item
    assert pipeline.process_item(item) is item
    assert stats.get_value("dedup/in_run_duplicates") is None


def test_dedup_rules_read_the_publish_window_and_the_simhash_distance():
    rules = dedup_rules(Settings({"DEDUP_PUBLISH_WINDOW_HOURS": "1.5", "DEDUP_SIMHASH_MAX_DISTANCE": "7"}))
    assert rules.publish_window == timedelta(minutes=90)
    assert rules.simhash_max_distance == 7
