"""Offline tests of chinadaily-archive, and the local copy of the site they crawl."""
