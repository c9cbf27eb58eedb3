"""Retention: delete the oldest prefix of the log past its policy, keeping the chain verifiable.

Before deleting through seq k, a signed checkpoint of (k, h_k) is written outside the database;
`verify` then starts the chain there. The prune itself is an audit event naming k, so a prefix that
vanished without one is reported as a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from guestgraph.audit._checkpoints import append_checkpoint
from guestgraph.audit._event import AuditEvent
from guestgraph.audit._record import lock_head, record
from guestgraph.audit._verify import AuditChainBroken, verify
from guestgraph.config import Settings
from guestgraph.db.models import AuditControl, AuditEventRow


@dataclass(frozen=True)
class PruneResult:
    through_seq: int  # the last deleted seq (the new anchor); first seq - 1 when nothing was due
    deleted: int
    prune_seq: int  # the audit.prune event


def prune(
    session: Session, *, settings: Settings, now: datetime | None = None, actor_username: str | None = None
) -> PruneResult:
    """Delete the longest prefix whose every event is past its retention (security events after
    `audit_security_retention_days`, sensitive ones after `audit_sensitive_retention_days`), in the
    caller's transaction. A sensitive event still due stops the prefix, even with older security
    events behind it. Refuses when the log does not verify."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)  # SQLite compares the stored UTC text
    lock_head(session, advance=False)
    report = verify(session, settings=settings)
    if not report.ok:
        raise AuditChainBroken(report, "pruned")
    first = report.first_seq or 1
    through = _due_prefix_end(session, moment, settings, first)
    deleted = 0
    if through >= first:
        digest = session.scalar(select(AuditEventRow.hash).where(AuditEventRow.seq == through))
        assert digest is not None  # verified above, and writers are locked out
        append_checkpoint(settings, through, bytes(digest))
        session.execute(
            update(AuditControl)
            .where(AuditControl.id == 1)
            .values(prune_through=through)
            .execution_options(synchronize_session=False)
        )
        result = session.execute(
            delete(AuditEventRow)
            .where(AuditEventRow.seq <= through)
            .execution_options(synchronize_session=False)
        )
        deleted = int(result.rowcount)  # type: ignore[attr-defined]
    details = {
        "through_seq": through,
        "deleted": deleted,
        "security_days": settings.audit_security_retention_days,
        "sensitive_days": settings.audit_sensitive_retention_days,
    }
    event = AuditEvent("audit.prune", actor_username=actor_username, object_type="audit_log", details=details)
    return PruneResult(through, deleted, record(session, event, now=moment))


def _due_prefix_end(session: Session, moment: datetime, settings: Settings, first: int) -> int:
    security_cut = moment - timedelta(days=settings.audit_security_retention_days)
    sensitive_cut = moment - timedelta(days=settings.audit_sensitive_retention_days)
    due = or_(
        and_(AuditEventRow.category == "security", AuditEventRow.occurred_at < security_cut),
        and_(AuditEventRow.category == "sensitive", AuditEventRow.occurred_at < sensitive_cut),
    )
    kept = session.scalar(select(func.min(AuditEventRow.seq)).where(~due))
    if kept is None:
        kept = (session.scalar(select(func.max(AuditEventRow.seq))) or first - 1) + 1
    return int(kept) - 1
