"""Segments: a live count and a masked preview while the user edits, saved segments (dynamic or a
frozen snapshot of member ids) and their membership over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, insert, literal, select, update
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, guest_visible, mask_email, mask_name, mask_phone
from guestgraph.analytics._compile import compile_condition, guest_source
from guestgraph.analytics._conditions import SegmentDefinition
from guestgraph.db.models import Guest, GuestMetrics, GuestStatus, Segment, SegmentMember
from guestgraph.errors import InvalidInput, NotFound

M = GuestMetrics
KINDS = ("dynamic", "frozen")


@dataclass(frozen=True)
class SegmentGuest:
    """One guest of a preview; personal fields masked."""

    public_id: str
    name: str | None
    phone: str | None
    email: str | None
    loyalty_tier: str | None
    stage: str | None
    rfm_group: str | None
    monetary: Decimal | None


@dataclass(frozen=True)
class Preview:
    count: int
    guests: list[SegmentGuest]


@dataclass(frozen=True)
class SegmentInfo:
    id: int
    name: str
    kind: str
    definition: dict[str, Any]
    created_by: str
    created_at: datetime
    frozen_at: datetime | None
    members: int


def member_query(definition: SegmentDefinition, *, scope: DataScope, today: date) -> Select[int]:
    """The one query a segment compiles to: the ids of the active guests in scope that match."""
    where = compile_condition(definition.condition, scope=scope, today=today)
    return (
        select(Guest.id)
        .select_from(guest_source())
        .where(Guest.status == GuestStatus.ACTIVE, guest_visible(scope), where)
    )


def _rows(session: Session, ids_query: Any, size: int) -> list[SegmentGuest]:
    rows = session.execute(
        select(Guest, M.stage, M.rfm_group, M.monetary)
        .select_from(guest_source())
        .where(Guest.id.in_(ids_query))
        .order_by(func.coalesce(M.monetary, 0).desc(), Guest.id)
        .limit(size)
    ).all()
    return _masked(session, rows)


def _masked(session: Session, rows: Any) -> list[SegmentGuest]:
    sealed = pii.open_guests(pii.vault_of(session), (r[0] for r in rows))
    return [
        SegmentGuest(
            g.public_id,
            mask_name(g.full_name),
            mask_phone(sealed[g.id].phone),
            mask_email(sealed[g.id].email),
            g.loyalty_tier,
            stage,
            group,
            money,
        )
        for g, stage, group, money in rows
    ]


def preview_segment(
    session: Session, *, scope: DataScope, definition: SegmentDefinition, today: date, size: int = 20
) -> Preview:
    """How many guests match, and the first `size` of them by spend (masked). The segment is evaluated
    once: each member carries the count of all of them (a window count), then the page is taken. The
    window sits in its own subquery so that no planner orders the members by spend before it has them
    all (PostgreSQL, told to stop after 20 rows, walked every guest by spend checking their stays)."""
    _roomy(session)
    members = (
        member_query(definition, scope=scope, today=today)
        .add_columns(func.coalesce(M.monetary, 0).label("spend"), func.count().over().label("members"))
        .subquery()
    )
    page = (
        select(members.c.id, members.c.members)
        .order_by(members.c.spend.desc(), members.c.id)
        .limit(max(size, 1))
        .subquery()
    )
    rows = session.execute(
        select(Guest, M.stage, M.rfm_group, M.monetary, page.c.members)
        .select_from(guest_source().join(page, page.c.id == Guest.id))
        .order_by(func.coalesce(M.monetary, 0).desc(), Guest.id)
    ).all()
    count = int(rows[0][4]) if rows else 0
    return Preview(count, _masked(session, [r[:4] for r in rows[: max(size, 0)]]))


def _roomy(session: Session) -> None:
    """A segment may read every stay and folio line: give it 64 MB (SQLite page cache; PostgreSQL
    work_mem for this transaction) so that it hashes and sorts in memory. On PostgreSQL it is also
    planned for its own values every time: the driver prepares a statement run often on a connection,
    and after some runs PostgreSQL may keep one generic plan for every hotel, date and channel list (at
    1M guests the 5-condition preview went from 1 s to 5-6 s on its eleventh run on a connection)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
    else:
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _info(s: Segment) -> SegmentInfo:
    return SegmentInfo(s.id, s.name, s.kind, s.definition, s.created_by, s.created_at, s.frozen_at, s.members)


def _name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(
            "A segment needs a name of 1 to 100 characters.", hint="Give the segment a short name."
        )
    return name


