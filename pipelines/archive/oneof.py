"""`column IN (values)` with the values as one bound parameter: what a batch's look-ups by URL and id use.

SQLAlchemy's `in_()` binds each value as its own parameter: for a batch of 500 URLs it coerces
and renders 500 of them per query, PostgreSQL plans a query of 500 parameters each time, and
each new number of values is a new statement text, which SQLite's driver prepares and keeps
(its last 128 per connection; 128 of 300-500 values each hold 10 MB). Here the list is one
parameter: a JSON array that SQLite reads with json_each, an array that PostgreSQL compares
with `= ANY`. The rows found are the same, and the statement is one whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)` as one parameter, whatever the number of values."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    listed = func.json_each(bindparam(None, list(values), type_=JSON())).table_valued("value")
    return column.in_(select(listed.c.value))  # type: ignore[no-any-return]
