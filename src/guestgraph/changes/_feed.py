"""Write an entry when a guest changes in a way a downstream copy must follow; read them in order,
within the reader's data scope. A reader keeps the last `id` it processed and asks for what follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, insert, select, true, union, union_all
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import (
    ChangeKind,
    Guest,
    GuestChange,
    GuestChangeHotel,
    Hotel,
    SourceRecord,
    Stay,
    StayGuest,
)

MAX_PAGE = 1000


@dataclass(frozen=True)
class ChangeEntry:
    id: int
    guest_id: str  # the guest's public ID
    kind: str
    fields: list[str]
    other_guest_id: str | None
    changed_at: datetime


@dataclass(frozen=True)
class ChangePage:
    items: list[ChangeEntry]
    next_after: int  # pass as `after` to read on; equal to `after` when nothing new
    more: bool


def record_change(
    session: Session,
    guest: Guest,
    kind: ChangeKind,
    *,
    fields: Sequence[str] = (),
    other_public_id: str | None = None,
    source_record_id: int | None = None,
    request_id: int | None = None,
    reason: str | None = None,
    changed_by_id: int | None = None,
) -> int:
    """One entry on the feed, readable by every hotel the guest is seen at now (call it before an
    erasure removes the links)."""
    change_id = session.scalar(
        insert(GuestChange)
        .values(
            guest_id=guest.id,
            guest_public_id=guest.public_id,
            kind=kind,
            fields=sorted(fields),
            other_public_id=other_public_id,
            source_record_id=source_record_id,
            request_id=request_id,
            reason=(reason or "")[:500] or None,
            changed_by_id=changed_by_id,
        )
        .returning(GuestChange.id)
    )
    _readers(session, [int(change_id or 0)])
    return int(change_id or 0)


def record_many(session: Session, kind: ChangeKind, entries: Sequence[tuple[int, int | None]]) -> int:
    """Entries for many guests at once, (guest id, the other guest's id or None) each: the merges a
    resolve pass made (merged, survivor), or the guests one erasure removes; a few statements whatever
    the number. Call it while the guests' stays and records still name them."""
    if not entries:
        return 0
    ids = sorted({i for pair in entries for i in pair if i is not None})
    public: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        public.update(session.execute(select(Guest.id, Guest.public_id).where(Guest.id.in_(chunk))).all())
    rows: list[dict[str, object]] = [
        {
            "guest_id": guest,
            "guest_public_id": public[guest],
            "kind": kind,
            "fields": [],
            "other_public_id": public[other] if other is not None else None,
        }
        for guest, other in entries
    ]
    written = session.scalars(insert(GuestChange).returning(GuestChange.id), rows).all()
    for start in range(0, len(written), 500):
        _readers(session, list(written[start : start + 500]))
    return len(rows)


def _readers(session: Session, change_ids: list[int]) -> None:
    """Who may read each entry: the hotels its guest (and the other guest of a merge) is seen at now."""
    other = aliased(Guest)
    who = union_all(
        select(GuestChange.id.label("change_id"), GuestChange.guest_id.label("guest_id")).where(
            GuestChange.id.in_(change_ids), GuestChange.guest_id.is_not(None)
        ),
        select(GuestChange.id, other.id)
        .join(other, other.public_id == GuestChange.other_public_id)
        .where(GuestChange.id.in_(change_ids)),
    ).subquery()
    by_stay = (
        select(who.c.change_id, Stay.hotel_id)
        .join(StayGuest, StayGuest.guest_id == who.c.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
    )
    by_record = (
        select(who.c.change_id, SourceRecord.hotel_id)
        .join(SourceRecord, SourceRecord.guest_id == who.c.guest_id)
        .where(SourceRecord.hotel_id.is_not(None))
    )
    session.execute(
        insert(GuestChangeHotel).from_select(["change_id", "hotel_id"], union(by_stay, by_record))
    )


def _readable(scope: DataScope) -> ColumnElement[bool]:
    if scope.is_group:
        return true()
    return exists().where(
        GuestChangeHotel.change_id == GuestChange.id,
        GuestChangeHotel.hotel_id.in_(select(Hotel.id).where(hotel_visible(scope))),
    )


def list_changes(session: Session, *, scope: DataScope, after: int = 0, limit: int = 100) -> ChangePage:
    """The entries after `after`, oldest first, that the reader's scope may see."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = session.execute(
        select(
            GuestChange.id,
            GuestChange.guest_public_id,
            GuestChange.kind,
            GuestChange.fields,
            GuestChange.other_public_id,
            GuestChange.changed_at,
        )
        .where(GuestChange.id > after, _readable(scope))
        .order_by(GuestChange.id)
        .limit(limit + 1)
    ).all()
    items = [
        ChangeEntry(r.id, r.guest_public_id, r.kind.value, list(r.fields), r.other_public_id, r.changed_at)
        for r in rows[:limit]
    ]
    return ChangePage(items, items[-1].id if items else after, len(rows) > limit)
