"""The journey worker: one pass enrols guests for every active journey's trigger, hands back claims
of dead workers, then claims due steps batch by batch and runs them. `run` repeats passes with a
poll interval. Several workers may run at once, on one machine or many."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db.models import EnrolmentStatus, Journey, JourneyEnrolment
from guestgraph.engage import DeliveryError
from guestgraph.engage._mail import SmtpTransport
from guestgraph.errors import GuestgraphError
from guestgraph.journeys._claim import claim, recover, worker_id
from guestgraph.journeys._coupons import run_issue_coupon
from guestgraph.journeys._definition import (
    Branch,
    IssueCoupon,
    JourneyDefinition,
    SendEmail,
    SendSurvey,
    SendText,
    Tag,
    Task,
    UpdateField,
    Wait,
    parse_definition,
)
from guestgraph.journeys._enrol import enrol_all
from guestgraph.journeys._policy import JourneyPolicy
from guestgraph.journeys._send import send_step
from guestgraph.journeys._steps import (
    advance,
    already_run,
    at_step,
    held,
    run_branch,
    run_tag,
    run_task,
    run_update_field,
    run_wait,
    stop_gone,
)
from guestgraph.journeys._survey import run_survey

Clock = Callable[[], datetime]
E = JourneyEnrolment


@dataclass
class PassReport:
    enrolled: int = 0
    recovered: int = 0
    steps: int = 0
    stopped: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, n: int = 1) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n


def _groups(session: Session, worker: str) -> list[tuple[int, str]]:
    """The (journey, step) pairs this worker holds enrolments at."""
    rows = session.execute(
        select(E.journey_id, E.step).where(*held(worker)).distinct().order_by(E.journey_id, E.step)
    )
    return [(journey_id, step) for journey_id, step in rows if step is not None]


def _run_group(
    session: Session,
    journey: Journey,
    d: JourneyDefinition,
    key: str,
    *,
    worker: str,
    smtp: SmtpTransport,
    policy: JourneyPolicy,
    now: datetime,
    report: PassReport,
) -> None:
    where = at_step(worker, journey.id, key)
    # begun or done before (a worker died after the mail left): moved on, never done again
    advance(session, (*where, already_run(journey.id, key)), to=d.after(key), now=now)
    session.commit()
    step = d.step(key)
    if isinstance(step, SendEmail | SendText):
        for eid in list(session.scalars(select(E.id).where(*where).order_by(E.id))):
            try:
                outcome = send_step(
                    session, eid, journey, d, step, worker=worker, smtp=smtp, policy=policy, now=now
                )
            except DeliveryError:
                _release(session, worker)
                raise
            report.count(outcome)
            report.steps += 1
        return
    count = int(session.scalar(select(func.count()).select_from(E).where(*where)) or 0)
    if isinstance(step, Wait):
        run_wait(session, where, journey, d, step, now=now, timezone=policy.timezone)
    elif isinstance(step, Branch):
        run_branch(session, where, journey, d, step, now=now)
    elif isinstance(step, Tag):
        run_tag(session, where, journey, d, step, now=now)
    elif isinstance(step, Task):
        run_task(session, where, journey, d, step, now=now, default_hours=policy.default_hours)
    elif isinstance(step, SendSurvey):
        try:
            run_survey(session, where, journey, d, step, smtp=smtp, policy=policy, now=now)
        except DeliveryError:
            _release(session, worker)
            raise
    elif isinstance(step, UpdateField):
        run_update_field(session, where, journey, d, step, now=now)
    elif isinstance(step, IssueCoupon):
        run_issue_coupon(session, where, journey, d, step, now=now)
    session.commit()
    report.count(step.type, count)
    report.steps += count


def _release(session: Session, worker: str) -> None:
    """The mail server could not be reached: hand back what this worker holds, due as it was."""
    session.rollback()
    session.execute(update(E).where(*held(worker)).values(status=EnrolmentStatus.WAITING, claimed_by=None))
    session.commit()


def run_pass(
    factory: sessionmaker[Session],
    *,
    policy: JourneyPolicy,
    clock: Clock,
    stop: threading.Event | None = None,
) -> PassReport:
    """Enrol, recover, then run every due step until none is left to claim (or `stop` is set)."""
    report = PassReport()
    worker = worker_id()
    with factory() as session:
        report.enrolled = enrol_all(session, now=clock())
        report.recovered = recover(session, now=clock(), lease=policy.lease)
    with SmtpTransport(policy.engage.smtp) as smtp, factory() as session:
        while not (stop and stop.is_set()) and (
            claim(session, worker=worker, batch=policy.batch, now=clock())
        ):
            now = clock()
            report.stopped += stop_gone(session, worker=worker, now=now)
            claimed = select(E.journey_id).where(*held(worker))
            journeys = {j.id: j for j in session.scalars(select(Journey).where(Journey.id.in_(claimed)))}
            for journey_id, key in _groups(session, worker):
                journey = journeys[journey_id]
                _run_group(
                    session,
                    journey,
                    parse_definition(journey.definition),
                    key,
                    worker=worker,
                    smtp=smtp,
                    policy=policy,
                    now=now,
                    report=report,
                )
    return report


def run(
    factory: sessionmaker[Session],
    *,
    policy: JourneyPolicy,
    clock: Clock,
    poll_seconds: float,
    stop: threading.Event,
    on_pass: Callable[[PassReport], None] | None = None,
    on_error: Callable[[GuestgraphError], None] | None = None,
) -> None:
    """Passes until `stop` is set, sleeping `poll_seconds` between them. A pass that fails with an error
    of ours (the mail server down: its claims were handed back) is reported and retried next time."""
    while not stop.is_set():
        try:
            report = run_pass(factory, policy=policy, clock=clock, stop=stop)
        except GuestgraphError as e:
            if on_error is None:
                raise
            on_error(e)
        else:
            if on_pass is not None:
                on_pass(report)
        stop.wait(poll_seconds)
