-- Every version of one article and what changed from the one before (parameter "url": its
-- canonical URL, e.g. https://www.chinadaily.com.cn/a/201901/12/WS5c38db2fa3106c65c34e3ffa.html).
SELECT e.version_id, e.fetched_at, e.kind, e.headline_changed, e.authors_changed, e.body_changed,
       e.body_length_change, v.headline, v.article_body
FROM article_edits e
JOIN article_versions v ON v.id = e.version_id
JOIN articles a ON a.id = e.article_id
WHERE a.canonical_url = :url
ORDER BY e.fetched_at, e.version_id;
