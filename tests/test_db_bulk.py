"""db.insert_rows: a bulk insert stores exactly what a Core insert stores (types, defaults, conflicts)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, Numeric, String, Table, insert, text

from guestgraph.db import insert_rows
from guestgraph.db.models._base import UtcDateTime

metadata = MetaData()
bulk_probe = Table(
    "bulk_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("seen_at", UtcDateTime, nullable=False),
    Column("flag", Boolean, nullable=False, default=True),  # a Python-side default, not sent
    Column("amount", Numeric(14, 2)),
    Column("note", String(40)),
)


def test_insert_rows_stores_what_a_core_insert_stores(engine: Engine) -> None:
    at = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {"code": f"{kind}-{n}", "seen_at": at, "amount": Decimal("12.50") if n else None, "note": None}
        for kind in ("core", "bulk")
        for n in range(3)
    ]
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(bulk_probe), rows[:3])
            insert_rows(conn, bulk_probe, rows[3:])
            insert_rows(conn, bulk_probe, [dict(rows[3], note="again")], skip_conflicts=True)  # kept out
            stored = conn.execute(
                text("SELECT code, seen_at, flag, amount, note FROM bulk_probe ORDER BY id")
            ).all()
        core, bulk = stored[:3], stored[3:]
        assert len(bulk) == 3 and [r[0] for r in bulk] == ["bulk-0", "bulk-1", "bulk-2"]
        assert [r[1:] for r in core] == [r[1:] for r in bulk]  # the same stored form, default included
        assert bulk[0][1:] == core[0][1:] and bulk[1][3] in (Decimal("12.50"), 12.5)
    finally:
        metadata.drop_all(engine)
