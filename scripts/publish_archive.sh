#!/usr/bin/env bash
# Publishes the SQLite archive as the release asset the next scheduled run restores (release
# ARCHIVE_TAG, default "archive"), and leaves a compressed copy in OUTPUT_DIR for the run's
# artifacts. Does nothing when the archive is PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${ARCHIVE_DATABASE_URL:-}" == postgresql* ]]; then
  echo "The archive is in PostgreSQL: nothing to publish."
  exit 0
fi
if [ ! -f archive.db ]; then
  echo "No archive.db to publish."
  exit 0
fi
tag=${ARCHIVE_TAG:-archive}
output=${OUTPUT_DIR:-crawl-output}
mkdir -p "$output"
# Fold the write-ahead log into the file, so the single file is the whole archive.
python -c "import sqlite3; sqlite3.connect('archive.db').execute('PRAGMA wal_checkpoint(TRUNCATE)')"
gzip --keep --force archive.db
cp archive.db.gz "$output/archive.db.gz"
if ! gh release view "$tag" > /dev/null 2>&1; then
  gh release create "$tag" --title "Archive" --notes "The SQLite archive the scheduled crawl keeps up to date."
fi
gh release upload "$tag" archive.db.gz --clobber
echo "Published archive.db.gz ($(du -h archive.db.gz | cut -f1)) to release $tag."
