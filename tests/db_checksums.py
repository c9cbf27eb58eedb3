"""A checksum of every row of every table, to prove a request changed nothing (SE-02): an in-place
update that row counts would miss changes the table's checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import Base


def table_checksums(
    session: Session, *, skip_tables: frozenset[str] = frozenset(), skip_columns: Mapping[str, set[str]] = {}
) -> dict[str, str]:
    """SHA-256 of each table's rows (`SELECT *` ordered by primary key), leaving out the tables and
    the columns (by table) named."""
    session.expire_all()
    out = {}
    for table in Base.metadata.sorted_tables:
        if table.name in skip_tables:
            continue
        left_out = skip_columns.get(table.name, set())
        columns = [c for c in table.columns if c.name not in left_out]
        order = list(table.primary_key.columns) or columns
        rows = session.execute(select(*columns).order_by(*order)).all()
        out[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return out
