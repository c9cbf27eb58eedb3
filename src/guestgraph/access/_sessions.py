"""Server-side staff sessions: an opaque token in a cookie (or a bearer header), its SHA-256 in the
database, idle and absolute timeouts, and the signed-in person as a `Principal`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select, update
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
    return _scope(user.scope_level, user.scope_region_id, user.scope_hotel_id)


def _scope(level: ScopeLevel, region_id: int | None, hotel_id: int | None) -> DataScope:
    if level is ScopeLevel.REGION and region_id is not None:
        return DataScope.region(region_id)
    if level is ScopeLevel.HOTEL and hotel_id is not None:
        return DataScope.hotels(hotel_id)
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


@cache
def _principal_query() -> Select[*tuple[Any, ...]]:
    """A live session with its user and role, in one statement (built once: every request asks)."""
    return (
        select(
            StaffSession.id,
            StaffSession.last_seen_at,
            StaffSession.created_at,
            StaffSession.mfa_ok,
            StaffUser.id,
            StaffUser.is_active,
            StaffUser.username,
            StaffUser.display_name,
            StaffUser.scope_level,
            StaffUser.scope_region_id,
            StaffUser.scope_hotel_id,
            Role.code,
            Role.name_zh,
            Role.name_en,
            Role.permissions,
        )
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .join(Role, Role.id == StaffUser.role_id)
        .where(StaffSession.token_hash == bindparam("token_hash"), StaffSession.ended_at.is_(None))
    )


def load_principal(
    db: Session, token: str | None, *, now: datetime, policy: SessionPolicy
) -> Principal | None:
    """The person behind `token`, or None when it is unknown, ended, timed out or the user is disabled
    (the session is then ended). One read per request; a write only to end the session or to touch
    its last-seen time (at most every `TOUCH_EVERY`)."""
    if not token:
        return None
    found = db.execute(_principal_query(), {"token_hash": token_digest(token)}).first()
    if found is None:
        return None
    (sid, last_seen, created, mfa_ok, uid, active, username, display, level, region, hotel, *role) = found
    if not active or now - last_seen > policy.idle or now - created > policy.absolute:
        db.execute(update(StaffSession).where(StaffSession.id == sid).values(ended_at=now))
        return None
    if now - last_seen > TOUCH_EVERY:
        db.execute(update(StaffSession).where(StaffSession.id == sid).values(last_seen_at=now))
    code, name_zh, name_en, permissions = role
    return Principal(
        user_id=uid,
        username=username,
        display_name=display,
        role=code,
        role_name_zh=name_zh,
        role_name_en=name_en,
        permissions=frozenset(permissions or ()),
        scope=_scope(level, region, hotel),
        session_id=sid,
        mfa_ok=mfa_ok,
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
