"""Dual control of privileges: a role or scope change is proposed by one admin and takes effect only
when a different admin approves it (GB/T 35273 7.1, ASVS 4.0.3 4.3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access._errors import Forbidden
from guestgraph.access._users import get_user, scope_for
from guestgraph.db.models import AccessChange, AccessChangeStatus, Role, ScopeLevel, StaffUser
from guestgraph.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class PendingChange:
    id: int
    username: str
    role: str
    scope_level: str
    scope_code: str | None
    reason: str
    proposed_by: str
    proposed_at: datetime


def propose_access_change(
    db: Session,
    username: str,
    *,
    role: str,
    scope_level: str,
    scope_code: str | None,
    reason: str,
    by: str,
    now: datetime,
) -> AccessChange:
    """Record a proposed change; nothing changes until another admin approves it."""
    user = get_user(db, username)
    if not reason.strip():
        raise InvalidInput("A role or scope change needs a reason.", hint="Say why the change is needed.")
    if db.scalar(select(Role.id).where(Role.code == role)) is None:
        raise InvalidInput(f"No role {role!r}.", hint="Pick a role from the list.")
    scope_for(db, level=scope_level, code=scope_code)  # validates the code now, not at approval
    change = AccessChange(
        user_id=user.id,
        proposed_by=by,
        proposed_at=now,
        change={"role": role, "scope_level": scope_level, "scope_code": scope_code or None},
        reason=reason.strip()[:300],
    )
    db.add(change)
    db.flush()
    return change


def _pending(db: Session, change_id: int) -> AccessChange:
    change = db.get(AccessChange, change_id)
    if change is None:
        raise NotFound(
            f"No access change {change_id}.", hint="See the pending changes on the Administration page."
        )
    if change.status is not AccessChangeStatus.PENDING:
        raise Conflict(f"Access change {change_id} was already {change.status.value}.", hint="Nothing to do.")
    return change


def approve_access_change(db: Session, change_id: int, *, by: str, now: datetime) -> StaffUser:
    """Apply a pending change; the proposer cannot approve their own proposal."""
    change = _pending(db, change_id)
    if change.proposed_by == by:
        raise Forbidden(
            "You proposed this change; a second admin must approve it.", hint="Ask another admin."
        )
    user = db.get(StaffUser, change.user_id)
    assert user is not None  # noqa: S101 - foreign key
    wanted = change.change
    scope = scope_for(db, level=str(wanted["scope_level"]), code=wanted.get("scope_code"))  # type: ignore[arg-type]
    role = db.scalar(select(Role).where(Role.code == wanted["role"]))
    if role is None:
        raise InvalidInput(f"The role {wanted['role']!r} no longer exists.", hint="Reject this change.")
    user.role_id = role.id
    user.scope_level = scope.level
    user.scope_region_id = scope.region_id if scope.level is ScopeLevel.REGION else None
    user.scope_hotel_id = min(scope.hotel_ids) if scope.level is ScopeLevel.HOTEL else None
    change.status, change.decided_by, change.decided_at = AccessChangeStatus.APPROVED, by, now
    return user


def reject_access_change(db: Session, change_id: int, *, by: str, now: datetime) -> None:
    change = _pending(db, change_id)
    change.status, change.decided_by, change.decided_at = AccessChangeStatus.REJECTED, by, now


def pending_access_changes(db: Session) -> list[PendingChange]:
    rows = db.execute(
        select(AccessChange, StaffUser.username)
        .join(StaffUser, StaffUser.id == AccessChange.user_id)
        .where(AccessChange.status == AccessChangeStatus.PENDING)
        .order_by(AccessChange.proposed_at)
    ).all()
    return [
        PendingChange(
            id=c.id,
            username=username,
            role=str(c.change.get("role")),
            scope_level=str(c.change.get("scope_level")),
            scope_code=c.change.get("scope_code"),  # type: ignore[arg-type]
            reason=c.reason,
            proposed_by=c.proposed_by,
            proposed_at=c.proposed_at,
        )
        for c, username in rows
    ]
