"""Judges the labelled soft-404 corpus (tests/fixtures/soft404) and prints the confusion matrix.

python -m benchmarks.soft404_confusion
"""

from __future__ import annotations

from collections import Counter

from crawler.verdicts import Verdict
from tests.soft404_corpus import Entry, judge_corpus, outcome


def matrix(entries: list[Entry]) -> str:
    truths = [t for t in Verdict if any(e.truth == t for e in entries)]
    columns = [v for v in Verdict if any(e.verdict == v for e in entries)]
    counts = Counter((e.truth, e.verdict) for e in entries)
    width = max(len(c) for c in [*columns, *truths, "truth \\ verdict"]) + 1
    lines = ["truth \\ verdict".ljust(width) + "".join(c.rjust(width) for c in columns)]
    for truth in truths:
        lines.append(
            truth.ljust(width) + "".join(str(counts[(truth, c)] or ".").rjust(width) for c in columns)
        )
    return "\n".join(lines)


def main() -> None:
    entries = judge_corpus()
    for origin in ("real", "written"):
        part = [e for e in entries if e.origin == origin]
        print(f"\n{origin} pages ({len(part)}):")
        print(matrix(part))
    print(f"\nall pages ({len(entries)}):")
    print(matrix(entries))
    result = outcome(entries)
    print(f"\nreal articles or lists judged dead: {len(result.articles_judged_dead)}")
    for e in result.articles_judged_dead:
        print(f"  {e.name}: {e.verdict} ({e.reason})")
    print(f"error pages missed: {len(result.error_pages_missed)} of {result.error_pages}")
    for e in result.error_pages_missed:
        print(f"  {e.name}: truth {e.truth}, judged {e.verdict} ({e.reason})")
    print(
        "goal (no article judged dead, at most 1 error page in 50 missed):",
        "met" if result.goal_met else "MISSED",
    )


if __name__ == "__main__":
    main()
