-- Links that lead to no article: soft-404s, HTTP errors, redirects, thin pages; and the list
-- page that linked to each.
SELECT kind, status, reason, canonical_url, referrer, first_seen_at, last_seen_at
FROM dead_urls
ORDER BY last_seen_at DESC, kind;
