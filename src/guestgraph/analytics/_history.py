"""Lifecycle stage history: who entered or left which stage, and when (one row per stay in a stage)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, exists, func, insert, literal, select, text, update
from sqlalchemy.orm import aliased

from guestgraph.db.models import GuestMetrics as M
from guestgraph.db.models import GuestStageHistory as H


def record_stage_changes(conn: Connection, *, as_of: date, only: Any = None) -> tuple[int, int]:
    """Close the open row of every guest whose stage changed and open one for the new stage;
    returns (rows closed now, rows open since `as_of`). `only` (a SELECT of guest ids) limits it to
    those guests (an incremental refresh: no one else's stage can have moved)."""
    today = literal(as_of, Date)
    among = [] if only is None else [H.guest_id.in_(only)]
    if only is None:
        conn.execute(text("ANALYZE guest_stage_history"))
    same = exists().where(M.guest_id == H.guest_id, M.stage == H.stage)
    closed = conn.execute(update(H).where(H.left_on.is_(None), ~same, *among).values(left_on=today)).rowcount
    last_closed = (
        select(H.guest_id, func.max(H.id).label("row_id"))
        .where(H.left_on == today)
        .group_by(H.guest_id)
        .subquery()
    )
    prev = aliased(H)
    # After the closing above, a guest's open row (if any) is in their current stage.
    still_open = select(H.guest_id).where(H.left_on.is_(None))
    source = (
        select(M.guest_id, M.stage, prev.stage, today)
        .select_from(M)
        .outerjoin(last_closed, last_closed.c.guest_id == M.guest_id)
        .outerjoin(prev, prev.id == last_closed.c.row_id)
        .where(M.guest_id.not_in(still_open), *([] if only is None else [M.guest_id.in_(only)]))
    )
    conn.execute(insert(H).from_select(["guest_id", "stage", "previous_stage", "entered_on"], source))
    opened = conn.scalar(select(func.count()).where(H.entered_on == today, H.left_on.is_(None))) or 0
    return closed, opened
