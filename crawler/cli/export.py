"""`chinadaily-archive export`: the articles as JSON Lines, CSV or Parquet, streamed so that memory stays flat."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from crawler.cli.output import json_line
from crawler.items import LIST_FIELDS
from pipelines.archive.reader import ArchiveReader, BadInput, Filters, export_columns

FORMATS = ("jsonl", "csv", "parquet")


def export(reader: ArchiveReader, filters: Filters, args: argparse.Namespace, out: IO[str]) -> None:
    form = args.format or (Path(args.output).suffix.lstrip(".") if args.output else "jsonl")
    form = {"json": "jsonl", "ndjson": "jsonl"}.get(form, form)
    if form not in FORMATS:
        raise BadInput(f"cannot export to {form!r}: jsonl, csv or parquet")
    columns = export_columns(args.with_html)
    records = reader.iter_articles(filters, with_html=args.with_html)
    if form == "parquet":
        _export_parquet(records, columns, args.output)
        return
    target = open(args.output, "w", encoding="utf-8", newline="") if args.output else out  # noqa: SIM115
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


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a CSV or Parquet row: lists as JSON text, times as ISO text."""
    row = {}
    for key, value in record.items():
        if key in LIST_FIELDS:
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
    types = {"id": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in columns])
    with pq.ParquetWriter(output, schema) as writer:
        for chunk in _chunks((_flat(record) for record in records), 5_000):
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=schema))
