"""The benchmark: chinadaily-archive against what a user would otherwise use, on the same pages.

    python -m benchmarks.compare [--articles 10000] [--large 50000] [--huge 200000] [--json FILE]
                                 [--memory-runs 3] [--only memory]

Serves the local copy of the site (tests/site, pages made on the fly; multi-page articles and
dead links mixed in) on 127.0.0.1 and measures, in one run:

1. crawl throughput: `scrapy crawl asia_pacific` with every pipeline and storage on, against a
   bare Scrapy spider (benchmarks/bare_spider.py) fetching the same pages, at the same concurrency
   and no delay; and the CPU time each crawl's process used per page;
2. extraction speed: our page objects against trafilatura and readability-lxml, in one process;
3. extraction quality on the labelled pages of tests/fixtures (real and written reported apart);
4. storage: rows/s batched and one row a transaction, SQLite and PostgreSQL;
5. memory: the crawl's peak RSS over --articles, --large and --huge articles (the median of
   --memory-runs crawls at each size but --huge, crawled once), and its growth in KB per article
   (goal: at most 0.3 over 10k → 50k);
6. incremental cost: the requests a re-run makes over the unchanged archive.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path
from typing import Any

import trafilatura
from readability import Document
from scrapy.http import HtmlResponse, Request

from benchmarks.storage import write_figures
from crawler.judging import PageJudge
from pipelines.similarity import words
from tests.crawling import ROOT, crawl_command
from tests.databases import postgres_unavailable
from tests.labelled import labelled_pages
from tests.site import LocalSite, SiteModel, serve

SECTION = "/world/asia_pacific"
BEIJING = timezone(timedelta(hours=8))
CONCURRENCY = {"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


OLDEST_ARTICLE = datetime(1996, 1, 1, tzinfo=UTC)
"""No article of the benchmark's section is older: a date before the site went online (1995,
crawler/pages/dates.py) is dropped as a typo, and the 200,000-article section, at the local
site's usual spacing, would reach back to 1942 with its last 140,000 articles undated."""


def site_model(articles: int) -> SiteModel:
    dead = {"soft404": 10, "hard404": 3, "redirect_home": 3, "thin": 2}
    model = SiteModel({SECTION: articles, "/world/europe": 6}, dead_links=dead)
    # Sections of up to about 56,000 articles keep the usual spacing (3 h 17 min).
    model.spacing = min(model.spacing, (model.newest - OLDEST_ARTICLE) / (articles + 1))
    return model


# --- 1, 5, 6: crawls ------------------------------------------------------------------------------


