"""Generate service prompts for the stays arriving at a hotel on a day (or a range of days).

A fixed number of statements per hotel, however many arrivals: the arriving stays in one query, the
alerts the front desk derives (`profiles.alerts_for`, in the hotel's own scope, so a complaint made at
another hotel never shows here), the guests' notes and open tags in one query each; then one INSERT
of the new prompts (ON CONFLICT DO NOTHING: UNIQUE stay × rule, so generating again adds nothing),
one UPDATE that refreshes or reopens matched prompts, one UPDATE that withdraws open prompts whose
booking no longer matches (cancelled, moved to another day, fewer children, rule retired or moved to
another hotel). A rule of one hotel applies to the stays at that hotel only; a rule without a hotel
to the stays at every hotel."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_id_visible, hotel_in_scope
from guestgraph.db.models import (
    Guest,
    GuestStatus,
    GuestTag,
    Hotel,
    Interaction,
    PromptRule,
    PromptStatus,
    ServicePrompt,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk import hotel_today
from guestgraph.profiles import Visit, alerts_for, interaction_texts, list_preferences
from guestgraph.prompts._conditions import AlertIs, Children, Condition, Mentions, Tagged, parse_condition
from guestgraph.prompts._details import seal_details

COMING = (StayStatus.BOOKED, StayStatus.IN_HOUSE)  # an early check-in keeps its prompts
MAX_DAYS = 31


@dataclass
class GenerateReport:
    hotels: int = 0
    stays: int = 0
    created: int = 0
    reopened: int = 0
    withdrawn: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Arrival:
    stay_id: int
    hotel_id: int
    guest_id: int
    arrival: date
    departure: date
    children: int


@dataclass(frozen=True)
class _Match:
    rule_id: int
    department: str
    kind: str
    detail: str | None


def _rules(session: Session) -> list[tuple[PromptRule, Condition]]:
    rules = session.scalars(select(PromptRule).where(PromptRule.active.is_(True)).order_by(PromptRule.id))
    return [(r, parse_condition(r.condition, where=f"rule {r.code}")) for r in rules]


def _arrivals(session: Session, hotel_ids: list[int], first: date, last: date) -> list[_Arrival]:
    primary = and_(StayGuest.stay_id == Stay.id, StayGuest.role == "primary")
    rows = session.execute(
        select(Stay.id, Stay.hotel_id, StayGuest.guest_id, Stay.arrival, Stay.departure, Stay.children)
        .join(StayGuest, primary)
        .join(Guest, Guest.id == StayGuest.guest_id)
        .where(
            Stay.hotel_id.in_(hotel_ids),
            Stay.arrival.between(first, last),
            Stay.status.in_(COMING),
            Guest.status == GuestStatus.ACTIVE,
        )
    )
    return [_Arrival(r[0], r[1], r[2], r[3], r[4], r[5] or 0) for r in rows]


def _notes(session: Session, scope: DataScope, guest_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(Interaction.id, Interaction.guest_id, Interaction.key_ref, Interaction.text_enc).where(
            Interaction.guest_id.in_(guest_ids),
            Interaction.kind == "note",
            hotel_id_visible(Interaction.hotel_id, scope),
        )
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for row, text in zip(rows, interaction_texts(session, rows), strict=True):  # matched after opening
        out[row.guest_id].append(text)
    return out


def _tags(session: Session, guest_ids: list[int], tags: set[str]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    if tags:
        rows = session.execute(
            select(GuestTag.guest_id, GuestTag.tag).where(
                GuestTag.guest_id.in_(guest_ids), GuestTag.tag.in_(tags), GuestTag.retired_at.is_(None)
            )
        )
        for gid, tag in rows:
            out[gid].add(tag)
    return out


def _mention(words: list[str], texts: list[str]) -> str | None:
    lowered = [t.lower() for t in texts]
    return next((w for w in words if any(w.lower() in t for t in lowered)), None)


def _matches(
    session: Session, hotel_id: int, arrivals: list[_Arrival], rules: list[tuple[PromptRule, Condition]]
) -> dict[int, list[_Match]]:
    """The rules each stay (of one hotel) matches, with the reason's detail."""
    scope = DataScope.hotels(hotel_id)
    ids = sorted({a.guest_id for a in arrivals})
    prefs = list_preferences(session, ids)
    visits = [Visit(a.guest_id, a.arrival, a.arrival, a.departure) for a in arrivals]  # "today": arrival
    alerts = alerts_for(session, scope=scope, visits=visits, preferences=prefs)
    wants_notes = any(isinstance(c, Mentions) and c.notes for _r, c in rules)
    notes = _notes(session, scope, ids) if wants_notes else {}
    tags = _tags(session, ids, {c.tag for _r, c in rules if isinstance(c, Tagged)})
    out: dict[int, list[_Match]] = {}
    for a, found in zip(arrivals, alerts, strict=True):
        matched = []
        for rule, c in rules:
            kind, detail = rule.code, None
            if isinstance(c, Children):
                kind, detail = "children", str(a.children) if a.children >= c.at_least else None
            elif isinstance(c, AlertIs):
                alert = next((x for x in found if x.kind == c.kind), None)
                kind, detail = c.kind, ((alert.detail or "✓") if alert else None)
            elif isinstance(c, Mentions):
                texts = [p.value for p in prefs.get(a.guest_id, [])] if c.preferences else []
                texts += notes.get(a.guest_id, []) if c.notes else []
                kind, detail = "mentions", _mention(c.words, texts)
            elif isinstance(c, Tagged):
                kind, detail = "tag", (c.tag if c.tag in tags.get(a.guest_id, set()) else None)
            if detail is not None:
                matched.append(_Match(rule.id, rule.department, kind, detail[:200]))
        out[a.stay_id] = matched
    return out


