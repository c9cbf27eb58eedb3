"""`verify`: recompute the chain over the stored bytes, in seq order, in batches, against the signed
checkpoints; name the first seq that does not hold."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.audit._checkpoints import Checkpoint, load_public_key, read_checkpoints
from guestgraph.audit._event import GENESIS, decode
from guestgraph.audit._schema import schema_problem, triggers_missing
from guestgraph.audit._stream import stream_rows
from guestgraph.config import Settings
from guestgraph.db.models import AuditControl, AuditEventRow
from guestgraph.errors import GuestgraphError

NO_CHECKPOINT = "no signed checkpoint yet: a truncated tail or a rewritten log cannot be detected"


@dataclass
class VerifyReport:
    ok: bool = True
    first_bad_seq: int | None = None
    problem: str | None = None
    events_checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str | None = None  # hex, of last_seq, as recomputed
    anchored_at: int | None = None  # the checkpoint seq the chain was checked from (0 = genesis)
    checkpoints_verified: int = 0
    latest_checkpoint_seq: int | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, seq: int | None, problem: str) -> VerifyReport:
        if self.ok:
            self.ok, self.first_bad_seq, self.problem = False, seq, problem
        return self


class AuditChainBroken(GuestgraphError):
    """The audit log does not verify; nothing is pruned or signed until an operator has looked."""

    status = 409
    code = "audit_chain_broken"

    def __init__(self, report: VerifyReport, doing: str) -> None:
        super().__init__(
            f"The audit log does not verify, so it was not {doing}: {report.problem}"
            f" (first bad seq: {report.first_bad_seq}).",
            hint="Run: guestgraph audit verify, investigate from that seq, and restore from a backup.",
        )
        self.report = report


def verify(
    session: Session, *, settings: Settings, from_checkpoint: bool = False, batch_size: int = 50_000
) -> VerifyReport:
    """Check the whole log (or, with `from_checkpoint`, only what follows the latest valid
    checkpoint). Detects an edited, inserted, deleted or swapped event by the chain, a truncated tail
    or rewritten log by the checkpoints, and search columns no longer generated from the payload."""
    started = time.perf_counter()
    report = VerifyReport()
    try:
        return _verify(session, settings, report, from_checkpoint, batch_size)
    finally:
        report.seconds = round(time.perf_counter() - started, 2)


def _verify(
    session: Session, settings: Settings, report: VerifyReport, from_checkpoint: bool, batch_size: int
) -> VerifyReport:
    problem = schema_problem(session)
    if problem:
        return report.fail(None, problem)
    signed = read_checkpoints(settings, load_public_key(settings))
    checkpoints: dict[int, Checkpoint] = {}
    for cp in signed.checkpoints:
        other = checkpoints.setdefault(cp.seq, cp)
        if other.hash != cp.hash:
            return report.fail(cp.seq, f"two signed checkpoints disagree on seq {cp.seq}")
    report.checkpoints_verified = len(signed.checkpoints)
    report.latest_checkpoint_seq = max(checkpoints, default=None)
    if signed.bad_lines:
        return report.fail(None, f"checkpoint file, {signed.bad_lines[0]}")
    if not checkpoints:
        report.warnings.append(NO_CHECKPOINT)
    if triggers_missing(session):
        report.warnings.append("the append-only triggers on audit_event are missing or disabled")

    first, last = session.execute(select(func.min(AuditEventRow.seq), func.max(AuditEventRow.seq))).one()
    head = session.scalar(select(AuditControl.last_seq).where(AuditControl.id == 1)) or 0
    report.first_seq, report.last_seq = first, last
    last = last or 0
    latest = report.latest_checkpoint_seq or 0
    if latest > last:
        return report.fail(
            last + 1, f"events after seq {last} are missing: a signed checkpoint covers seq {latest}"
        )
    if head != last:
        return report.fail(
            min(head, last) + 1, f"the log ends at seq {last} but the writers' head says seq {head}"
        )
    if first is None:
        return report

    start, previous = first, GENESIS
    if first > 1:
        anchor = checkpoints.get(first - 1)
        if anchor is None:
            return report.fail(
                first, f"the log starts at seq {first} and no signed checkpoint at seq {first - 1} anchors it"
            )
        previous = anchor.hash
    report.anchored_at = first - 1
    if from_checkpoint and latest >= first:
        stored = session.scalar(select(AuditEventRow.hash).where(AuditEventRow.seq == latest))
        if stored is None or bytes(stored) != checkpoints[latest].hash:
            return report.fail(latest, f"seq {latest} differs from its signed checkpoint")
        start, previous, report.anchored_at = latest + 1, checkpoints[latest].hash, latest
    report.last_hash = previous.hex()
    _check_chain(session, report, start, previous, checkpoints, batch_size)
    if not report.ok:
        return report
    if not from_checkpoint:
        pruned = _last_prune_through(session)
        if first > 1 and pruned != first - 1:
            return report.fail(first, f"events before seq {first} are gone and no audit.prune event says so")
    return report


def _check_chain(
    session: Session,
    report: VerifyReport,
    start: int,
    previous: bytes,
    checkpoints: dict[int, Checkpoint],
    batch_size: int,
) -> None:
    sha256 = hashlib.sha256
    expected = start
    for batch in stream_rows(session, start, batch_size):
        for seq, payload, stored in batch:
            if seq != expected:
                report.fail(expected, f"seq {expected} is missing (the next stored event is seq {seq})")
                return
            digest = sha256(previous + payload).digest()
            if digest != stored:
                report.fail(seq, f"seq {seq} does not match the chain (edited, inserted or moved)")
                return
            if not payload.startswith(b'{"seq":%d,' % seq):
                report.fail(seq, f"seq {seq} carries the bytes of another position")
                return
            cp = checkpoints.get(seq)
            if cp is not None and cp.hash != digest:
                report.fail(seq, f"seq {seq} differs from its signed checkpoint (the log was rewritten)")
                return
            previous = digest
            expected += 1
    report.events_checked = expected - start
    report.last_hash = previous.hex()


def _last_prune_through(session: Session) -> int:
    payload = session.scalar(
        select(AuditEventRow.payload)
        .where(AuditEventRow.action == "audit.prune")
        .order_by(AuditEventRow.seq.desc())
        .limit(1)
    )
    if payload is None:
        return 0
    through = decode(bytes(payload)).get("details", {}).get("through_seq", -1)
    return int(through)
