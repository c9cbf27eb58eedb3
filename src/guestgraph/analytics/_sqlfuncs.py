"""Date arithmetic that reads the same in SQLite and PostgreSQL (dates are ISO text in SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement


class days_between(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """Whole days from the first date to the second (`b - a`)."""

    type = Integer()
    inherit_cache = True


class day_of_week(FunctionElement[int]):  # noqa: N801
    """0 = Sunday … 6 = Saturday."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"({compiler.process(b, **kw)} - {compiler.process(a, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"CAST(julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)}) AS INTEGER)"


@compiles(day_of_week)
def _dow_pg(element: day_of_week, compiler: SQLCompiler, **kw: Any) -> str:
    (a,) = list(element.clauses)
    return f"CAST(EXTRACT(dow FROM {compiler.process(a, **kw)}) AS INTEGER)"


@compiles(day_of_week, "sqlite")
def _dow_sqlite(element: day_of_week, compiler: SQLCompiler, **kw: Any) -> str:
    (a,) = list(element.clauses)
    return f"CAST(strftime('%w', {compiler.process(a, **kw)}) AS INTEGER)"


def _weekend_before(x: ColumnElement[int]) -> ColumnElement[int]:
    """Friday and Saturday nights among days 0 … x-1 of a week counted from Sunday = 0."""
    rest = x % 7
    return (x // 7) * 2 + case((rest > 5, rest - 5), else_=literal(0))


def weekend_nights(start_dow: ColumnElement[int], nights: ColumnElement[int]) -> ColumnElement[int]:
    """Friday and Saturday nights in `nights` nights from a day `start_dow` (closed form, no calendar)."""
    return _weekend_before(start_dow + nights) - _weekend_before(start_dow)


def least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The smaller of two values (portable: SQLite has no LEAST)."""
    return case((a <= b, a), else_=b)


class month_of(FunctionElement[int]):  # noqa: N801
    """The month (1–12) of a date."""

    type = Integer()
    inherit_cache = True


@compiles(month_of)
def _month_pg(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (a,) = list(element.clauses)
    return f"CAST(EXTRACT(month FROM {compiler.process(a, **kw)}) AS INTEGER)"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (a,) = list(element.clauses)
    return f"CAST(strftime('%m', {compiler.process(a, **kw)}) AS INTEGER)"
