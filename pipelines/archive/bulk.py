"""Bulk INSERTs that bind each value as SQLAlchemy would, with a fraction of its work per row.

A Core `insert()` executed with many rows builds a parameter dict per row and runs every
column's bind processor on every value: most of a backfill batch's Python time. Here the
processors are SQLAlchemy's own (so the stored values are the same), fetched once per column,
applied column by column, and skipped for the values every row shares (bound once); the
statement then goes to the driver as one executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect

_Processor = Callable[[Any], Any] | None


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
        markers = ", ".join([marker] * (len(varying) + len(shared)))
        self.sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({markers})"

    def execute(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns: list[Any] = list(zip(*rows, strict=True))
        for index, process in enumerate(self.processors):
            if process is not None:
                columns[index] = list(map(process, columns[index]))
        bound = list(zip(*columns, *(repeat(value) for value in self.shared), strict=False))
        self.connection.exec_driver_sql(self.sql, bound)
