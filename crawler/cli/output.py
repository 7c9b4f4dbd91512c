"""How the `chinadaily-archive` command writes what it found: tables for people, JSON lines for scripts."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any


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
    """Columns padded to their widths; the last column is cut to the terminal's width."""
    cells = [[str(cell) if cell is not None else "-" for cell in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    room = shutil.get_terminal_size((120, 24)).columns - sum(widths[:-1]) - 2 * (len(widths) - 1)
    widths[-1] = max(10, min(widths[-1], room))

    def line(values: Sequence[str]) -> str:
        fitted = [
            value if len(value) <= width else value[: width - 1] + "…"
            for value, width in zip(values, widths, strict=True)
        ]
        return "  ".join(value.ljust(width) for value, width in zip(fitted, widths, strict=True)).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * width for width in widths]) + "\n")
    for row in cells:
        out.write(line(row) + "\n")
