"""The audit log: an append-only, hash-chained table of events, and its one control row.

`payload` holds the exact canonical bytes of each event and `hash` = SHA-256(previous hash || payload);
the other columns are copies of payload fields for searching, and `guestgraph audit verify` checks
that they agree with the payload. Triggers (revision 0006) refuse UPDATE and DELETE on `audit_event`,
except a DELETE of the prefix up to `audit_control.prune_through`, which only `audit.prune` sets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, BigId


class AuditEventRow(Base):
    """One audit event, as stored. `seq` is gap-free from 1 (or from the last pruned seq + 1)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_actor_user_id", "actor_user_id", "seq"),
        Index("ix_audit_event_actor_username", "actor_username", "seq"),
        Index("ix_audit_event_guest_public_id", "guest_public_id", "seq"),
        Index("ix_audit_event_action", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(10))
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_username: Mapped[str | None] = mapped_column(String(80))
    guest_public_id: Mapped[str | None] = mapped_column(String(20))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditControl(Base):
    """The single row (id 1) every audit writer updates first: it serialises writers (row lock on
    PostgreSQL, the write lock on SQLite) and holds the chain head. `prune_through` is the highest
    seq the delete trigger lets go; only `audit.prune` raises it, in its own transaction."""

    __tablename__ = "audit_control"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    prune_through: Mapped[int] = mapped_column(BigInteger, default=0)
