"""`chinadaily-archive diagnose`: what a user sends back after a run on the real site, in one .tar.gz.

The bundle holds the run's stats and health verdicts, the signals that tell a changed template
(first list page's items, fallback, thin and dead rates, date and encoding problems), and a sample
of the pages the run could not read cleanly — judged by the generic fallback, thin, or doubtful —
with their raw HTML from the run's WARC files (or, without them, what the archive kept).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler import statkeys as keys
from crawler.judging import PageJudge
from crawler.pages.article_page import Listing
from crawler.probes import Fingerprint, ProbeSet
from crawler.replay import WarcIndex
from crawler.settings import SOFT404_PROBE_SIMILARITY
from crawler.statkeys import jsonable_stats, number, verdict_counts, verdict_reasons
from crawler.verdicts import DEAD_VERDICTS, Verdict
from pipelines.archive.errors import BadInput
from pipelines.archive.reader import ArchiveReader
from pipelines.archive.records import CrawlRun

SAMPLE = 20
"""Pages kept of each kind."""
# A verdict by likeness (the probe's answer, error wording) rather than the site's own not-found
# template: right most of the time, and the first thing to look at when the site changes.
DOUBTFUL_REASONS = ("like the probe answer", "error wording in the title or a heading")
# Stats that move when the site's templates change.
DRIFT_STATS = (
    keys.LIST_FIRST_PAGE_ITEMS,
    keys.LIST_PAGES,
    "list/items",
    "list/non_article_links",
    "list/offsite_links",
    keys.EXTRACT_FALLBACK,
    keys.EXTRACT_FAILED,
    "article/missing_pages",
    "article/incomplete",
    "render/fallback",
    "encoding/corrected",
    "encoding/invalid_utf8",
)


def signals(stats: dict[str, Any]) -> dict[str, Any]:
    """The run's template-drift signals: the stats that move when the site changes, and rates."""
    counts = verdict_counts(stats)
    judged = counts[Verdict.ARTICLE] + sum(counts[v] for v in DEAD_VERDICTS) + counts[Verdict.FAILED]
    found: dict[str, Any] = {name: stats.get(name) for name in DRIFT_STATS if name in stats}
    # Which templates read the pages and which source gave each field: a template the site has
    # changed shows as fields moving from 'template' to the next source.
    drift = ("dates/", "verdict/", "article/template/", "field/")
    found.update({name: value for name, value in stats.items() if name.startswith(drift)})
    found["article_pages_judged"] = judged
    if judged:
        found["fallback_rate"] = round(number(stats, keys.EXTRACT_FALLBACK) / judged, 4)
        found["dead_rate"] = round(sum(counts[v] for v in DEAD_VERDICTS) / judged, 4)
        found["error_rate"] = round(counts[Verdict.FAILED] / judged, 4)
    return found


def sampled_pages(run: CrawlRun, reader: ArchiveReader) -> Iterator[tuple[str, str, dict[str, Any], bytes]]:
    """(kind, URL, what the judge said, raw HTML) of the run's captured article pages that were
    read by the generic fallback, thin, or doubtful: at most SAMPLE of each kind."""
    files = [Path(name) for name in run.warc_files or [] if Path(name).is_file()]
    if not files:
        return
    index = WarcIndex(files)
    judges: dict[str, PageJudge] = {}
    taken = {"fallback": 0, "thin": 0, "doubtful": 0}
    for capture in [*index.by_url.values(), *index.rendered_by_url.values()]:
        if capture.context.get("page-kind") != "article":
            continue
        response = index.response(capture)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(capture.url))
        judge = judges.get(origin)
        if judge is None:
            fingerprints = {
                f.shape: f for f in map(Fingerprint.from_record, reader.probe_fingerprints(origin))
            }
            judge = judges[origin] = PageJudge(40, probes=ProbeSet(fingerprints, SOFT404_PROBE_SIMILARITY))
        judgement = judge.judge_article(response, Listing(referrer=capture.context.get("referrer")))
        kind = (
            "thin"
            if judgement.verdict == Verdict.THIN
            else "fallback"
            if judgement.fallback
            else "doubtful"
            if judgement.reason in DOUBTFUL_REASONS or judgement.date_problems
            else None
        )
        if kind is None or taken[kind] >= SAMPLE:
            continue
        taken[kind] += 1
        said = {
            "verdict": str(judgement.verdict),
            "reason": judgement.reason,
            "date_problems": judgement.date_problems,
        }
        yield kind, capture.url, said, response.body


def _dead_during(reader: ArchiveReader, run: CrawlRun) -> dict[str, list[dict[str, Any]]]:
    """Without WARC files: the thin and doubtful dead URLs the run saw, as the archive keeps them."""
    end = run.finished_at or datetime.max.replace(tzinfo=run.started_at.tzinfo)
    seen = [dead for dead in reader.dead_urls() if run.started_at <= dead.last_seen_at <= end]
    thin = [dead for dead in seen if dead.kind == "thin"]
    doubtful = [dead for dead in seen if dead.kind == "soft404" and dead.reason in DOUBTFUL_REASONS]
    return {
        kind: [{"url": dead.url, "verdict": dead.kind, "reason": dead.reason} for dead in found[:SAMPLE]]
        for kind, found in (("thin", thin), ("doubtful", doubtful))
    }


def bundle(reader: ArchiveReader, run_id: int | None, output: Path) -> dict[str, Any]:
    """Write the bundle of a run (the latest, by default) to output; what it holds, in a few figures."""
    if output.suffixes[-2:] != [".tar", ".gz"]:
        raise BadInput(f"the report is a .tar.gz file, not {output.name!r}")
    run = reader.run(run_id)
    stats = jsonable_stats(run.stats)
    report: dict[str, Any] = {
        "run": {key: value for key, value in asdict(run).items() if key != "stats"},
        "health_failed": stats.get(keys.HEALTH_FAILED),
        "signals": signals(stats),
        "verdicts_by_reason": {str(v): reasons for v, reasons in verdict_reasons(stats).items()},
        "dead_urls_by_kind": dict(reader.dead_counts()),
        "samples": {"fallback": [], "thin": [], "doubtful": []},
        "samples_from": "the run's WARC files" if run.warc_files else "the archive: no WARC files, no HTML",
    }
    if not run.warc_files:
        report["samples"].update(_dead_during(reader, run))
    with tarfile.open(output, "w:gz") as tar:
        for kind, url, said, html in sampled_pages(run, reader):
            name = f"pages/{kind}/{len(report['samples'][kind]) + 1:03d}.html"
            report["samples"][kind].append({"file": name, "url": url, **said})
            _add(tar, name, html)
        _add(tar, "stats.json", _json(stats))
        _add(tar, "report.json", _json(report))
        _add(tar, "README.txt", (__doc__ or "").encode("utf-8"))
    return {
        "run": run.id,
        "file": str(output),
        **{kind: len(pages) for kind, pages in report["samples"].items()},
    }


def _json(value: Any) -> bytes:
    def default(item: Any) -> str:
        return item.isoformat() if isinstance(item, datetime) else str(item)

    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True, default=default).encode("utf-8")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"diagnose/{name}")
    info.size, info.mtime = len(data), int(time.time())
    tar.addfile(info, io.BytesIO(data))
