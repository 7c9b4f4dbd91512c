"""Page objects: pure functions of a response that read the site's pages."""
