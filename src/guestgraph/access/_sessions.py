"""Server-side staff sessions: an opaque token in a cookie (or a bearer header), its SHA-256 in the
database, idle and absolute timeouts, and the signed-in person as a `Principal`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph.access._permissions import Permission
from guestgraph.access._scope import DataScope
from guestgraph.db.models import Role, ScopeLevel, StaffSession, StaffUser

TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Principal:
    """The signed-in member of staff, as every request sees them."""

    user_id: int
    username: str
    display_name: str
    role: str
    role_name_zh: str
    role_name_en: str
    permissions: frozenset[str]
    scope: DataScope
    session_id: int
    mfa_ok: bool

    def can(self, permission: Permission | str) -> bool:
        return str(permission) in self.permissions

    @property
    def scope_label(self) -> str:
        if self.scope.level is ScopeLevel.REGION:
            return f"region:{self.scope.region_id}"
        if self.scope.level is ScopeLevel.HOTEL:
            return "hotel:" + ",".join(str(h) for h in sorted(self.scope.hotel_ids))
        return "group"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_scope(user: StaffUser) -> DataScope:
    if user.scope_level is ScopeLevel.REGION and user.scope_region_id is not None:
        return DataScope.region(user.scope_region_id)
    if user.scope_level is ScopeLevel.HOTEL and user.scope_hotel_id is not None:
        return DataScope.hotels(user.scope_hotel_id)
    return DataScope.group()


def start_session(
    db: Session, user: StaffUser, *, now: datetime, mfa_ok: bool, ip: str | None, user_agent: str | None
) -> str:
    """Open a new session (a new token every time: no fixation) and return its token."""
    token = secrets.token_urlsafe(32)
    db.add(
        StaffSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            mfa_ok=mfa_ok,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    db.flush()
    return token


def find_session(db: Session, token: str | None) -> StaffSession | None:
    if not token:
        return None
    return db.scalar(
        select(StaffSession).where(
            StaffSession.token_hash == token_digest(token), StaffSession.ended_at.is_(None)
        )
    )


def load_principal(
    db: Session, token: str | None, *, now: datetime, policy: SessionPolicy
) -> Principal | None:
    """The person behind `token`, or None when it is unknown, ended, timed out or the user is disabled."""
    row = find_session(db, token)
    if row is None:
        return None
    user = db.get(StaffUser, row.user_id)
    if user is None or not user.is_active:
        row.ended_at = now
        return None
    if now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute:
        row.ended_at = now
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    role: Role = user.role
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=role.code,
        role_name_zh=role.name_zh,
        role_name_en=role.name_en,
        permissions=frozenset(role.permissions or ()),
        scope=user_scope(user),
        session_id=row.id,
        mfa_ok=row.mfa_ok,
    )


def end_session(db: Session, token: str | None, *, now: datetime) -> None:
    row = find_session(db, token)
    if row is not None:
        row.ended_at = now


def end_user_sessions(db: Session, user_id: int, *, now: datetime) -> int:
    result = db.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def session_user(db: Session, token: str | None) -> tuple[int, str] | None:
    """(user id, username) of a live session, pending second factor included (for the audit trail)."""
    row = find_session(db, token)
    user = db.get(StaffUser, row.user_id) if row is not None else None
    return (user.id, user.username) if user is not None else None