def _insert(session: Session) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(ServicePrompt)


def generate(
    session: Session,
    *,
    first: date,
    last: date | None = None,
    now: datetime,
    hotel_ids: list[int] | None = None,
) -> GenerateReport:
    """Prompts for stays arriving from `first` to `last` (default: the same day) at the hotels given
    (default: every hotel). Idempotent; flushes, the caller commits."""
    last = last or first
    if not 0 <= (last - first).days < MAX_DAYS:
        raise InvalidInput(
            f"Cannot generate prompts from {first} to {last}.",
            hint=f"Give a first day and at most {MAX_DAYS} days from it.",
        )
    if hotel_ids is None:
        hotel_ids = list(session.scalars(select(Hotel.id).order_by(Hotel.id)))
    report = GenerateReport(hotels=len(hotel_ids))
    rules = _rules(session)
    codes = {r.id: r.code for r, _c in rules}
    arrivals = _arrivals(session, hotel_ids, first, last)
    report.stays = len(arrivals)
    by_hotel: dict[int, list[_Arrival]] = defaultdict(list)
    for a in arrivals:
        by_hotel[a.hotel_id].append(a)
    wanted: dict[tuple[int, int], tuple[_Arrival, _Match]] = {}
    for hotel_id, theirs in by_hotel.items():
        here = [(r, c) for r, c in rules if r.hotel_id is None or r.hotel_id == hotel_id]
        if not here:
            continue  # no rule applies at this hotel: its open prompts are withdrawn below
        stays = {a.stay_id: a for a in theirs}
        for stay_id, matched in _matches(session, hotel_id, theirs, here).items():
            arrival = stays[stay_id]
            for m in matched:
                wanted[(stay_id, m.rule_id)] = (arrival, m)
                report.by_rule[codes[m.rule_id]] = report.by_rule.get(codes[m.rule_id], 0) + 1
    stay_ids = [a.stay_id for a in arrivals]
    existing = session.execute(
        select(
            ServicePrompt.id,
            ServicePrompt.stay_id,
            ServicePrompt.rule_id,
            ServicePrompt.status,
        ).where(
            or_(
                ServicePrompt.stay_id.in_(stay_ids),
                and_(ServicePrompt.hotel_id.in_(hotel_ids), ServicePrompt.due_on.between(first, last)),
            )
        )
    ).all()
    known = {(r.stay_id, r.rule_id): r for r in existing}
    sealed = dict(
        zip(
            wanted,
            seal_details(session, [(a.stay_id, m.rule_id, a.guest_id, m.detail) for a, m in wanted.values()]),
            strict=True,
        )
    )  # the detail may quote an allergy or a complaint: sealed under the guest's key (CR-01)
    fresh = [
        {
            "rule_id": m.rule_id,
            "hotel_id": a.hotel_id,
            "stay_id": a.stay_id,
            "guest_id": a.guest_id,
            "department": m.department,
            "reason_kind": m.kind,
            "key_ref": sealed[key][0],
            "reason_detail_enc": sealed[key][1],
            "due_on": a.arrival,
            "status": PromptStatus.OPEN.value,
            "generated_at": now,
        }
        for key, (a, m) in wanted.items()
        if key not in known
    ]
    if fresh:
        stmt = _insert(session).on_conflict_do_nothing(index_elements=["stay_id", "rule_id"])
        report.created = len(session.execute(stmt.returning(ServicePrompt.id), fresh).all())
    again = [
        {
            "pid": known[key].id,
            "department": m.department,
            "reason_kind": m.kind,
            "ref": sealed[key][0],
            "detail_enc": sealed[key][1],
            "due_on": a.arrival,
            "was_withdrawn": known[key].status == PromptStatus.WITHDRAWN,
        }
        for key, (a, m) in wanted.items()
        if key in known and known[key].status != PromptStatus.DONE
    ]
    report.reopened = sum(1 for row in again if row.pop("was_withdrawn"))
    if again:
        table = cast(Table, ServicePrompt.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(
                department=bindparam("department"),
                reason_kind=bindparam("reason_kind"),
                key_ref=bindparam("ref"),
                reason_detail_enc=bindparam("detail_enc"),
                due_on=bindparam("due_on"),
                status=PromptStatus.OPEN.value,
                withdrawn_at=None,
            )
            .execution_options(synchronize_session=False),
            again,
        )
    gone = [r.id for key, r in known.items() if key not in wanted and r.status == PromptStatus.OPEN]
    if gone:
        session.execute(
            update(ServicePrompt)
            .where(ServicePrompt.id.in_(gone), ServicePrompt.status == PromptStatus.OPEN)
            .values(status=PromptStatus.WITHDRAWN, withdrawn_at=now)
            .execution_options(synchronize_session=False)
        )
        report.withdrawn = len(gone)
    session.flush()
    return report


