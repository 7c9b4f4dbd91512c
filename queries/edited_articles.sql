-- Articles the site edited after they were first archived, most edited first.
SELECT a.id, a.headline, a.canonical_url, count(*) AS edits, max(e.fetched_at) AS last_edit
FROM article_edits e
JOIN articles a ON a.id = e.article_id
WHERE e.kind = 'edit'
GROUP BY a.id, a.headline, a.canonical_url
ORDER BY edits DESC, last_edit DESC;
