#!/usr/bin/env bash
# GitHub disables a public repository's schedules after 60 days without activity; enabling the
# workflow again from a scheduled run keeps it running. A failure here only warns.
set -uo pipefail
workflow=${WORKFLOW_FILE:-crawl.yml}
if gh api --method PUT "repos/${GITHUB_REPOSITORY:?}/actions/workflows/$workflow/enable" > /dev/null; then
  echo "Schedule of $workflow kept enabled."
else
  echo "::warning::Could not keep the schedule of $workflow enabled; re-enable it in the Actions tab if it stops."
fi
