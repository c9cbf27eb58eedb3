"""Staff accounts: creation, passwords and admin resets, disabling (which ends every session at once).
These apply a change at once; the admin pages and the CLI reach the ones that grant privilege only
through a second admin's approval (access/_changes.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access._errors import Forbidden, InvalidCredentials
from guestgraph.access._passwords import check_password_policy, hash_password, verify_password
from guestgraph.access._scope import DataScope
from guestgraph.access._sessions import end_user_sessions, token_digest
from guestgraph.db.models import Hotel, PasswordReset, Region, Role, ScopeLevel, StaffUser
from guestgraph.errors import Conflict, InvalidInput, NotFound

MFA_MANDATORY_ROLES = frozenset({"admin", "compliance_officer"})


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: str
    scope: DataScope
    email: str | None = None


def _context_words(db: Session, user: NewUser | StaffUser) -> list[str]:
    hotels = list(db.scalars(select(Hotel.name_en))) + list(db.scalars(select(Hotel.code)))
    return [user.username, user.display_name, *[h for h in hotels if h]]


def _role(db: Session, code: str) -> Role:
    role = db.scalar(select(Role).where(Role.code == code))
    if role is None:
        known = ", ".join(db.scalars(select(Role.code).order_by(Role.code)))
        raise InvalidInput(f"No role {code!r}.", hint=f"Choose one of: {known}.")
    return role


def create_user(db: Session, spec: NewUser, *, password: str | None, now: datetime) -> StaffUser:
    """Create an account, at once: the caller is the dual-control approval (access/_changes.py), the
    first admin's bootstrap or the demo. Without a password the user chooses one via a mailed link."""
    if not spec.username.strip() or len(spec.username) > 80:
        raise InvalidInput("username: 1 to 80 characters.", hint="Use the staff member's login name.")
    if db.scalar(select(StaffUser.id).where(StaffUser.username == spec.username)) is not None:
        raise Conflict(f"A user called {spec.username!r} exists already.", hint="Pick another username.")
    if password is not None:
        check_password_policy(password, context=_context_words(db, spec))
    user = StaffUser(
        username=spec.username,
        display_name=spec.display_name,
        email=spec.email,
        role_id=_role(db, spec.role).id,
        scope_level=spec.scope.level,
        scope_region_id=spec.scope.region_id if spec.scope.level is ScopeLevel.REGION else None,
        scope_hotel_id=min(spec.scope.hotel_ids) if spec.scope.level is ScopeLevel.HOTEL else None,
        password_hash=hash_password(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
        recovery_codes=[],
    )
    db.add(user)
    db.flush()
    return user


def get_user(db: Session, username: str) -> StaffUser:
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise NotFound(f"No user {username!r}.", hint="Check the username (see the Administration page).")
    return user


def change_password(db: Session, user_id: int, *, current: str, new: str, now: datetime) -> None:
    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound("No such user.")
    if not verify_password(user.password_hash, current)[0]:
        raise InvalidCredentials("The current password is wrong.", hint="Type your current password again.")
    _set_password(db, user, new, now=now)


def _set_password(db: Session, user: StaffUser, password: str, *, now: datetime) -> None:
    check_password_policy(password, context=_context_words(db, user))
    user.password_hash, user.password_changed_at = hash_password(password), now
    end_user_sessions(db, user.id, now=now)


def issue_password_reset(db: Session, username: str, *, by: str, now: datetime, valid: timedelta) -> str:
    """A one-time token for the user to choose a new password; the admin never picks it. Only
    `send_password_reset` (which mails it to the user) hands it on: the admin never sees it."""
    user = get_user(db, username)
    if user.username == by:
        raise Forbidden(
            "Admins cannot reset their own password this way.", hint="Change it from your account page."
        )
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordReset(
            token_hash=token_digest(token),
            user_id=user.id,
            issued_by=by,
            created_at=now,
            expires_at=now + valid,
        )
    )
    db.flush()
    return token


def complete_password_reset(db: Session, token: str, new_password: str, *, now: datetime) -> StaffUser:
    """Set the password chosen by the user; the token works once. The second factor is untouched."""
    row = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at < now:
        raise InvalidInput(
            "This password reset link is not valid: it was used already, has expired or never existed.",
            hint="Ask an admin for a new link.",
        )
    user = db.get(StaffUser, row.user_id)
    assert user is not None  # noqa: S101 - foreign key
    _set_password(db, user, new_password, now=now)
    row.used_at = now
    return user


