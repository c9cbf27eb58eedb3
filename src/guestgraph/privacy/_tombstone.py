"""Erased source records keep a tombstone, not the source's ID of them (checklist PR-03).

The ID a source gave a record (a loyalty member number, a confirmation number, a PMS profile ID)
identifies the guest. Every path that erases a record (an erasure, its re-application after a
restore, the retention run) stores it under `pii.tombstone(ID)` instead: a keyed MAC under the
blind-index key, which no data backup holds. Ingest looks records up by both (ingest._store), so the
same version sent again is still a duplicate and does not bring the guest back.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, select, update
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import RecordStatus, SourceRecord

CHUNK = 5000  # records read and rewritten per round trip


def tombstone_records(session: Session, where: ColumnElement[bool]) -> int:
    """Replace the external ID of the source records matching `where` (not tombstoned yet) by its
    tombstone, in the caller's transaction. One MAC per matching record: callers pass the records
    they erase, not a whole table. Returns how many records."""
    vault = pii.vault_of(session)
    table = cast(Table, SourceRecord.__table__)  # typed as a FromClause
    rewrite = (
        update(table).where(table.c.id == bindparam("record_id")).values(external_id=bindparam("tombstone"))
    )
    query = select(SourceRecord.id, SourceRecord.external_id).where(
        where, ~pii.is_tombstone(SourceRecord.external_id)
    )
    rows = session.execute(query).all()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = [{"record_id": r.id, "tombstone": pii.tombstone(vault, r.external_id)} for r in chunk]
        session.execute(rewrite, params)
    return len(rows)


def tombstone_erased_records(session: Session) -> int:
    """Tombstone the erased records still under their source's ID: wiped before tombstones existed,
    or restored from a backup of then (the status index narrows the search to erased records)."""
    return tombstone_records(session, SourceRecord.status == RecordStatus.ERASED)