def run_process(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> resource.struct_rusage:
    """Run a command to its end, as subprocess.run(check=True), and return what it used: its
    resource usage as wait4 reads it when it ends (peak RSS, CPU time, its children's included)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return usage


def with_cpu(stats: dict[str, Any], usage: resource.struct_rusage) -> dict[str, Any]:
    """A crawl's stats, and the CPU seconds its process used (user and system, start-up included)
    as "cpu_seconds": issue 21 counts cost per page, which pages/s shows only while a crawl is
    bound by its one core."""
    return {**stats, "cpu_seconds": usage.ru_utime + usage.ru_stime}


def our_crawl(
    base_url: str,
    database_url: str,
    folder: Path,
    profile: Path | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`scrapy crawl asia_pacific` with everything on (and `settings`); its stats and CPU seconds
    (with_cpu). Under py-spy (the thread holding the GIL) if `profile` is given: its CPU seconds
    then count py-spy's too."""
    stats_file = folder / f"ours-{time.monotonic_ns()}.json"
    settings = {
        **CONCURRENCY,
        "ARCHIVE_STATS_FILE": str(stats_file),
        "LOG_LEVEL": "WARNING",
        "HEALTH_ENABLED": "0",
        **(settings or {}),
    }
    command, env = crawl_command("asia_pacific", base_url, database_url, settings=settings)
    if profile is not None:
        # --gil: only the thread holding the GIL is sampled, i.e. where Python spends its CPU.
        command = [
            "py-spy",
            "record",
            "--gil",
            "--format",
            "raw",
            "--rate",
            "200",
            "-o",
            str(profile),
            "--",
            *command,
        ]
    usage = run_process(command, ROOT, env)
    return with_cpu(json.loads(stats_file.read_text()), usage)


# Where a sampled stack is, by the first of these found in it (innermost frames first); py-spy
# names frames "function (path:line)", paths relative to sys.path.
ACTIVITIES = (
    (
        "storage (pipelines/, SQLAlchemy, the database driver)",
        ("(pipelines/", "(sqlalchemy/", "(sqlite3/", "(psycopg/"),
    ),
    (
        "extraction and judging (crawler/pages, crawler/judging, lxml, parsel)",
        (
            "(crawler/pages/",
            "(crawler/judging",
            "(crawler/probes",
            "(lxml/",
            "(parsel/",
            "(trafilatura/",
            "(justext/",
        ),
    ),
    ("the spider's walk (crawler/spiders)", ("(crawler/spiders/",)),
    (
        "Scrapy's engine, middlewares and HTTP (scrapy/, twisted/, asyncio)",
        ("(scrapy/", "(twisted/", "(asyncio/", "(scrapy_playwright/", "(w3lib/", "(tld/"),
    ),
)


def profile_figures(articles: int) -> dict[str, Any]:
    """Share of the crawl's Python CPU time (samples of the thread holding the GIL) by activity, from py-spy."""
    if shutil.which("py-spy") is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as name, serve(site_model(articles)) as (base_url, _):
        folder = Path(name)
        our_crawl(base_url, f"sqlite:///{folder}/profiled.db", folder, profile=folder / "profile.txt")
        for line in (folder / "profile.txt").read_text().splitlines():
            stack, _, samples = line.rpartition(" ")
            frames = stack.split(";")[::-1]
            activity = next(
                (
                    label
                    for frame in frames
                    for label, markers in ACTIVITIES
                    if any(marker in frame for marker in markers)
                ),
                "other (start-up, imports, logging)",
            )
            counts[activity] += int(samples)
    total = sum(counts.values()) or 1
    return {"samples": total, "shares": {label: round(n / total, 3) for label, n in counts.most_common()}}


def bare_crawl(base_url: str, folder: Path) -> dict[str, Any]:
    stats_file = folder / "bare.json"
    command = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks" / "bare_spider.py")]
    command += ["-a", f"base_url={base_url}", "-a", f"stats_file={stats_file}"]
    settings = {
        **CONCURRENCY,
        "DOWNLOAD_DELAY": "0",
        "LOG_LEVEL": "WARNING",
        "REMOTE_CONTROL_ENABLED": "False",
    }
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    # Outside the project folder: Scrapy's defaults, none of the project's settings.
    usage = run_process(command, folder)
    return with_cpu(json.loads(stats_file.read_text()), usage)


def pages_per_second(stats: dict[str, Any]) -> float:
    return float(stats["downloader/response_count"]) / float(stats["elapsed_time_seconds"])


def cpu_ms_per_page(stats: dict[str, Any]) -> float:
    return 1000 * float(stats["cpu_seconds"]) / float(stats["downloader/response_count"])


PAIRED_RUNS = 3
"""Crawls of each kind, bare then ours, one after the other: the ratio is their pairs' median."""


def crawl_figures(articles: int, rounds: int = PAIRED_RUNS) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with serve(site_model(articles)) as (base_url, site):
            runs = []
            for round_number in range(rounds):
                database_url = f"sqlite:///{folder}/archive-{round_number}.db"
                bare = bare_crawl(base_url, folder)
                ours = our_crawl(base_url, database_url, folder)
                runs.append((bare, ours))
            before = dict(site.requests)
            our_crawl(base_url, database_url, folder)
            rerun = {
                path: n - before.get(path, 0) for path, n in site.requests.items() if n > before.get(path, 0)
            }
        paired = [
            {
                "bare_pages_per_s": round(pages_per_second(bare), 1),
                "ours_pages_per_s": round(pages_per_second(ours), 1),
                "ratio": round(pages_per_second(ours) / pages_per_second(bare), 3),
                "bare_cpu_ms_per_page": round(cpu_ms_per_page(bare), 2),
                "ours_cpu_ms_per_page": round(cpu_ms_per_page(ours), 2),
                # The ratio of costs, bare over ours: the throughput ratio of two crawls each held
                # to one core, whatever the other processes on the machine take.
                "cpu_ratio": round(cpu_ms_per_page(bare) / cpu_ms_per_page(ours), 3),
            }
            for bare, ours in runs
        ]
        middle = sorted(range(rounds), key=lambda n: paired[n]["ratio"])[rounds // 2]
        bare, ours = runs[middle]
        figures["throughput"] = {
            "articles": articles,
            "pages_bare": bare["downloader/response_count"],
            "pages_ours": ours["downloader/response_count"],
            **paired[middle],
            "runs": paired,
            "articles_archived": ours.get("archive/articles_new", 0),
        }
        figures["incremental"] = {
            "articles": articles,
            "requests": sum(n for path, n in rerun.items() if path != "/robots.txt"),
            "paths": sorted(path for path in rerun if path != "/robots.txt"),
        }
    return figures


# --- 5: memory ----------------------------------------------------------------------------------------

# Peak RSS may grow by at most this much per article of the section (issue 21).
KB_PER_ARTICLE_GOAL = 0.3


def peak_rss_mb(articles: int, folder: Path, run: int = 0) -> tuple[float, int]:
    """Peak RSS of `scrapy crawl asia_pacific` (everything on, as `our_crawl`) into a fresh archive,
    over a site of `articles` articles: the process's own high-water mark, read by wait4 as it
    ends, not Scrapy's memusage/max, which samples it once a minute and misses the last one.
    With the articles the crawl archived (each run its own archive: a second crawl into the
    same one would be a re-run that fetches one page)."""
    stats_file = folder / f"memory-{articles}-{run}.json"
    with serve(site_model(articles)) as (base_url, _):
        settings = {
            **CONCURRENCY,
            "ARCHIVE_STATS_FILE": str(stats_file),
            "LOG_LEVEL": "WARNING",
            "HEALTH_ENABLED": "0",
        }
        database_url = f"sqlite:///{folder}/memory-{articles}-{run}.db"
        command, env = crawl_command("asia_pacific", base_url, database_url, settings=settings)
        usage = run_process(command, ROOT, env)
    archived = int(json.loads(stats_file.read_text()).get("archive/articles_new", 0))
    return usage.ru_maxrss / 1024, archived  # Linux reports it in KiB


def memory_figures(sizes: list[int], runs: int = 1, once: int = 0) -> dict[str, Any]:
    """Peak RSS at each section size, and its growth in KiB per article between successive sizes.

    One crawl's peak moves by up to 17 MB from run to run (docs/benchmarks.md), more than the
    growth the goal allows between 10k and 50k articles: each size is crawled `runs` times and
    its median peak taken, as the throughput's ratio is the median of its pairs; but `once`
    (--huge, a point on the trend that takes the longest) once."""
    peaks: dict[int, list[float]] = {}
    archived: dict[int, list[int]] = {}
    counts = sorted(set(sizes) | ({once} if once else set()))
    with tempfile.TemporaryDirectory() as name:
        for articles in counts:
            crawls = 1 if articles == once and articles not in sizes else runs
            measured = [peak_rss_mb(articles, Path(name), run) for run in range(max(1, crawls))]
            peaks[articles] = [mb for mb, _ in measured]
            archived[articles] = [count for _, count in measured]
    median = {count: statistics.median(peaks[count]) for count in counts}
    growth = {
        f"{low}-{high}": round((median[high] - median[low]) * 1024 / (high - low), 3)
        for low, high in pairwise(counts)
    }
    return {
        "peak_rss_mb": {str(count): round(median[count], 1) for count in counts},
        "runs_mb": {str(count): [round(mb, 1) for mb in peaks[count]] for count in counts},
        "runs_articles_archived": {str(count): archived[count] for count in counts},
        "kb_per_article": growth,
        "ratio": round(max(median.values()) / min(median.values()), 3),
    }


def memory_line(memory: dict[str, Any]) -> str:
    peaks = memory["peak_rss_mb"]
    runs = memory.get("runs_mb", {})

    def peak(count: str, mb: float) -> str:
        each = runs.get(count, [mb])
        if len(each) == 1:
            return f"{int(count):,} articles {mb} MB"
        return f"{int(count):,} articles {mb} MB (median of {', '.join(map(str, each))})"

    line = "5. peak RSS of the crawl: " + ", ".join(peak(count, mb) for count, mb in peaks.items())
    growth = list(memory["kb_per_article"].items())
    if growth:
        span, kb = growth[0]
        low, high = (f"{int(count) // 1000}k" for count in span.split("-"))
        line += f" — {kb} KB per article over {low} → {high} (goal <= {KB_PER_ARTICLE_GOAL})"
        for span, kb in growth[1:]:
            low, high = (f"{int(count) // 1000}k" for count in span.split("-"))
            line += f"; {kb} KB per article over {low} → {high}"
    return line


# --- 2, 3: extraction ---------------------------------------------------------------------------------


def ours(response: HtmlResponse) -> dict[str, Any]:
    judgement = PageJudge(40).judge_article(response)
    item = judgement.article
    if item is None:
        return {"headline": None, "authors": [], "date": None, "body": ""}
    return {
        "headline": item.headline,
        "authors": item.authors,
        "date": item.date_published,
        "body": item.article_body,
    }


def with_trafilatura(response: HtmlResponse) -> dict[str, Any]:
    document = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
    if not isinstance(document, trafilatura.settings.Document):
        return {"headline": None, "authors": [], "date": None, "body": ""}
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return {
        "headline": document.title,
        "authors": authors,
        "date": document.date,
        "body": document.text or "",
    }


def with_readability(response: HtmlResponse) -> dict[str, Any]:
    document = Document(response.text)
    body = " ".join(
        HtmlResponse(url=response.url, body=document.summary().encode(), encoding="utf-8")
        .css("::text")
        .getall()
    )
    return {"headline": document.short_title(), "authors": None, "date": None, "body": body}


EXTRACTORS = {
    "chinadaily-archive": ours,
    "trafilatura": with_trafilatura,
    "readability-lxml": with_readability,
}


def speed_pages(count: int) -> list[HtmlResponse]:
    """Article pages of the local site, straight from its page generator (no HTTP)."""
    model = site_model(count)
    site = LocalSite(model)
    pages = []
    for article in model.articles(SECTION)[:count]:
        status, _, body = site.respond(article.path())
        url = "https://www.chinadaily.com.cn" + article.path()
        pages.append(HtmlResponse(url=url, body=body, status=status, request=Request(url)))
    return pages


SPEED_ROUNDS = 3


def speed_figures(pages: list[HtmlResponse], rounds: int = SPEED_ROUNDS) -> dict[str, list[float]]:
    """Each extractor's ms per page in each of `rounds` rounds, the extractors taking turns
    within a round, each on fresh copies of the pages (a response keeps the tree it parsed)."""
    timings: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    for _ in range(rounds):
        for name, extract in EXTRACTORS.items():
            fresh = [page.replace() for page in pages]
            # Each pass starts from a collected heap: what the extractor before it left for the
            # collector made one pass of ours take twice as long as the others (timeit goes
            # further and turns the collector off).
            gc.collect()
            began = time.perf_counter()
            for page in fresh:
                extract(page)
            timings[name].append(round((time.perf_counter() - began) * 1000 / len(pages), 2))
    return timings


@dataclass
class Score:
    headline: int = 0
    authors: int = 0
    date: int = 0
    body_f1: float = 0.0
    pages: int = 0
    body_f1_min: float = 1.0
    below: list[str] = field(default_factory=list)
    """Pages whose body F1 is under BODY_F1_GOAL."""


# Every labelled page's body, not only their mean, must reach this.
BODY_F1_GOAL = 0.99


def f1(found: str, expected: str) -> float:
    got, want = Counter(words(found)), Counter(words(expected))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _day(value: Any) -> str | None:
    """The Beijing day of a time (ours, a datetime) or the day an extractor reported (text)."""
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d")
    return str(value)[:10] if value else None


def quality_figures() -> dict[str, dict[str, dict[str, Any]]]:
    """Scores on every field-labelled article page (each page of a multi-page article alone)."""
    pages = [(page, page.response()) for page in labelled_pages("article")]
    report: dict[str, dict[str, dict[str, Any]]] = {}
    for origin in ("real", "written"):
        report[origin] = {}
        for name, extract in EXTRACTORS.items():
            score = Score()
            for page, response in (pair for pair in pages if pair[0].origin == origin):
                fields = page.label["fields"]
                got = extract(response)
                score.pages += 1
                score.headline += got["headline"] == fields["headline"]
                score.authors += got["authors"] == fields["authors"]
                expected_day = _day(datetime.fromisoformat(fields["date_published"].replace("Z", "+00:00")))
                score.date += _day(got["date"]) == expected_day
                page_f1 = f1(got["body"], fields["article_body"])
                score.body_f1 += page_f1
                score.body_f1_min = min(score.body_f1_min, page_f1)
                if page_f1 < BODY_F1_GOAL:
                    score.below.append(page.name)
            report[origin][name] = {
                "pages": score.pages,
                "headline": round(score.headline / score.pages, 3),
                "authors": round(score.authors / score.pages, 3) if name != "readability-lxml" else None,
                "date": round(score.date / score.pages, 3) if name != "readability-lxml" else None,
                "body_f1": round(score.body_f1 / score.pages, 4),
                "body_f1_min": round(score.body_f1_min, 4),
                "body_f1_below_goal": score.below,
            }
    return report


# --- Report -----------------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    names = ("scrapy", "sqlalchemy", "trafilatura", "readability-lxml", "lxml", "playwright")
    found = {"python": platform.python_version()}
    found.update({name: version(name) for name in names})
    return found


def report(figures: dict[str, Any]) -> str:
    lines = [f"chinadaily-archive benchmark, {figures['date']} ({figures['machine']})"]
    throughput = figures["throughput"]
    lines.append(
        f"1. crawl of {throughput['articles']:,} articles, median of {len(throughput['runs'])} paired runs: "
        f"ours {throughput['ours_pages_per_s']} pages/s ({throughput['pages_ours']:,} pages, storage on), "
        f"bare Scrapy {throughput['bare_pages_per_s']} pages/s ({throughput['pages_bare']:,} pages) — "
        f"ratio {throughput['ratio']} (goal >= 0.9); each run, ours / bare: "
        + ", ".join(
            f"{run['ours_pages_per_s']} / {run['bare_pages_per_s']} = {run['ratio']}"
            for run in throughput["runs"]
        )
    )
    lines.append(
        "   CPU time of each crawl's process per page, ours / bare (ms; start-up included): "
        + ", ".join(
            f"{run['ours_cpu_ms_per_page']} / {run['bare_cpu_ms_per_page']} (bare / ours = {run['cpu_ratio']})"
            for run in throughput["runs"]
        )
    )
    speed = figures["extraction_ms_per_page"]
    lines.append(
        f"2. extraction, ms/page, median of {len(figures['extraction_runs']['chinadaily-archive'])} rounds: "
        + ", ".join(
            f"{name} {ms} (rounds: {', '.join(map(str, figures['extraction_runs'][name]))})"
            for name, ms in speed.items()
        )
        + f" — trafilatura / ours = {round(speed['trafilatura'] / speed['chinadaily-archive'], 1)}x (goal >= 5x)"
    )
    lines.append("3. extraction quality (share of pages right; body: mean and lowest token F1):")
    lines.append(
        f"   {'pages':<14}{'extractor':<20}{'headline':>9}{'authors':>9}{'date':>7}{'body F1':>9}{'lowest':>8}"
    )
    for origin, tools in figures["quality"].items():
        for name, score in tools.items():
            authors = "-" if score["authors"] is None else f"{score['authors']:.0%}"
            date = "-" if score["date"] is None else f"{score['date']:.0%}"
            lines.append(
                f"   {origin + ' (' + str(score['pages']) + ')':<14}{name:<20}{score['headline']:>9.0%}"
                f"{authors:>9}{date:>7}{score['body_f1']:>9.3f}{score['body_f1_min']:>8.3f}"
            )
            if name == "chinadaily-archive":
                below = score["body_f1_below_goal"]
                lines.append(
                    f"   {'':<14}every page's body F1 >= {BODY_F1_GOAL}: "
                    + ("yes" if not below else f"NO ({', '.join(below)})")
                )
    for row in figures["storage"]:
        lines.append(
            f"4. storage, {row['database']}: {row['batched_500_rows_per_s']:,} rows/s batched, "
            f"{row['one_row_per_transaction_rows_per_s']:,} rows/s one row a transaction"
        )
    lines.append(memory_line(figures["memory"]))
    incremental = figures["incremental"]
    lines.append(
        f"6. a re-run over the unchanged archive of {incremental['articles']:,} articles made "
        f"{incremental['requests']} requests ({', '.join(incremental['paths'])}), robots.txt aside"
    )
    if "profile" in figures:
        lines.append(
            "where the crawl's Python CPU time goes (py-spy --gil): "
            + (
                figures["profile"].get("error")
                or "; ".join(f"{label} {share:.0%}" for label, share in figures["profile"]["shares"].items())
            )
        )
    lines.append("versions: " + ", ".join(f"{name} {number}" for name, number in figures["versions"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--large", type=int, default=50_000, help="articles of the second memory run (0: none)"
    )
    parser.add_argument(
        "--huge", type=int, default=200_000, help="articles of the third memory run (0: none)"
    )
    parser.add_argument(
        "--memory-runs",
        type=int,
        default=3,
        help="crawls at --articles and --large, whose median peak counts (default 3; --huge: one)",
    )
    parser.add_argument("--only", choices=["memory"], help="measure only this (memory: the peak RSS crawls)")
    parser.add_argument("--speed-pages", type=int, default=300)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the storage measurement")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--profile", action="store_true", help="also profile a crawl of --articles with py-spy (needs py-spy)"
    )
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "versions": versions(),
    }
    figures["memory"] = memory_figures(
        [n for n in (args.articles, args.large) if n], runs=args.memory_runs, once=args.huge
    )
    if args.only == "memory":
        print(memory_line(figures["memory"]))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=1, default=str) + "\n")
        return figures
    figures.update(crawl_figures(args.articles))
    speed = speed_figures(speed_pages(args.speed_pages))
    figures["extraction_ms_per_page"] = {name: statistics.median(runs) for name, runs in speed.items()}
    figures["extraction_runs"] = speed
    figures["quality"] = quality_figures()
    figures["storage"] = write_figures(args.rows, with_postgres=postgres_unavailable() is None)
    if args.profile:
        figures["profile"] = profile_figures(args.articles)
    print(report(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1, default=str) + "\n")
    return figures


if __name__ == "__main__":
    main()
