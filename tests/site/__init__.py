"""The local copy of China Daily's site: pages generated on the fly for tests, benchmarks and people."""

from tests.site.model import SiteModel
from tests.site.server import LocalSite, serve

__all__ = ["LocalSite", "SiteModel", "serve"]
