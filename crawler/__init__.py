"""The Scrapy project that crawls China Daily's English news site into the archive."""
