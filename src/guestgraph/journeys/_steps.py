"""Running a step for a batch of claimed enrolments at the same step of one journey: waits,
conditions and tags set-based (one statement each), tasks and e-mails per guest. Each step writes
its step runs (unique per enrolment and step), the guests' timeline entries and the move to the next
step in one transaction, guarded by the worker's claim."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from guestgraph import profiles
from guestgraph.access import DataScope
from guestgraph.analytics import SegmentDefinition, member_query
from guestgraph.db.models import (
    EnrolmentStatus,
    Guest,
    GuestStatus,
    GuestTag,
    Hotel,
    Journey,
    JourneyEnrolment,
    JourneyStepRun,
    Stay,
)
from guestgraph.journeys._definition import EXIT, Branch, JourneyDefinition, Tag, Task, UpdateField, Wait

E = JourneyEnrolment
ERASED = "guest erased"
MERGED = "guest merged into another"
TIMELINE_CHANNEL = "journey"


def scope_of(journey: Journey) -> DataScope:
    return DataScope.hotels(journey.hotel_id) if journey.hotel_id else DataScope.group()


Where = tuple[ColumnElement[bool], ...]  # which claimed enrolments a statement is about


def held(worker: str) -> Where:
    """Every enrolment this worker holds (claimed and still running)."""
    return (E.claimed_by == worker, E.status == EnrolmentStatus.RUNNING)


def at_step(worker: str, journey_id: int, step: str) -> Where:
    """The worker's enrolments at one step of one journey: what a set-based step works on (no id
    lists: a batch of thousands is one predicate)."""
    return (*held(worker), E.journey_id == journey_id, E.step == step)


def one(enrolment_id: int, worker: str) -> Where:
    return (E.id == enrolment_id, *held(worker))


def already_run(journey_id: int, step: str) -> ColumnElement[bool]:
    """The enrolment has a step run for `step` already (done, or a send begun)."""
    del journey_id  # the unique (enrolment, step) index answers it row by row
    return exists().where(JourneyStepRun.enrolment_id == E.id, JourneyStepRun.step == step)


def stop_gone(session: Session, *, worker: str, now: datetime) -> int:
    """Erased or merged guests leave their journeys, with the reason; commits."""
    stopped = 0
    for status, reason in ((GuestStatus.ERASED, ERASED), (GuestStatus.MERGED, MERGED)):
        gone = select(Guest.id).where(Guest.status == status)
        result = session.execute(
            update(E)
            .where(*held(worker), E.guest_id.in_(gone))
            .values(status=EnrolmentStatus.STOPPED, reason=reason, step=None, ended_at=now, claimed_by=None)
        )
        stopped += int(result.rowcount or 0)  # type: ignore[attr-defined]
    session.commit()
    return stopped


def advance(
    session: Session,
    where: Where,
    *,
    to: str | None,
    now: datetime,
    next_at: datetime | None = None,
) -> None:
    """Move the enrolments on to step `to` (None: done; EXIT: out of the journey)."""
    if to is None or to == EXIT:
        status = EnrolmentStatus.DONE if to is None else EnrolmentStatus.EXITED
        values: dict[str, Any] = {"status": status, "step": None, "ended_at": now, "next_at": None}
    else:
        values = {"status": EnrolmentStatus.WAITING, "step": to, "next_at": next_at or now}
    session.execute(update(E).where(*where).values(**values, claimed_by=None, reason=None))


def record_runs(
    session: Session,
    where: Where,
    *,
    step: str,
    kind: str,
    outcome: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    rows = select(
        E.id,
        E.journey_id,
        E.guest_id,
        literal(step),
        literal(kind),
        literal(outcome),
        literal(reason),
        literal(now),
    ).where(*where)
    session.execute(
        insert(JourneyStepRun).from_select(
            ["enrolment_id", "journey_id", "guest_id", "step", "kind", "outcome", "reason", "started_at"],
            rows,
        )
    )


def timeline(
    session: Session, where: Where, journey: Journey, text: str, *, now: datetime, kind: str = "note"
) -> None:
    """The step on each guest's timeline (their 360° profile), at the enrolment's hotel: one read of
    the batch's guests, then the timeline's writer (its text sealed per guest, set-based)."""
    hotel = func.coalesce(E.hotel_id, literal(journey.hotel_id))
    rows = session.execute(select(E.guest_id, hotel).where(*where).order_by(E.id)).all()
    entries = [
        profiles.NewInteraction(guest_id, hotel_id, TIMELINE_CHANNEL, "out", kind, text[:4000], now)
        for guest_id, hotel_id in rows
    ]
    profiles.store_interactions(session, entries)


def note(journey: Journey, step: str, what: str) -> str:
    return f"旅程 Journey «{journey.name}» · {step}: {what}"


def run_wait(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: Wait,
    *,
    now: datetime,
    timezone: str = "Asia/Shanghai",
) -> None:
    if step.until is None:
        what = f"wait {step.duration} / 等待"
    else:
        what = f"wait until {step.offset_days:+d} days from {step.until} / 等待至{step.until}"
    record_runs(session, where, step=step.key, kind=step.type, outcome="done", now=now)
    timeline(session, where, journey, note(journey, step.key, what), now=now)
    if step.until is not None:
        for due, ids in _stay_times(session, where, step, now, timezone).items():
            advance(session, (*where, E.id.in_(ids)), to=d.after(step.key), now=now, next_at=due)
    advance(session, where, to=d.after(step.key), now=now, next_at=now + step.duration)


def _stay_times(
    session: Session, where: Where, step: Wait, now: datetime, timezone: str
) -> dict[datetime, list[int]]:
    """When each enrolment's wait ends, from its stay's date at the hotel's local hour (grouped, so that
    a batch is a few UPDATEs: guests share their days)."""
    day = Stay.arrival if step.until == "arrival" else Stay.departure
    rows = session.execute(
        select(E.id, day, Hotel.timezone)
        .join(Stay, Stay.id == E.stay_id)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(*where)
    )
    due: dict[datetime, list[int]] = {}
    for enrolment_id, on, zone in rows:
        local = datetime.combine(
            on + timedelta(days=step.offset_days), time(step.hour), ZoneInfo(zone or timezone)
        )
        due.setdefault(max(local.astimezone(UTC), now), []).append(enrolment_id)
    return due


def _matching(journey: Journey, step: Branch, now: datetime) -> ColumnElement[bool]:
    members = member_query(
        SegmentDefinition(condition=step.condition), scope=scope_of(journey), today=now.date()
    )
    return E.guest_id.in_(members)


def run_branch(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: Branch,
    *,
    now: datetime,
) -> None:
    matched = (*where, _matching(journey, step, now))
    record_runs(session, matched, step=step.key, kind=step.type, outcome="matched", now=now)
    timeline(session, matched, journey, note(journey, step.key, "condition met / 符合条件"), now=now)
    advance(session, matched, to=d.after(step.key), now=now)
    # the matching guests have moved on: the rest of the group did not match
    target = "exit / 退出" if step.otherwise == EXIT else step.otherwise
    record_runs(session, where, step=step.key, kind=step.type, outcome="unmatched", now=now)
    what = f"condition not met / 不符合条件 → {target}"
    timeline(session, where, journey, note(journey, step.key, what), now=now)
    advance(session, where, to=step.otherwise, now=now)


def run_tag(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: Tag,
    *,
    now: datetime,
) -> None:
    by = f"journey:{journey.id}"
    guests = select(E.guest_id).where(*where)
    carrying = select(GuestTag.guest_id).where(GuestTag.tag == step.tag, GuestTag.retired_at.is_(None))
    if step.type == "add_tag":
        rows = (
            select(E.guest_id, literal(step.tag), literal("manual"), literal(by), literal(now))
            .where(*where, E.guest_id.not_in(carrying))
            .distinct()
        )
        session.execute(insert(GuestTag).from_select(["guest_id", "tag", "kind", "added_by", "since"], rows))
        what = f"tag {step.tag} added / 添加标签"
    else:
        session.execute(
            update(GuestTag)
            .where(
                GuestTag.guest_id.in_(guests),
                GuestTag.tag == step.tag,
                GuestTag.kind == "manual",
                GuestTag.retired_at.is_(None),
            )
            .values(retired_at=now, retired_by=by)
        )
        what = f"tag {step.tag} removed / 移除标签"
    record_runs(session, where, step=step.key, kind=step.type, outcome="done", now=now)
    timeline(session, where, journey, note(journey, step.key, what), now=now)
    advance(session, where, to=d.after(step.key), now=now)


def run_task(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: Task,
    *,
    now: datetime,
    default_hours: str,
) -> None:
    """A service ticket per guest at the enrolment's hotel; skipped (with the reason) without one."""
    from guestgraph.service import NewTicket, create_ticket

    rows = session.execute(
        select(E.id, Guest.public_id, Hotel.code)
        .join(Guest, Guest.id == E.guest_id)
        .outerjoin(Hotel, Hotel.id == func.coalesce(E.hotel_id, literal(journey.hotel_id)))
        .where(*where)
    ).all()
    for enrolment_id, public_id, hotel_code in rows:
        if hotel_code is None:
            record_runs(
                session,
                (*where, E.id == enrolment_id),
                step=step.key,
                kind=step.type,
                outcome="skipped",
                now=now,
                reason="no hotel for the task",
            )
            continue
        title = f"{step.title_zh} · {step.title_en}"[:200]
        ticket = NewTicket(
            title,
            step.category,
            step.priority,
            hotel_code,
            note(journey, step.key, title),
            public_id,
            step.team,
        )
        made = create_ticket(
            session,
            scope=DataScope.group(),
            ticket=ticket,
            actor_id=None,
            now=now,
            default_hours=default_hours,
        )
        record_runs(
            session,
            (*where, E.id == enrolment_id),
            step=step.key,
            kind=step.type,
            outcome="done",
            now=now,
            reason=f"ticket {made.id}",
        )
        timeline(
            session,
            (*where, E.id == enrolment_id),
            journey,
            note(journey, step.key, f"task / 任务 #{made.id}: {title}"),
            now=now,
        )
    advance(session, where, to=d.after(step.key), now=now)


def run_update_field(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: UpdateField,
    *,
    now: datetime,
) -> None:
    """Set (or clear) the field for every guest at this step, set-based (guestgraph.analytics)."""
    from guestgraph.analytics import set_fields

    set_fields(
        session,
        select(E.guest_id).where(*where),
        name=step.field,
        value=step.value,
        by=f"journey:{journey.id}",
        now=now,
    )
    shown = step.value if step.value is not None else "—"
    what = f"field {step.field} = {shown} / 字段"
    record_runs(session, where, step=step.key, kind=step.type, outcome="done", now=now)
    timeline(session, where, journey, note(journey, step.key, what), now=now)
    advance(session, where, to=d.after(step.key), now=now)
