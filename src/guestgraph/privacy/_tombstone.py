"""Erased source records keep a tombstone, not the source's ID of them (checklist PR-03).

The ID a source gave a record (a loyalty member number, a confirmation number, a PMS profile ID)
identifies the guest. Every path that erases a record (an erasure, its re-application after a
restore, the retention run) stores it under `pii.tombstone(ID)` instead: a keyed MAC under the
blind-index key, which no data backup holds. Ingest looks records up by both (ingest._store), so the
same version sent again is still a duplicate and does not bring the guest back.

A stay kept for accounting keeps its hotel, dates, room and amounts, but not its confirmation number
(the booking reference, which the PMS and the OTA can turn back into the person) once nobody left
on it is a guest who was not erased: it holds `pii.stay_tombstone(number)`, which whoever holds the
blind-index key can recompute from the number to reconcile the accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, exists, select, update
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import RecordStatus, SourceRecord, Stay, StayGuest

CHUNK = 5000  # records read and rewritten per round trip


def tombstone_records(session: Session, where: ColumnElement[bool]) -> int:
    """Replace the external ID of the source records matching `where` (not tombstoned yet) by its
    tombstone, in the caller's transaction. One MAC per matching record: callers pass the records
    they erase, not a whole table. Returns how many records."""
    vault = pii.vault_of(session)
    found = select(SourceRecord.id, SourceRecord.external_id).where(
        where, ~pii.is_tombstone(SourceRecord.external_id)
    )
    return _rewrite(session, SourceRecord.__table__, "external_id", found, lambda v: pii.tombstone(vault, v))


def tombstone_erased_records(session: Session) -> int:
    """Tombstone the erased records still under their source's ID: wiped before tombstones existed,
    or restored from a backup of then (the status index narrows the search to erased records)."""
    return tombstone_records(session, SourceRecord.status == RecordStatus.ERASED)


def tombstone_stays(session: Session, stay_ids: list[int]) -> int:
    """Replace the confirmation number of the stays among `stay_ids` that no guest is linked to any
    more (their guests' links were deleted by the erasure) by its tombstone. Returns how many."""
    vault = pii.vault_of(session)
    found = select(Stay.id, Stay.confirmation_number).where(
        Stay.id.in_(stay_ids),
        ~exists().where(StayGuest.stay_id == Stay.id),
        ~Stay.confirmation_number.startswith(pii.TOMBSTONE_PREFIX, autoescape=True),
    )
    return _rewrite(
        session, Stay.__table__, "confirmation_number", found, lambda v: pii.stay_tombstone(vault, v)
    )


def _rewrite(
    session: Session,
    table: object,
    column: str,
    found: Select[int, str],
    tombstone: Callable[[str], str],
) -> int:
    """Set `column` of each row `found` (its id and value) to `tombstone(value)`, CHUNK rows a round trip."""
    target = cast(Table, table)  # typed as a FromClause
    rewrite = (
        update(target).where(target.c.id == bindparam("row_id")).values({column: bindparam("tombstone")})
    )
    rows = session.execute(found).all()
    for start in range(0, len(rows), CHUNK):
        params = [{"row_id": i, "tombstone": tombstone(v)} for i, v in rows[start : start + CHUNK]]
        session.execute(rewrite, params)
    return len(rows)
