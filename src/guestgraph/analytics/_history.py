"""Lifecycle stage history: who entered or left which stage, and when (one row per stay in a stage)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Date, exists, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from guestgraph.db.models import GuestMetrics as M
from guestgraph.db.models import GuestStageHistory as H


def record_stage_changes(conn: Connection, *, as_of: date) -> tuple[int, int]:
    """Close the open row of every guest whose stage changed and open one for the new stage;
    returns (rows closed, rows opened)."""
    today = literal(as_of, Date)
    same = exists().where(M.guest_id == H.guest_id, M.stage == H.stage)
    closed = conn.execute(update(H).where(H.left_on.is_(None), ~same).values(left_on=today)).rowcount
    prev = aliased(H)
    previous = (
        select(prev.stage)
        .where(prev.guest_id == M.guest_id, prev.left_on.is_not(None))
        .order_by(prev.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    still_open = exists().where(H.guest_id == M.guest_id, H.left_on.is_(None), H.stage == M.stage)
    source = select(M.guest_id, M.stage, previous, today).where(~still_open)
    opened = conn.scalar(select(func.count()).select_from(source.subquery())) or 0
    conn.execute(insert(H).from_select(["guest_id", "stage", "previous_stage", "entered_on"], source))
    return closed, opened
