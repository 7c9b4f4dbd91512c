#!/usr/bin/env bash
# The scheduled crawl: one incremental crawl of the whole site (or a spider's sections), health checks
# included, leaving its log, stats and a Markdown summary in OUTPUT_DIR.
#
# Environment: SPIDER (default site), SINCE (YYYY-MM-DD), FULL (1 to walk every list
# page), OUTPUT_DIR (default crawl-output), CLOSESPIDER_TIMEOUT (seconds, default 6600),
# GITHUB_STEP_SUMMARY (the summary is appended there when set), WARC_DIR (default
# OUTPUT_DIR/warc: every response is kept in WARC files there; empty: none), and every crawl
# setting (ARCHIVE_DATABASE_URL, CHINADAILY_BASE_URL, ...). Extra arguments go to both `scrapy crawl`s.
# Then the coverage audit of the last AUDIT_DAYS days (default 7; 0: none) up to AUDIT_UNTIL
# (YYYY-MM-DD, default today in Beijing): `scrapy crawl audit`, whose coverage line joins the summary.
# Exits with the crawl's status, else the audit's: 1 when a health check failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

spider=${SPIDER:-site}
output=${OUTPUT_DIR:-crawl-output}
mkdir -p "$output"

arguments=(-s "LOG_FILE=$output/crawl.log" -s "ARCHIVE_STATS_FILE=$output/stats.json"
           -s "CLOSESPIDER_TIMEOUT=${CLOSESPIDER_TIMEOUT:-6600}"
           -s "WARC_DIR=${WARC_DIR-$output/warc}")
if [ -n "${SINCE:-}" ]; then arguments+=(-a "since=$SINCE"); fi
case "${FULL:-}" in 1|true|yes) arguments+=(-a full=1) ;; esac

echo "Crawling $spider into ${ARCHIVE_DATABASE_URL:-sqlite:///archive.db}"
scrapy crawl "$spider" "${arguments[@]}" "$@"
status=$?

if [ -f "$output/stats.json" ]; then
  python -m crawler.extensions.summary "$output/stats.json" > "$output/summary.md"
else
  printf '## Crawl summary\n\nThe crawl left no stats (exit status %s); see crawl.log.\n' "$status" > "$output/summary.md"
fi

days=${AUDIT_DAYS:-7}
if [ "$days" -gt 0 ]; then
  until=${AUDIT_UNTIL:-$(TZ=Asia/Shanghai date +%F)}
  since=$(date -d "$until - $((days - 1)) days" +%F)
  echo "Auditing $since..$until against the site's search API"
  scrapy crawl audit -a "since=$since" -a "until=$until" -s "LOG_FILE=$output/audit.log" \
    -s "ARCHIVE_STATS_FILE=$output/audit-stats.json" -s "WARC_DIR=${WARC_DIR-$output/warc}" "$@"
  audit_status=$?
  {
    printf '\n## Coverage audit\n\n'
    python -m crawler.cli coverage --since "$since" --until "$until" | tail -n 1
    if [ -f "$output/audit-stats.json" ]; then
      python -c 'import json, sys; stats = json.load(open(sys.argv[1]))
for line in stats.get("health/failed", []): print(f"\n**Health check failed:** {line}")
for line in stats.get("health/warnings", []): print(f"\n- {line}")' "$output/audit-stats.json"
    fi
  } >> "$output/summary.md"
  if [ "$status" -eq 0 ]; then status=$audit_status; fi
fi
cat "$output/summary.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$output/summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
exit "$status"