def create_segment(
    session: Session,
    *,
    scope: DataScope,
    name: str,
    definition: SegmentDefinition,
    kind: str,
    by: str,
    today: date,
    now: datetime,
) -> SegmentInfo:
    """Save a segment; a frozen one stores its members (in the creator's scope) now, for good."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown segment kind {kind!r}.", hint="Use dynamic or frozen.")
    seg = Segment(
        name=_name(name),
        definition=definition.model_dump(mode="json"),
        kind=kind,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(seg)
    session.flush()
    ids = member_query(definition, scope=scope, today=today)
    members = ids.with_only_columns(literal(seg.id), Guest.id, literal(now))
    session.execute(insert(SegmentMember).from_select(["segment_id", "guest_id", "entered_at"], members))
    seg.members = session.scalar(select(func.count()).where(SegmentMember.segment_id == seg.id)) or 0
    if kind == "frozen":
        seg.frozen_at = now
    return _info(seg)


def _get(session: Session, segment_id: int) -> Segment:
    seg = session.get(Segment, segment_id)
    if seg is None:
        raise NotFound(f"No segment {segment_id}.", hint="Pick one from the segment list.")
    return seg


def get_segment(session: Session, segment_id: int) -> SegmentInfo:
    return _info(_get(session, segment_id))


def list_segments(session: Session) -> list[SegmentInfo]:
    return [
        _info(s)
        for s in session.scalars(select(Segment).order_by(Segment.updated_at.desc(), Segment.id.desc()))
    ]


def update_segment(
    session: Session,
    *,
    segment_id: int,
    name: str | None,
    definition: SegmentDefinition | None,
    now: datetime,
) -> SegmentInfo:
    """Rename a segment or change a dynamic segment's conditions (a snapshot's cannot change)."""
    seg = _get(session, segment_id)
    if definition is not None:
        if seg.kind == "frozen":
            raise InvalidInput(
                "A frozen snapshot's conditions cannot change.", hint="Save a new segment instead."
            )
        seg.definition = definition.model_dump(mode="json")
    if name is not None:
        seg.name = _name(name)
    seg.updated_at = now
    return _info(seg)


def delete_segment(session: Session, *, segment_id: int) -> None:
    session.delete(_get(session, segment_id))


def segment_preview(
    session: Session, *, scope: DataScope, segment_id: int, today: date, size: int = 20
) -> Preview:
    """A saved segment's members in the viewer's scope: live for dynamic, the stored ids for frozen."""
    seg = _get(session, segment_id)
    if seg.kind == "dynamic":
        return preview_segment(
            session,
            scope=scope,
            definition=SegmentDefinition.model_validate(seg.definition),
            today=today,
            size=size,
        )
    ids = (
        select(SegmentMember.guest_id)
        .join(Guest, Guest.id == SegmentMember.guest_id)
        .where(SegmentMember.segment_id == seg.id, SegmentMember.left_at.is_(None), guest_visible(scope))
    )
    count = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    return Preview(count, _rows(session, ids, size))


def refresh_dynamic_segments(conn: Connection, *, today: date, now: datetime, only: Any = None) -> int:
    """Re-evaluate every dynamic segment (group scope) and record who entered and who left; `only` (a
    SELECT of guest ids) limits it to those guests (an incremental refresh)."""
    among = [] if only is None else [Guest.id.in_(only)]
    members_among = [] if only is None else [SegmentMember.guest_id.in_(only)]
    segments = conn.execute(select(Segment.id, Segment.definition).where(Segment.kind == "dynamic")).all()
    for seg_id, doc in segments:
        ids = member_query(SegmentDefinition.model_validate(doc), scope=DataScope.group(), today=today)
        ids = ids.where(*among)
        current = (SegmentMember.segment_id == seg_id) & SegmentMember.left_at.is_(None)
        conn.execute(
            update(SegmentMember)
            .where(current, SegmentMember.guest_id.not_in(ids), *members_among)
            .values(left_at=now)
        )
        already = select(SegmentMember.guest_id).where(current)
        fresh = ids.where(Guest.id.not_in(already)).with_only_columns(literal(seg_id), Guest.id, literal(now))
        conn.execute(insert(SegmentMember).from_select(["segment_id", "guest_id", "entered_at"], fresh))
        members = select(func.count()).where(current).scalar_subquery()
        conn.execute(update(Segment).where(Segment.id == seg_id).values(members=members))
    return len(segments)
