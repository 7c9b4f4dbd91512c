"""Scrapy extensions of the crawl: soft-404 calibration, progress, health checks and the closing summary."""
