"""Attach a record to the guest a staff member acted on (a correction of the guest's details), so that
it counts for that guest at once and in every later resolve pass."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph.db.models import GuestMention, SourceRecord
from guestgraph.errors import Conflict
from guestgraph.identity._golden import refresh_golden
from guestgraph.identity._merges import _decide, _keys


def attach_record(
    session: Session, *, guest_id: int, source_record_id: int, rule: str, decided_by: str, reason: str
) -> None:
    """Point the record and its first person at the guest, record the link as a steward decision (a
    resolve pass honours it like a merge), and bring the guest's golden values up to date."""
    mention = session.scalar(
        select(GuestMention.id).where(
            GuestMention.source_record_id == source_record_id, GuestMention.person_index == 0
        )
    )
    if mention is None:
        raise Conflict(
            f"Record {source_record_id} names no person to attach.",
            hint="The correction was stored without a person; check the quarantine.",
        )
    session.execute(update(SourceRecord).where(SourceRecord.id == source_record_id).values(guest_id=guest_id))
    session.execute(
        update(GuestMention).where(GuestMention.id == mention).values(guest_id=guest_id, link_rule=rule)
    )
    keys = _keys(session, [guest_id])
    new, held = keys.pop(mention), sorted(keys.values())
    if held:
        _decide(session, [(held[0], new)], {held[0]: guest_id, new: guest_id}, "accepted", decided_by, reason)
    refresh_golden(session, guest_ids=[guest_id])
