"""Staff accounts and roles; the protect issue builds authentication and data scope on these."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum, utcnow


class ScopeLevel(enum.StrEnum):
    GROUP = "group"
    REGION = "region"
    HOTEL = "hotel"


class Role(IdMixin, TimestampMixin, Base):
    """A staff role (front desk, hotel manager, data steward…) and the permissions it grants."""

    __tablename__ = "role"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    mfa_required: Mapped[bool] = mapped_column(default=True)
    mfa_exempted_by: Mapped[str | None] = mapped_column(String(80))
    mfa_exempted_at: Mapped[datetime | None]
    mfa_exemption_reason: Mapped[str | None] = mapped_column(String(300))


class StaffUser(IdMixin, TimestampMixin, Base):
    """A member of staff who signs in; what they may see is bounded by their data scope."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "(scope_level = 'group' AND scope_region_id IS NULL AND scope_hotel_id IS NULL)"
            " OR (scope_level = 'region' AND scope_region_id IS NOT NULL AND scope_hotel_id IS NULL)"
            " OR (scope_level = 'hotel' AND scope_hotel_id IS NOT NULL)",
            name="scope_matches_level",
        ),
    )

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    mfa_secret: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="RESTRICT"), index=True)
    scope_level: Mapped[ScopeLevel] = mapped_column(str_enum(ScopeLevel, "scope_level"))
    scope_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    scope_hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None]
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)
    mfa_enrolled_at: Mapped[datetime | None]
    recovery_codes: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    password_changed_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    role: Mapped[Role] = relationship()


class StaffSession(IdMixin, Base):
    """A signed-in browser or API client. Only the SHA-256 of its token is stored."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    mfa_ok: Mapped[bool] = mapped_column(default=False)
    mfa_failures: Mapped[int] = mapped_column(default=0)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]


class LoginAttempt(IdMixin, Base):
    """One sign-in attempt, kept for throttling (per account and per address) and for the audit trail."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool]


class PasswordReset(IdMixin, Base):
    """A one-time, expiring password reset an admin issued; the user picks the new password."""

    __tablename__ = "password_reset"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    issued_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AccessChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AccessChangeKind(enum.StrEnum):
    """The privilege changes that wait for a second admin (dual control, AC-06)."""

    ROLE_SCOPE = "role_scope"  # a user's role and data scope
    NEW_ACCOUNT = "new_account"  # a staff account with its role, scope and e-mail (no user row yet)
    MFA_EXEMPTION = "mfa_exemption"  # a role may sign in without a second factor (no user)
    MFA_RESET = "mfa_reset"  # forget a user's authenticator
    REENABLE = "reenable"  # a disabled account becomes active again
    EMAIL = "email"  # the address that password reset links go to


class AccessChange(IdMixin, Base):
    """A proposed privilege change; it takes effect only when a second admin approves it. `change`
    holds what to apply (per `kind`); `user_id` is the account concerned, empty for a role's MFA
    exemption and for a new account until its approval creates it."""

    __tablename__ = "access_change"

    kind: Mapped[AccessChangeKind] = mapped_column(str_enum(AccessChangeKind, "access_change_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    proposed_by: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    change: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[AccessChangeStatus] = mapped_column(
        str_enum(AccessChangeStatus, "access_change_status"), default=AccessChangeStatus.PENDING
    )
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]


class RevealGrant(IdMixin, Base):
    """A member of staff saw a full value (phone, ID number…) for a stated purpose; short-lived."""

    __tablename__ = "reveal_grant"
    __table_args__ = (Index("ix_reveal_grant_user_guest", "user_id", "guest_id", "field"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
