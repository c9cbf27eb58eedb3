"""Searching the log for the audit page: by user, guest, action and time, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph.audit._event import AuditEvent, decode, parse_time
from guestgraph.db.models import AuditEventRow
from guestgraph.paging import Page, PageRequest


@dataclass(frozen=True)
class AuditRecord:
    """A stored event as its bytes say (the search columns only select it)."""

    seq: int
    time: datetime
    event: AuditEvent


def search_events(
    session: Session,
    *,
    user: int | str | None = None,
    guest: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    paging: PageRequest,
) -> Page[AuditRecord]:
    """`user` is a staff user id (int) or a username as typed (str, also for failed logins of unknown
    names); `guest` a guest public id; `action` an exact action, or a prefix ending in "." ("guest.").
    `since` is inclusive, `until` exclusive."""
    where: list[ColumnElement[bool]] = []
    if isinstance(user, int):
        where.append(AuditEventRow.actor_user_id == user)
    elif user is not None:
        where.append(AuditEventRow.actor_username == user)
    if guest is not None:
        where.append(AuditEventRow.guest_public_id == guest)
    if action is not None:
        if action.endswith("."):
            where.append(AuditEventRow.action.startswith(action, autoescape=True))
        else:
            where.append(AuditEventRow.action == action)
    if since is not None:
        where.append(AuditEventRow.occurred_at >= since.astimezone(UTC))  # SQLite compares text in UTC
    if until is not None:
        where.append(AuditEventRow.occurred_at < until.astimezone(UTC))
    total = session.scalar(select(func.count()).select_from(AuditEventRow).where(*where)) or 0
    payloads = session.scalars(
        select(AuditEventRow.payload)
        .where(*where)
        .order_by(AuditEventRow.seq.desc())
        .offset(paging.offset)
        .limit(paging.size)
    )
    items = [_to_record(decode(bytes(p))) for p in payloads]
    return Page(items=items, total=total, page=paging.page, size=paging.size)


def _to_record(body: dict[str, Any]) -> AuditRecord:
    seq, moment = body.pop("seq"), parse_time(body.pop("time"))
    return AuditRecord(seq=seq, time=moment, event=AuditEvent(**body))
