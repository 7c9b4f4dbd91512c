"""The World subsections the site lists, each a named spider on the section spider."""

from crawler.spiders.section import SectionSpider


class AsiaPacificSpider(SectionSpider):
    name = "asia_pacific"
    section_path = "/world/asia_pacific"


class AmericaSpider(SectionSpider):
    name = "america"
    section_path = "/world/america"


class EuropeSpider(SectionSpider):
    name = "europe"
    section_path = "/world/europe"


class MiddleEastSpider(SectionSpider):
    name = "middle_east"
    section_path = "/world/middle_east"


class AfricaSpider(SectionSpider):
    name = "africa"
    section_path = "/world/africa"


class ChinaUsSpider(SectionSpider):
    name = "china-us"
    section_path = "/world/china-us"


class ChinaEuropeSpider(SectionSpider):
    name = "cn_eu"
    section_path = "/world/cn_eu"


class ChinaJapanSpider(SectionSpider):
    name = "China-Japan-Relations"
    section_path = "/world/China-Japan-Relations"


class ChinaAfricaSpider(SectionSpider):
    name = "china-africa"
    section_path = "/world/china-africa"
