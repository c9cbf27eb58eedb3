"""Staff accounts and roles; the protect issue builds authentication and data scope on these."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum


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

    role: Mapped[Role] = relationship()