def set_active(db: Session, username: str, *, active: bool, by: str, now: datetime) -> StaffUser:
    """Disable (ending every session and token on the next request) or re-enable an account."""
    user = get_user(db, username)
    if user.username == by and not active:
        raise Forbidden("You cannot disable your own account.", hint="Ask another admin.")
    user.is_active = active
    user.disabled_at = None if active else now
    if not active:
        end_user_sessions(db, user.id, now=now)
    return user


def reset_second_factor(db: Session, username: str, *, now: datetime) -> StaffUser:
    """Forget the user's authenticator; they set a new one up at their next sign-in."""
    user = get_user(db, username)
    user.mfa_secret, user.mfa_enrolled_at, user.mfa_last_step, user.recovery_codes = None, None, None, []
    end_user_sessions(db, user.id, now=now)
    return user


def set_role_mfa(db: Session, role_code: str, *, required: bool, by: str, reason: str, now: datetime) -> Role:
    """Require MFA for a role (the default) or record an exemption with who, when and why."""
    role = _role(db, role_code)
    if not required and role.code in MFA_MANDATORY_ROLES:
        raise Forbidden(
            f"The {role.code} role cannot be exempted from the second factor.",
            hint="It guards the most sensitive data.",
        )
    if not required and not reason.strip():
        raise InvalidInput(
            "An exemption needs a reason.", hint="Say why this role may sign in without a code."
        )
    role.mfa_required = required
    role.mfa_exempted_by, role.mfa_exempted_at = (None, None) if required else (by, now)
    role.mfa_exemption_reason = None if required else reason.strip()[:300]
    return role


@dataclass(frozen=True)
class StaffRow:
    username: str
    display_name: str
    role: str
    scope: str  # "group", a region code or a hotel code
    email: str | None  # where password links go
    is_active: bool
    mfa_enrolled: bool
    mfa_required: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class RoleRow:
    code: str
    name_zh: str
    name_en: str
    permissions: tuple[str, ...]
    mfa_required: bool
    mfa_exempted_by: str | None
    mfa_exempted_at: datetime | None
    mfa_exemption_reason: str | None


def list_staff(db: Session) -> list[StaffRow]:
    region_code = select(Region.code).where(Region.id == StaffUser.scope_region_id).scalar_subquery()
    hotel_code = select(Hotel.code).where(Hotel.id == StaffUser.scope_hotel_id).scalar_subquery()
    rows = db.execute(
        select(StaffUser, Role, region_code, hotel_code).join(Role).order_by(StaffUser.username)
    ).all()
    return [
        StaffRow(
            username=u.username,
            display_name=u.display_name,
            role=r.code,
            scope=hotel or region or "group",
            email=u.email,
            is_active=u.is_active,
            mfa_enrolled=u.mfa_enrolled_at is not None,
            mfa_required=r.mfa_required,
            last_login_at=u.last_login_at,
        )
        for u, r, region, hotel in rows
    ]


def list_roles(db: Session) -> list[RoleRow]:
    return [
        RoleRow(
            code=r.code,
            name_zh=r.name_zh,
            name_en=r.name_en,
            permissions=tuple(r.permissions or ()),
            mfa_required=r.mfa_required,
            mfa_exempted_by=r.mfa_exempted_by,
            mfa_exempted_at=r.mfa_exempted_at,
            mfa_exemption_reason=r.mfa_exemption_reason,
        )
        for r in db.scalars(select(Role).order_by(Role.id))
    ]


def scope_for(db: Session, *, level: str, code: str | None) -> DataScope:
    """The data scope named by a level and a region or hotel code (as typed on the admin page)."""
    if level == "group":
        return DataScope.group()
    if level == "region":
        region_id = db.scalar(select(Region.id).where(Region.code == (code or "")))
        if region_id is None:
            raise InvalidInput(f"scope: no region {code!r}.", hint="Pick a region code from the list.")
        return DataScope.region(region_id)
    if level == "hotel":
        hotel_id = db.scalar(select(Hotel.id).where(Hotel.code == (code or "")))
        if hotel_id is None:
            raise InvalidInput(f"scope: no hotel {code!r}.", hint="Pick a hotel code from the list.")
        return DataScope.hotels(hotel_id)
    raise InvalidInput(f"scope level {level!r} is not one of group, region, hotel.")


def role_of(db: Session, user_id: int) -> str | None:
    """The role code of a user (for the audit trail of sign-in steps, before a session is complete)."""
    return db.scalar(
        select(Role.code).join(StaffUser, StaffUser.role_id == Role.id).where(StaffUser.id == user_id)
    )
