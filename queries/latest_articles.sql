-- The latest articles: when, what, by whom, where.
SELECT id, date_published, headline, authors, source, section, canonical_url
FROM articles
ORDER BY date_published DESC
LIMIT 50;
