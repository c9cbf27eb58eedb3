"""Security alerts raised from the audit trail (bulk exports, many full-value views, off-hours use)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, utcnow


class SecurityAlert(IdMixin, Base):
    """One anomaly for compliance to look at; `dedupe_key` keeps a burst from raising many alerts."""

    __tablename__ = "security_alert"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    rule: Mapped[str] = mapped_column(String(40))
    actor_username: Mapped[str | None] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(160))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))
    acknowledged_at: Mapped[datetime | None]
