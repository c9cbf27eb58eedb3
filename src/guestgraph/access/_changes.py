"""Dual control of privileges (GB/T 35273 7.1, ASVS 4.0.3 4.3.3): one admin proposes, a different admin
approves, and only then does anything change. It covers a user's role and data scope, a new account
(created at approval with its role, scope and e-mail; its password link is mailed to the new user), a
role's exemption from the second factor, resetting a user's second factor, re-enabling a disabled
account and the e-mail address that reset links go to. Taking privilege away (disabling an account,
requiring the second factor again) needs one admin and applies at once.

The one exception is the bootstrap: while no active admin exists nobody could approve, so
`create_first_admin` creates an admin directly; its caller records that in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access._errors import Forbidden
from guestgraph.access._reset_mail import ResetMail, ResetSent, send_password_reset
from guestgraph.access._users import (
    MFA_MANDATORY_ROLES,
    NewUser,
    create_user,
    get_user,
    reset_second_factor,
    scope_for,
    set_active,
    set_role_mfa,
)
from guestgraph.cleanse import CleanseError, parse_email
from guestgraph.db.models import (
    AccessChange,
    AccessChangeKind,
    AccessChangeStatus,
    Role,
    ScopeLevel,
    StaffUser,
)
from guestgraph.errors import Conflict, InvalidInput, NotFound

Kind = AccessChangeKind
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    email: str
    role: str
    scope_level: str
    scope_code: str | None = None


@dataclass(frozen=True)
class PendingChange:
    id: int
    kind: str
    username: str | None  # the account concerned (a new account's name too); None for a role
    role: str | None  # the role asked for, or the role to exempt from the second factor
    scope_level: str | None
    scope_code: str | None
    email: str | None
    display_name: str | None
    reason: str
    proposed_by: str
    proposed_at: datetime


@dataclass(frozen=True)
class Decision:
    """An approved change: what it was, whom or which role it concerned, and a link that was mailed."""

    change_id: int
    kind: Kind
    subject: str
    sent: ResetSent | None = None


def _file(
    db: Session,
    kind: Kind,
    *,
    user_id: int | None,
    change: dict[str, Any],
    reason: str,
    by: str,
    now: datetime,
) -> AccessChange:
    if not reason.strip():
        raise InvalidInput(
            "A change that a second admin approves needs a reason.", hint="Say why the change is needed."
        )
    row = AccessChange(
        kind=kind,
        user_id=user_id,
        proposed_by=by,
        proposed_at=now,
        change=change,
        reason=reason.strip()[:300],
    )
    db.add(row)
    db.flush()
    return row


def _known_role(db: Session, code: str) -> Role:
    role = db.scalar(select(Role).where(Role.code == code))
    if role is None:
        raise InvalidInput(f"No role {code!r}.", hint="Pick a role from the list.")
    return role


def _address(raw: str) -> str:
    try:
        email = parse_email(raw)
    except CleanseError as e:
        raise InvalidInput(e.message, hint="Write it as name@example.com.") from e
    if email.kind in ("placeholder", "ota_relay"):
        raise InvalidInput(
            f"{email.address} cannot receive a password link.", hint="Give the staff member's own address."
        )
    return email.address


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
    """Record a proposed role and scope for a user; nothing changes until another admin approves."""
    user = get_user(db, username)
    _known_role(db, role)
    scope_for(db, level=scope_level, code=scope_code)  # validates the code now, not at approval
    wanted = {"role": role, "scope_level": scope_level, "scope_code": scope_code or None}
    return _file(db, Kind.ROLE_SCOPE, user_id=user.id, change=wanted, reason=reason, by=by, now=now)


def _username_free(db: Session, username: str) -> None:
    if db.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise Conflict(f"A user called {username!r} exists already.", hint="Pick another username.")
    waiting = db.scalars(
        select(AccessChange.change).where(
            AccessChange.kind == Kind.NEW_ACCOUNT, AccessChange.status == AccessChangeStatus.PENDING
        )
    )
    if any(c.get("username") == username for c in waiting):
        raise Conflict(
            f"An account called {username!r} is already waiting for approval.",
            hint="Approve or reject that request, or pick another username.",
        )


def propose_new_account(
    db: Session, account: NewAccount, *, reason: str, by: str, now: datetime
) -> AccessChange:
    """Request an account with its role, scope and e-mail; a second admin's approval creates it."""
    username, name = account.username.strip(), account.display_name.strip()
    if not username or len(username) > 80:
        raise InvalidInput("username: 1 to 80 characters.", hint="Use the staff member's login name.")
    if not name or len(name) > 100:
        raise InvalidInput("name: 1 to 100 characters.", hint="Give the staff member's name.")
    _username_free(db, username)
    _known_role(db, account.role)
    scope_for(db, level=account.scope_level, code=account.scope_code)
    wanted = {
        "username": username,
        "display_name": name,
        "email": _address(account.email),
        "role": account.role,
        "scope_level": account.scope_level,
        "scope_code": account.scope_code or None,
    }
    return _file(db, Kind.NEW_ACCOUNT, user_id=None, change=wanted, reason=reason, by=by, now=now)


