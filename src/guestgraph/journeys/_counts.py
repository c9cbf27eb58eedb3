"""Per-journey figures (enrolled, where guests are, each step's outcomes, why guests were skipped)
and the guests with their state and the reason, masked, for the journey page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, mask_name
from guestgraph.db.models import EnrolmentStatus, Guest, JourneyEnrolment, JourneyStepRun
from guestgraph.journeys._journeys import load_journey

E, R = JourneyEnrolment, JourneyStepRun


@dataclass(frozen=True)
class JourneyCounts:
    enrolled: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    at_step: dict[str, int] = field(default_factory=dict)  # guests waiting at (or running) each step
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # step -> outcome -> guests
    sent: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # skipped, failed, stopped, put off: why


@dataclass(frozen=True)
class GuestLine:
    public_id: str
    name: str | None
    status: str
    step: str | None
    entered_at: datetime
    last_step: str | None
    last_outcome: str | None
    reason: str | None


def journey_counts(session: Session, journey_id: int, *, scope: DataScope) -> JourneyCounts:
    load_journey(session, journey_id, scope=scope)
    by_status = {
        s.value: n
        for s, n in session.execute(
            select(E.status, func.count()).where(E.journey_id == journey_id).group_by(E.status)
        )
    }
    at_step: dict[str, int] = {}
    for step, n in session.execute(
        select(E.step, func.count()).where(E.journey_id == journey_id).group_by(E.step)
    ):
        if step is not None:
            at_step[step] = n
    steps: dict[str, dict[str, int]] = {}
    reasons: dict[str, int] = {}
    for step, outcome, reason, n in session.execute(
        select(R.step, R.outcome, R.reason, func.count())
        .where(R.journey_id == journey_id)
        .group_by(R.step, R.outcome, R.reason)
    ):
        steps.setdefault(step, {})
        steps[step][outcome] = steps[step].get(outcome, 0) + n
        if reason and outcome in ("skipped", "failed", "interrupted"):
            reasons[reason] = reasons.get(reason, 0) + n
    for reason, n in session.execute(
        select(E.reason, func.count())
        .where(E.journey_id == journey_id, E.reason.is_not(None))
        .group_by(E.reason)
    ):
        if reason is not None:
            reasons[reason] = reasons.get(reason, 0) + n
    sent = sum(o.get("sent", 0) for o in steps.values())
    skipped = sum(o.get("skipped", 0) for o in steps.values()) + by_status.get(
        EnrolmentStatus.STOPPED.value, 0
    )
    return JourneyCounts(sum(by_status.values()), by_status, at_step, steps, sent, skipped, reasons)


def journey_guests(
    session: Session, journey_id: int, *, scope: DataScope, limit: int = 200
) -> list[GuestLine]:
    """The journey's guests, newest first, each with their last step's outcome and its reason."""
    load_journey(session, journey_id, scope=scope)
    last = (
        select(R.enrolment_id, func.max(R.id).label("run_id"))
        .where(R.journey_id == journey_id)
        .group_by(R.enrolment_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Guest.public_id,
            Guest.full_name,
            E.status,
            E.step,
            E.entered_at,
            R.step,
            R.outcome,
            func.coalesce(E.reason, R.reason),
        )
        .join(Guest, Guest.id == E.guest_id)
        .outerjoin(last, last.c.enrolment_id == E.id)
        .outerjoin(R, R.id == last.c.run_id)
        .where(E.journey_id == journey_id)
        .order_by(E.entered_at.desc(), E.id.desc())
        .limit(limit)
    )
    return [
        GuestLine(
            pid, mask_name(name) if name else None, status.value, step, entered, last_step, outcome, reason
        )
        for pid, name, status, step, entered, last_step, outcome, reason in rows
    ]
