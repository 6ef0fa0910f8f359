"""Bulk inserts through the driver's executemany, for the paths that write rows by the
hundred thousand (usage ingestion, billing runs).

SQLAlchemy's per-row parameter processing costs more than the database's own work there;
the columns' own bind converters are still applied, so rows read back exactly as the ORM
would have written them.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

CHUNK = 10_000


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_ignore: Sequence[str] = (),
) -> int:
    """Insert `rows` (tuples in `columns` order); with `on_conflict_ignore`, rows clashing
    on that unique key are skipped. Returns how many rows were inserted."""
    if not rows:
        return 0
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    converters = [table.c[name].type.bind_processor(dialect) for name in columns]
    marker = "%s" if dialect.paramstyle in ("format", "pyformat") else "?"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    if on_conflict_ignore:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in on_conflict_ignore)}) DO NOTHING"
    active = [(i, f) for i, f in enumerate(converters) if f is not None]
    values = []
    for row in rows:
        if active:
            row = list(row)
            for i, convert in active:
                if row[i] is not None:
                    row[i] = convert(row[i])
        values.append(tuple(row))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    inserted = 0
    try:
        for i in range(0, len(values), CHUNK):
            cursor.executemany(sql, values[i : i + CHUNK])
            inserted += cursor.rowcount
    finally:
        cursor.close()
    return inserted


@lru_cache(maxsize=64)
def _record_type(table: str, columns: tuple[str, ...]) -> type:
    return namedtuple(f"{table}_row", columns)  # type: ignore[misc]


def select_in(
    connection: Connection,
    table: Table,
    key: str,
    keys: Sequence[Any],
    *,
    order_by: str = "id",
    chunk: int = 500,
) -> list[Any]:
    """Rows of `table` whose `key` is in `keys`, as named tuples with every column converted
    by its type (the ORM's values), ordered by `order_by` within each chunk of keys."""
    dialect = connection.dialect
    columns = tuple(c.name for c in table.c)
    record = _record_type(table.name, columns)
    statement = select(*table.c).where(table.c[key].in_(bindparam("keys", expanding=True)))
    statement = statement.order_by(table.c[order_by])
    processors = None
    active: list[tuple[int, Any]] = []
    rows: list[Any] = []
    for i in range(0, len(keys), chunk):
        result = connection.execute(statement, {"keys": list(keys[i : i + chunk])})
        cursor_rows = result.cursor.fetchall() if result.cursor else []  # type: ignore[union-attr]
        if processors is None:
            description = result.cursor.description  # type: ignore[union-attr]
            processors = [
                table.c[name].type._cached_result_processor(dialect, desc[1])
                for name, desc in zip(columns, description, strict=True)
            ]
            active = [(j, f) for j, f in enumerate(processors) if f is not None]
        for raw in cursor_rows:
            values = list(raw)
            for j, convert in active:
                if values[j] is not None:
                    values[j] = convert(values[j])
            rows.append(record._make(values))
        result.close()
    return rows