def propose_mfa_exemption(
    db: Session, role_code: str, *, reason: str, by: str, now: datetime
) -> AccessChange:
    """Request that a role may sign in without a second factor (never admin or compliance)."""
    role = _known_role(db, role_code)
    if role.code in MFA_MANDATORY_ROLES:
        raise Forbidden(
            f"The {role.code} role cannot be exempted from the second factor.",
            hint="It guards the most sensitive data.",
        )
    if not role.mfa_required:
        raise Conflict(f"The {role.code} role is exempt already.", hint="Nothing to do.")
    return _file(
        db, Kind.MFA_EXEMPTION, user_id=None, change={"role": role.code}, reason=reason, by=by, now=now
    )


def propose_mfa_reset(db: Session, username: str, *, reason: str, by: str, now: datetime) -> AccessChange:
    """Request that a user's authenticator is forgotten (they set up a new one at their next sign-in)."""
    user = get_user(db, username)
    return _file(db, Kind.MFA_RESET, user_id=user.id, change={}, reason=reason, by=by, now=now)


def propose_reenable(db: Session, username: str, *, reason: str, by: str, now: datetime) -> AccessChange:
    user = get_user(db, username)
    if user.is_active:
        raise Conflict(f"The account {username} is active already.", hint="Nothing to do.")
    return _file(db, Kind.REENABLE, user_id=user.id, change={}, reason=reason, by=by, now=now)


def propose_email(
    db: Session, username: str, email: str, *, reason: str, by: str, now: datetime
) -> AccessChange:
    """Request a new address for a user's password links (whoever holds it can reset the password)."""
    user = get_user(db, username)
    wanted = {"email": _address(email)}
    return _file(db, Kind.EMAIL, user_id=user.id, change=wanted, reason=reason, by=by, now=now)


def _pending(db: Session, change_id: int) -> AccessChange:
    change = db.get(AccessChange, change_id)
    if change is None:
        raise NotFound(
            f"No access change {change_id}.", hint="See the pending changes on the Administration page."
        )
    if change.status is not AccessChangeStatus.PENDING:
        raise Conflict(f"Access change {change_id} was already {change.status.value}.", hint="Nothing to do.")
    return change


def _user_of(db: Session, change: AccessChange) -> StaffUser:
    user = db.get(StaffUser, change.user_id) if change.user_id is not None else None
    assert user is not None  # noqa: S101 - foreign key; every kind but two names a user
    return user


Apply = Callable[[Session, AccessChange, str, datetime, ResetMail], Decision]


def _apply_role_scope(db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail) -> Decision:
    user, wanted = _user_of(db, change), change.change
    scope = scope_for(db, level=str(wanted["scope_level"]), code=wanted.get("scope_code"))  # type: ignore[arg-type]
    role = db.scalar(select(Role).where(Role.code == wanted["role"]))
    if role is None:
        raise InvalidInput(f"The role {wanted['role']!r} no longer exists.", hint="Reject this change.")
    user.role_id = role.id
    user.scope_level = scope.level
    user.scope_region_id = scope.region_id if scope.level is ScopeLevel.REGION else None
    user.scope_hotel_id = min(scope.hotel_ids) if scope.level is ScopeLevel.HOTEL else None
    return Decision(change.id, change.kind, user.username)


