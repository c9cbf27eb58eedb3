"""SQL that reads the same on SQLite and PostgreSQL: whole points of an amount, a date's midnight.
(The nights between two dates are `analytics.days_between`.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement


class whole_points(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """An amount × rate cut to whole points toward zero (a refund line takes back what it earned)."""

    type = BigInteger()
    inherit_cache = True


class day_start(FunctionElement[Any]):  # noqa: N801
    """Midnight (UTC) at the start of a date, as a timestamp."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(whole_points)
def _points_pg(element: whole_points, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = list(element.clauses)
    return f"CAST(TRUNC({compiler.process(x, **kw)}) AS BIGINT)"


@compiles(whole_points, "sqlite")
def _points_sqlite(element: whole_points, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = list(element.clauses)  # amounts are floating point in SQLite: 0.57 × 100 is 56.99999…
    return f"CAST(ROUND({compiler.process(x, **kw)}, 6) AS INTEGER)"


@compiles(day_start)
def _day_start_pg(element: day_start, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = list(element.clauses)
    return f"(CAST({compiler.process(x, **kw)} AS TIMESTAMP) AT TIME ZONE 'UTC')"


@compiles(day_start, "sqlite")
def _day_start_sqlite(element: day_start, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = list(element.clauses)
    return f"datetime({compiler.process(x, **kw)})"


def count_inserted(session: Session, statement: Any) -> int:
    """Run an INSERT … SELECT and count its rows (by RETURNING: SQLite's driver reports no row count
    for an INSERT that starts WITH a common table expression)."""
    table = statement.table
    return len(
        session.execute(statement.returning(table.c[next(iter(table.primary_key.columns)).name])).all()
    )
