"""`chinadaily-archive export`: the articles as JSON Lines, CSV or Parquet, or the whole archive as a SQLite file; streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from crawler.cli.output import json_line, progress
from crawler.items import INTEGER_FIELDS
from pipelines.archive.errors import BadInput
from pipelines.archive.filters import Filters
from pipelines.archive.reader import LIST_COLUMNS, ArchiveReader, export_columns
from pipelines.archive.snapshot import rows_in, snapshot

FORMATS = ("jsonl", "csv", "parquet", "sqlite")
SUFFIXES = {"jsonl": "jsonl", "json": "jsonl", "ndjson": "jsonl", "csv": "csv", "parquet": "parquet"}
SUFFIXES |= {"sqlite": "sqlite", "db": "sqlite", "sqlite3": "sqlite"}


def export(
    reader: ArchiveReader,
    out: IO[str],
    filters: Filters,
    form: str | None,
    output: str | None,
    with_html: bool,
) -> None:
    form = form or _format_of(output)
    if form not in FORMATS:
        raise BadInput(f"cannot export to {form!r}: jsonl, csv, parquet or sqlite")
    if form == "sqlite":
        _export_sqlite(reader, filters, output)
        return
    columns = export_columns(with_html)
    with progress(reader.count(filters), "Exporting {:,} articles") as step:
        records = _counted(reader.iter_articles(filters, with_html=with_html), step)
        if form == "parquet":
            _export_parquet(records, columns, output)
            return
        target = open(output, "w", encoding="utf-8", newline="") if output else out  # noqa: SIM115
        try:
            if form == "jsonl":
                for record in records:
                    target.write(json_line(record) + "\n")
            else:
                writer = csv.DictWriter(target, fieldnames=columns)
                writer.writeheader()
                for record in records:
                    writer.writerow(_flat(record))
        finally:
            if target is not out:
                target.close()


def _format_of(output: str | None) -> str:
    """The format an output file's name asks for: its suffix's, else JSON Lines."""
    suffix = Path(output).suffix.lstrip(".").lower() if output else ""
    if not suffix:
        return "jsonl"
    form = SUFFIXES.get(suffix)
    if form is None:
        raise BadInput(f"cannot tell a format from {output!r}: give --format (jsonl, csv, parquet or sqlite)")
    return form


def _counted(records: Iterable[dict[str, Any]], step: Callable[[int], None]) -> Iterator[dict[str, Any]]:
    for record in records:
        step(1)
        yield record


def _export_sqlite(reader: ArchiveReader, filters: Filters, output: str | None) -> None:
    if not output:
        raise BadInput("a SQLite snapshot is written to a file: give --output FILE.db")
    if filters != Filters():
        raise BadInput("a SQLite snapshot holds the whole archive: it takes no filter")
    with progress(rows_in(reader.engine), "Copying {:,} rows") as step:
        try:
            snapshot(reader.engine, Path(output), step)
        except FileExistsError as error:
            raise BadInput(str(error)) from None


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a CSV or Parquet row: lists as JSON text, times as ISO text."""
    row = {}
    for key, value in record.items():
        if key in LIST_COLUMNS:
            row[key] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, datetime):
            row[key] = value.isoformat()
        else:
            row[key] = value
    return row


def _chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _export_parquet(records: Iterable[dict[str, Any]], columns: list[str], output: str | None) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BadInput("Parquet needs pyarrow: pip install 'chinadaily-archive[parquet]'") from None
    if not output:
        raise BadInput("Parquet is written to a file: give --output FILE.parquet")
    types = {name: pa.int64() for name in ("id", *INTEGER_FIELDS)}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in columns])
    with pq.ParquetWriter(output, schema) as writer:
        for chunk in _chunks((_flat(record) for record in records), 5_000):
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=schema))
