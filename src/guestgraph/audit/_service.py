"""Checkpoints on demand (`guestgraph audit checkpoint`, or a scheduler every T minutes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from guestgraph.audit._checkpoints import append_checkpoint
from guestgraph.audit._record import lock_head
from guestgraph.audit._verify import AuditChainBroken, verify
from guestgraph.config import Settings


@dataclass(frozen=True)
class CheckpointResult:
    seq: int
    hash: str  # hex
    time: str
    events_checked: int  # since the previous checkpoint


def checkpoint(session: Session, *, settings: Settings) -> CheckpointResult | None:
    """Sign the head of the log, after checking the chain since the latest checkpoint, so a
    checkpoint never vouches for a tampered log. Writers wait meanwhile. None when the log is empty."""
    lock_head(session, advance=False)
    report = verify(session, settings=settings, from_checkpoint=True)
    if not report.ok:
        raise AuditChainBroken(report, "signed")
    if report.last_seq is None or report.last_hash is None:
        return None
    time = append_checkpoint(settings, report.last_seq, bytes.fromhex(report.last_hash))
    return CheckpointResult(report.last_seq, report.last_hash, time, report.events_checked)