def generate_for_tomorrow(
    session: Session, *, now: datetime, days: int = 1, offset: int = 1
) -> GenerateReport:
    """What the worker runs daily: for every hotel, the prompts of the stays arriving on its
    tomorrow (its own time zone; `offset` days from its today) and the `days - 1` days after."""
    total = GenerateReport()
    hotels: dict[date, list[int]] = defaultdict(list)
    for hotel in session.scalars(select(Hotel).order_by(Hotel.id)):
        hotels[hotel_today(hotel, now) + timedelta(days=offset)].append(hotel.id)
    for day, ids in sorted(hotels.items()):
        r = generate(session, first=day, last=day + timedelta(days=days - 1), now=now, hotel_ids=ids)
        total.hotels += r.hotels
        total.stays += r.stays
        total.created += r.created
        total.reopened += r.reopened
        total.withdrawn += r.withdrawn
        for code, n in r.by_rule.items():
            total.by_rule[code] = total.by_rule.get(code, 0) + n
    return total


def generate_at(
    session: Session,
    *,
    scope: DataScope,
    hotel_code: str,
    first: date,
    last: date | None = None,
    now: datetime,
) -> GenerateReport:
    """Generate now for one hotel in the caller's scope (the page's button, the API); audited."""
    hotel = hotel_in_scope(session, scope, hotel_code)
    report = generate(session, first=first, last=last, now=now, hotel_ids=[hotel.id])
    audit.log_event(
        session,
        "prompt.generate",
        object_type="hotel",
        object_id=hotel.code,
        details={
            "first": first.isoformat(),
            "last": (last or first).isoformat(),
            "created": report.created,
            "withdrawn": report.withdrawn,
        },
    )
    return report
