"""Bulk INSERTs that bind each value as SQLAlchemy would, with a fraction of its work per row.

A Core `insert()` executed with many rows builds a parameter dict per row and runs every
column's bind processor on every value: most of a backfill batch's Python time. Here the
processors are SQLAlchemy's own (so the stored values are the same), fetched once per column,
applied column by column, and skipped for the values every row shares (bound once).

PostgreSQL takes the rows as one executemany. SQLite takes them as multi-row VALUES statements:
every statement that fires the search index's trigger opens a savepoint, and SQLite's FTS5 (3.40,
Debian 12's) writes its pending terms to disk at each one. One statement a row flushed the index
once a row, a quarter of a batch's time (docs/archive.md, on the archive's speed). The statements
hold 256 rows, then the powers of two the rest of the batch adds up to: at most nine texts a
table, whatever the batch sizes, so that the driver's cache of prepared statements does not
fill with one text per size.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect

_Processor = Callable[[Any], Any] | None

MOST_ROWS_A_STATEMENT = 256
"""SQLite: the largest multi-row INSERT, in rows (fewer where its bound-parameter limit says so)."""


def _bind_processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to a Python value of the column before the driver gets it."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


class BulkInsert:
    """One INSERT statement into a table, for many rows: `varying` names the columns each row
    gives, in order; `shared` the values every row has."""

    def __init__(
        self, connection: Connection, table: Table, varying: Sequence[str], shared: Mapping[str, Any]
    ) -> None:
        dialect = connection.dialect
        self.connection = connection
        self.processors = [_bind_processor(table.c[name], dialect) for name in varying]
        self.shared: list[Any] = []
        for name, value in shared.items():
            process = _bind_processor(table.c[name], dialect)
            self.shared.append(process(value) if process else value)
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in [*varying, *shared])
        # The positional markers of the archive's two drivers: sqlite3's and psycopg's.
        markers_of = {"qmark": "?", "format": "%s", "pyformat": "%s"}
        if dialect.paramstyle not in markers_of:
            raise NotImplementedError(f"bulk INSERTs for paramstyle {dialect.paramstyle!r}")
        marker = markers_of[dialect.paramstyle]
        self.row_markers = "(" + ", ".join([marker] * (len(varying) + len(shared))) + ")"
        self.sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES "
        self.most_rows = 1
        driver = connection.connection.driver_connection
        if dialect.name == "sqlite" and driver is not None:
            fit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // (len(varying) + len(shared))
            while self.most_rows * 2 <= min(fit, MOST_ROWS_A_STATEMENT):
                self.most_rows *= 2

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns: list[Any] = list(zip(*rows, strict=True))
        for index, process in enumerate(self.processors):
            if process is not None:
                columns[index] = list(map(process, columns[index]))
        bound = list(zip(*columns, *(repeat(value) for value in self.shared), strict=False))
        if self.most_rows == 1:
            self.connection.exec_driver_sql(self.sql + self.row_markers, bound)
            return
        start = 0
        for size in statement_sizes(len(bound), self.most_rows):
            values = ", ".join([self.row_markers] * size)
            chunk = bound[start : start + size]
            self.connection.exec_driver_sql(self.sql + values, tuple(chain.from_iterable(chunk)))
            start += size


def statement_sizes(rows: int, most: int) -> list[int]:
    """How many rows each statement takes: `most` (a power of two) while enough are left, then
    the powers of two that add up to the rest, largest first."""
    sizes = [most] * (rows // most)
    size = most // 2
    rest = rows % most
    while rest:
        if rest >= size:
            sizes.append(size)
            rest -= size
        size //= 2
    return sizes
