#!/usr/bin/env bash
# Restores the SQLite archive the previous scheduled run published (release asset ARCHIVE_TAG,
# default "archive"), so this run continues it. Does nothing when the archive is PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${ARCHIVE_DATABASE_URL:-}" == postgresql* ]]; then
  echo "The archive is in PostgreSQL: nothing to restore."
  exit 0
fi
tag=${ARCHIVE_TAG:-archive}
if gh release download "$tag" --pattern archive.db.gz --clobber; then
  gunzip --force archive.db.gz
  echo "Restored archive.db ($(du -h archive.db | cut -f1)) from release $tag."
else
  echo "No published archive yet (release $tag): this run starts a new one."
fi
