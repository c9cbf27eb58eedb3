"""Inserting many rows at once with the least work per row (bulk imports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, FromClause, Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def insert_rows(
    conn: Connection,
    into: Table | FromClause,
    rows: Sequence[dict[str, Any]],
    *,
    skip_conflicts: bool = False,
) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in one executemany; with
    `skip_conflicts`, a row that would break a unique constraint is left out (ON CONFLICT DO NOTHING).

    On SQLite the statement is written once and the values are handed to the driver as tuples,
    through each column's bind processor: the same values SQLAlchemy would bind, without its
    per-row parameter bookkeeping (a third of the time of a 2,000-row insert). Elsewhere, and for
    a table with a Python-side default that is not a constant, it is an ordinary Core insert."""
    if not rows:
        return
    table = cast(Table, into)  # a model's __table__ is typed as a FromClause
    names = list(rows[0])
    defaults = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    if conn.dialect.name != "sqlite" or any(not c.default.is_scalar for c in defaults):  # type: ignore[union-attr]
        stmt: Any = insert(table)
        if skip_conflicts:
            stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
            stmt = stmt.on_conflict_do_nothing()
        conn.execute(stmt, list(rows))
        return
    columns = [[row[name] for row in rows] for name in names]
    columns += [[c.default.arg] * len(rows) for c in defaults]  # type: ignore[union-attr]
    names += [c.name for c in defaults]
    for j, name in enumerate(names):
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if process is not None:
            columns[j] = [process(v) for v in columns[j]]
    # The names are the table's own columns, quoted; every value is bound.
    quote = conn.dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)})"
    marks = ", ".join("?" * len(names))
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    sql = f"INSERT INTO {target} VALUES ({marks}){conflicts}"  # noqa: S608  # nosec B608
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))
