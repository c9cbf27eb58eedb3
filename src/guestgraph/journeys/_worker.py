"""The journey worker: one pass enrols guests for every active journey's trigger, hands back claims
of dead workers, then claims due steps batch by batch and runs them. `run` repeats passes with a
poll interval. Several workers may run at once, on one machine or many."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db.models import EnrolmentStatus, Journey, JourneyEnrolment
from guestgraph.engage import DeliveryError
from guestgraph.engage._mail import SmtpTransport
from guestgraph.errors import GuestgraphError
from guestgraph.journeys._claim import claim, recover, worker_id
from guestgraph.journeys._definition import (
    Branch,
    JourneyDefinition,
    SendEmail,
    Tag,
    Task,
    Wait,
    parse_definition,
)
from guestgraph.journeys._enrol import enrol_all
from guestgraph.journeys._policy import JourneyPolicy
from guestgraph.journeys._send import send_step
from guestgraph.journeys._steps import (
    advance,
    already_run,
    mine,
    run_branch,
    run_tag,
    run_task,
    run_wait,
    stop_gone,
)

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


def _groups(session: Session, ids: list[int], worker: str) -> dict[tuple[int, str], list[int]]:
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for eid, journey_id, step in session.execute(
        select(E.id, E.journey_id, E.step).where(*mine(ids, worker)).order_by(E.id)
    ):
        if step is not None:  # a running enrolment always has its step
            groups[(journey_id, step)].append(eid)
    return groups


def _run_group(
    session: Session,
    ids: list[int],
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
    ran = already_run(session, ids, key)
    if ran:  # begun or done before (a worker died after the mail left): never again
        advance(session, ran, worker=worker, to=d.after(key), now=now)
        session.commit()
        ids = [i for i in ids if i not in set(ran)]
    step = d.step(key)
    if isinstance(step, SendEmail):
        for position, eid in enumerate(ids):
            try:
                report.count(
                    send_step(
                        session, eid, journey, d, step, worker=worker, smtp=smtp, policy=policy, now=now
                    )
                )
            except DeliveryError:
                _release(session, ids[position:], worker)
                raise
        return
    if isinstance(step, Wait):
        run_wait(session, ids, journey, d, step, worker=worker, now=now)
    elif isinstance(step, Branch):
        run_branch(session, ids, journey, d, step, worker=worker, now=now)
    elif isinstance(step, Tag):
        run_tag(session, ids, journey, d, step, worker=worker, now=now)
    elif isinstance(step, Task):
        run_task(session, ids, journey, d, step, worker=worker, now=now, default_hours=policy.default_hours)
    session.commit()
    report.count(step.type, len(ids))


def _release(session: Session, ids: list[int], worker: str) -> None:
    """The mail server could not be reached: hand these back, due as they were."""
    session.rollback()
    session.execute(
        update(E).where(*mine(ids, worker)).values(status=EnrolmentStatus.WAITING, claimed_by=None)
    )
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
            ids := claim(session, worker=worker, batch=policy.batch, now=clock())
        ):
            now = clock()
            report.stopped += stop_gone(session, ids, worker=worker, now=now)
            journeys = {
                j.id: j
                for j in session.scalars(
                    select(Journey).where(Journey.id.in_(select(E.journey_id).where(E.id.in_(ids))))
                )
            }
            for (journey_id, key), group in _groups(session, ids, worker).items():
                journey = journeys[journey_id]
                d = parse_definition(journey.definition)
                _run_group(
                    session,
                    group,
                    journey,
                    d,
                    key,
                    worker=worker,
                    smtp=smtp,
                    policy=policy,
                    now=now,
                    report=report,
                )
                report.steps += len(group)
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
