"""The labelled soft-404 corpus (tests/fixtures/soft404), judged as a crawl would judge it.

Each site variant's probe answers calibrate the judge, as a crawl's first probes would; the
pages are then judged in name order with one judge per variant, so redirect targets are counted
across the corpus as across a crawl. Used by tests/test_soft404_corpus.py and by
`python -m benchmarks.soft404_confusion`, which prints the confusion matrix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, Response

from crawler.judging import PageJudge
from crawler.probes import Fingerprint, ProbeSet
from crawler.settings import SOFT404_MIN_BODY_CHARS, SOFT404_PROBE_SIMILARITY, SOFT404_REDIRECT_TARGET_MIN
from crawler.verdicts import DEAD_VERDICTS

CORPUS = Path(__file__).resolve().parent / "fixtures" / "soft404"
ERROR_TRUTHS = frozenset({"soft404", "http_error", "redirect", "thin"})


@dataclass
class Entry:
    name: str
    label: dict[str, Any]
    verdict: str = ""
    reason: str = ""

    @property
    def truth(self) -> str:
        return str(self.label["truth"])

    @property
    def origin(self) -> str:
        """Whether the page was captured from the site ('real') or written for the corpus."""
        return "real" if str(self.label["html"]).startswith("../real/") else "written"


def _response(label: dict[str, Any], base: Path) -> Response:
    chain = list(label.get("redirect_urls") or [])
    request = Request(label["final_url"], meta={"redirect_urls": chain} if chain else {})
    body = (base / label["html"]).read_bytes()
    return HtmlResponse(url=label["final_url"], status=label["status"], body=body, request=request)


def load_probes(site: str) -> ProbeSet:
    fingerprints = {}
    for path in sorted((CORPUS / "probes").glob(f"{site}_*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        response = _response(label, path.parent)
        fingerprints[label["shape"]] = Fingerprint.from_response(
            label["shape"], label["url"], response, datetime.now(UTC)
        )
    return ProbeSet(fingerprints, SOFT404_PROBE_SIMILARITY)


def judge_corpus() -> list[Entry]:
    entries = [
        Entry(path.name.removesuffix(".json"), json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(CORPUS.glob("*.json"))
    ]
    judges: dict[str, PageJudge] = {}
    by_url: dict[str, Entry] = {}
    for entry in entries:
        site = entry.label["site"]
        if site not in judges:
            judges[site] = PageJudge(
                SOFT404_MIN_BODY_CHARS,
                probes=load_probes(site),
                redirect_target_min=SOFT404_REDIRECT_TARGET_MIN,
            )
        response = _response(entry.label, CORPUS)
        judge = judges[site]
        page_type = entry.label["page_type"]
        judgement = judge.judge_list(response) if page_type == "list" else judge.judge_article(response)
        entry.verdict, entry.reason = judgement.verdict, judgement.reason
        by_url[entry.label["url"]] = entry
        for earlier in judgement.also_dead:
            by_url[earlier.url].verdict = earlier.kind
            by_url[earlier.url].reason = earlier.reason
    return entries


@dataclass
class Outcome:
    articles_judged_dead: list[Entry]
    error_pages_missed: list[Entry]
    error_pages: int

    @property
    def goal_met(self) -> bool:
        """No real article judged dead; at most one error page in 50 missed."""
        return not self.articles_judged_dead and len(self.error_pages_missed) * 50 <= self.error_pages


def outcome(entries: list[Entry]) -> Outcome:
    keep = [e for e in entries if e.truth in ("article", "list", "list_end") and e.verdict in DEAD_VERDICTS]
    missed = [e for e in entries if e.truth in ERROR_TRUTHS and e.verdict not in DEAD_VERDICTS]
    return Outcome(keep, missed, sum(e.truth in ERROR_TRUTHS for e in entries))