def _apply_new_account(
    db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail
) -> Decision:
    wanted = change.change
    scope = scope_for(db, level=str(wanted["scope_level"]), code=wanted.get("scope_code"))  # type: ignore[arg-type]
    spec = NewUser(
        username=str(wanted["username"]),
        display_name=str(wanted["display_name"]),
        role=str(wanted["role"]),
        scope=scope,
        email=str(wanted["email"]),
    )
    user = create_user(db, spec, password=None, now=now)
    change.user_id = user.id
    sent = send_password_reset(db, user.username, by=by, now=now, mail=mail, welcome=True)
    return Decision(change.id, change.kind, user.username, sent)


def _apply_mfa_exemption(
    db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail
) -> Decision:
    code = str(change.change["role"])
    set_role_mfa(db, code, required=False, by=change.proposed_by, reason=change.reason, now=now)
    return Decision(change.id, change.kind, code)


def _apply_mfa_reset(db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail) -> Decision:
    user = reset_second_factor(db, _user_of(db, change).username, now=now)
    return Decision(change.id, change.kind, user.username)


def _apply_reenable(db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail) -> Decision:
    user = set_active(db, _user_of(db, change).username, active=True, by=by, now=now)
    return Decision(change.id, change.kind, user.username)


def _apply_email(db: Session, change: AccessChange, by: str, now: datetime, mail: ResetMail) -> Decision:
    user = _user_of(db, change)
    user.email = str(change.change["email"])
    return Decision(change.id, change.kind, user.username)


_APPLY: dict[Kind, Apply] = {
    Kind.ROLE_SCOPE: _apply_role_scope,
    Kind.NEW_ACCOUNT: _apply_new_account,
    Kind.MFA_EXEMPTION: _apply_mfa_exemption,
    Kind.MFA_RESET: _apply_mfa_reset,
    Kind.REENABLE: _apply_reenable,
    Kind.EMAIL: _apply_email,
}


def approve_access_change(
    db: Session, change_id: int, *, by: str, now: datetime, mail: ResetMail
) -> Decision:
    """Apply a pending change; the proposer cannot approve their own proposal. A new account's
    password link is mailed with `mail` (a message that cannot be sent fails the approval)."""
    change = _pending(db, change_id)
    if change.proposed_by == by:
        raise Forbidden(
            "You proposed this change; a second admin must approve it.", hint="Ask another admin."
        )
    decision = _APPLY[change.kind](db, change, by, now, mail)
    change.status, change.decided_by, change.decided_at = AccessChangeStatus.APPROVED, by, now
    return decision


def reject_access_change(db: Session, change_id: int, *, by: str, now: datetime) -> AccessChange:
    change = _pending(db, change_id)
    change.status, change.decided_by, change.decided_at = AccessChangeStatus.REJECTED, by, now
    return change


def pending_access_changes(db: Session) -> list[PendingChange]:
    rows = db.execute(
        select(AccessChange, StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == AccessChange.user_id)
        .where(AccessChange.status == AccessChangeStatus.PENDING)
        .order_by(AccessChange.proposed_at, AccessChange.id)
    ).all()
    return [_pending_row(c, username) for c, username in rows]


def _pending_row(c: AccessChange, username: str | None) -> PendingChange:
    wanted: dict[str, Any] = c.change
    return PendingChange(
        id=c.id,
        kind=c.kind.value,
        username=username or wanted.get("username"),
        role=wanted.get("role"),
        scope_level=wanted.get("scope_level"),
        scope_code=wanted.get("scope_code"),
        email=wanted.get("email"),
        display_name=wanted.get("display_name"),
        reason=c.reason,
        proposed_by=c.proposed_by,
        proposed_at=c.proposed_at,
    )


def has_active_admin(db: Session) -> bool:
    return (
        db.scalar(
            select(StaffUser.id)
            .join(Role, Role.id == StaffUser.role_id)
            .where(Role.code == ADMIN_ROLE, StaffUser.is_active)
            .limit(1)
        )
        is not None
    )


def create_first_admin(db: Session, spec: NewUser, *, password: str, now: datetime) -> StaffUser:
    """The bootstrap exception to dual control: an admin created directly, allowed only while no
    active admin exists (nobody could approve a request). The caller records it as a bootstrap."""
    if spec.role != ADMIN_ROLE:
        raise InvalidInput("The bootstrap creates an admin only.", hint="Create other staff on /admin.")
    if has_active_admin(db):
        raise Conflict(
            "An active admin exists already, so a new admin needs a second admin's approval.",
            hint="Give --email and --reason to file the request; an admin approves it on /admin.",
        )
    return create_user(db, spec, password=password, now=now)
