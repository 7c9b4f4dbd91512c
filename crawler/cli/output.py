"""How the `chinadaily-archive` command writes what it found: tables for people, JSON lines for scripts."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any

import click
from tabulate import tabulate


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def json_line(record: Any) -> str:
    """One record (a mapping or a dataclass) as one line of JSON."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        record = dataclasses.asdict(record)
    return json.dumps(record, ensure_ascii=False, default=_json_default)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], out: IO[str]) -> None:
    """An aligned table for people (tabulate); the last column is cut to the terminal's width."""
    cells = [[str(cell) if cell is not None else "-" for cell in row] for row in rows]
    if cells and headers:
        widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
        room = shutil.get_terminal_size((120, 24)).columns - sum(widths[:-1]) - 2 * (len(widths) - 1)
        last = max(10, room)
        cells = [[*row[:-1], row[-1] if len(row[-1]) <= last else row[-1][: last - 1] + "…"] for row in cells]
    out.write(tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True) + "\n")


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal (standard error), advanced by the step it yields; nothing
    when standard error is piped or redirected. The label is formatted with the total."""
    if not sys.stderr.isatty():
        yield lambda count: None
        return
    with click.progressbar(length=total, label=label.format(total), file=sys.stderr) as bar:
        yield bar.update
