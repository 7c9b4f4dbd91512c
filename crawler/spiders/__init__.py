"""Spiders: one section spider, and the site's sections as named spiders on it."""
