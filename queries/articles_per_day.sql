-- Articles per day (UTC), newest day first.
SELECT date(date_published) AS day, count(*) AS articles
FROM articles
GROUP BY day
ORDER BY day DESC;
