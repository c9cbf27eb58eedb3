"""Appending events: one writer at a time, in the caller's transaction; checkpoints after commit."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.audit._checkpoints import append_checkpoint, last_checkpoint_age_minutes
from guestgraph.audit._event import AuditEvent, encode
from guestgraph.config import Settings
from guestgraph.db.models import AuditControl, AuditEventRow
from guestgraph.errors import DatabaseError, GuestgraphError

log = logging.getLogger(__name__)
_PENDING = "guestgraph.audit.pending"


def lock_head(session: Session, *, advance: bool) -> tuple[int, bytes]:
    """Take the audit writers' lock and return (seq, previous hash).

    The UPDATE is the transaction's first write: it takes SQLite's write lock, or the control row's
    lock on PostgreSQL, until the transaction ends, and under READ COMMITTED it returns the head the
    previous writer committed. With `advance`, seq is the new event's number; without, the head's.
    """
    step = 1 if advance else 0
    row = session.execute(
        update(AuditControl)
        .where(AuditControl.id == 1)
        .values(last_seq=AuditControl.last_seq + step)
        .returning(AuditControl.last_seq, AuditControl.last_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise DatabaseError(
            "The audit_control row is missing, so no audit event can be written.",
            hint="Restore it from a backup; it holds the chain head (see docs/data-model.md, audit_control).",
        )
    return int(row[0]), bytes(row[1])


def record(session: Session, event: AuditEvent, *, now: datetime | None = None) -> int:
    """Append `event` in the caller's transaction and return its seq.

    Writers wait for each other from here until their transaction ends, so seq is gap-free and each
    event hashes over the one before it. Nothing is visible (or checkpointed) until the caller commits.
    """
    moment = now or datetime.now(UTC)
    seq, previous = lock_head(session, advance=True)
    payload = encode(seq, moment, event)
    digest = hashlib.sha256(previous + payload).digest()
    session.execute(
        insert(AuditEventRow).values(
            seq=seq,
            occurred_at=moment.astimezone(UTC),
            action=event.action,
            outcome=event.outcome,
            category=event.category,
            actor_user_id=event.actor_user_id,
            actor_username=event.actor_username,
            guest_public_id=event.guest_public_id,
            payload=payload,
            hash=digest,
        )
    )
    session.execute(
        update(AuditControl)
        .where(AuditControl.id == 1)
        .values(last_hash=digest)
        .execution_options(synchronize_session=False)
    )
    pending: dict[str, Any] = session.info.setdefault(_PENDING, {"from": seq - 1})
    pending.update(seq=seq, hash=digest)
    return seq


def install_checkpoints(target: sessionmaker[Session] | Session, settings: Settings) -> None:
    """Write a signed checkpoint after a commit that passed a multiple of `audit_checkpoint_every`
    events, or when the last checkpoint is older than `audit_checkpoint_minutes` (or missing).

    Call it once on the app's and the CLI's session factory. The checkpoint is written after the
    commit, so it never names an event that was rolled back.
    """
    sa_event.listen(target, "after_commit", partial(_after_commit, settings))
    sa_event.listen(target, "after_rollback", _after_rollback)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(settings: Settings, session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    every = settings.audit_checkpoint_every
    crossed = pending["seq"] // every > pending["from"] // every
    age = last_checkpoint_age_minutes(settings)
    if crossed or age is None or age >= settings.audit_checkpoint_minutes:
        try:
            append_checkpoint(settings, pending["seq"], pending["hash"])
        except (GuestgraphError, OSError):
            # The events are committed; a missing checkpoint only narrows what verify can prove.
            log.exception("Could not write the audit checkpoint at seq %s", pending["seq"])
