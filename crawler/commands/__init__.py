"""Project Scrapy commands: `crawl`, exiting non-zero when the crawl's health checks fail."""
