"""Scrapy extensions of the crawl: its summary and, later, its health checks."""
