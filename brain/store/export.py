"""Everything the store holds about one person, as JSON-ready rows, and its deletion.

The tables about a person are found from the schema rather than listed by hand: `people`
itself and every table with a `person_id` column, so a table added later is exported and
deleted with the rest without anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from brain.store.schema import metadata, people

EXPORT_BATCH = 5_000  # rows fetched per round trip while streaming a table


def person_tables() -> list[Table]:
    """`people` and every table keyed by person, parents before children."""
    return [t for t in metadata.sorted_tables if t is people or "person_id" in t.c]


def jsonable(value: Any) -> Any:
    """A column value as JSON can carry it: dates and times ISO, bytes hex."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def person_rows(connection: Connection, person_id: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table name, row) for every row about the person, table by table, streamed.

    Read it to the end (or close it) before using `connection` for anything else.
    """
    for table in person_tables():
        key = table.c.id if table is people else table.c.person_id
        order = list(table.primary_key.columns)
        query = select(table).where(key == person_id).order_by(*order)
        result = connection.execution_options(yield_per=EXPORT_BATCH).execute(query)
        for row in result.mappings():
            yield table.name, {column: jsonable(value) for column, value in row.items()}


def delete_person_rows(connection: Connection, person_id: int) -> dict[str, int]:
    """Delete every row about the person, children first; rows deleted per table (in the
    tables' order, `people` first)."""
    counts: dict[str, int] = {}
    for table in reversed(person_tables()):
        key = table.c.id if table is people else table.c.person_id
        counts[table.name] = connection.execute(delete(table).where(key == person_id)).rowcount
    return {table.name: counts[table.name] for table in person_tables()}
