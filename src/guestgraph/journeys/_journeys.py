"""Journeys as staff manage them: create (from a shipped template or a definition), read and list
them in the staff member's scope, activate and pause. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_in_scope, hotel_visible
from guestgraph.db.models import Hotel, Journey, JourneyStatus
from guestgraph.engage import check_text
from guestgraph.engage._render import check_template
from guestgraph.errors import InvalidInput
from guestgraph.journeys._definition import JourneyDefinition, SendEmail, SendText, parse_definition
from guestgraph.journeys._errors import JourneyInvalid, JourneyNotFound, JourneyStateConflict
from guestgraph.journeys._templates import TEMPLATES
from guestgraph.privacy import Channel


@dataclass(frozen=True)
class JourneyRow:
    id: int
    name: str
    template: str | None
    hotel_code: str | None
    status: str
    definition: dict[str, Any]
    created_at: datetime
    activated_at: datetime | None


def _check_mail(definition: JourneyDefinition) -> None:
    for step in definition.steps:
        if isinstance(step, SendEmail):
            for where, source in (
                ("Chinese subject", step.subject_zh),
                ("English subject", step.subject_en),
                ("Chinese body", step.body_zh),
                ("English body", step.body_en),
            ):
                check_template(f"{source}", f"{where} of step {step.key}")
        elif isinstance(step, SendText):
            channel = Channel(step.channel)
            check_text(step.body_zh, f"Chinese {channel.value} text of step {step.key}", channel)
            check_text(step.body_en, f"English {channel.value} text of step {step.key}", channel)


def _hotel_id(session: Session, scope: DataScope, code: str | None) -> int | None:
    if not code:
        if not scope.is_group:
            raise InvalidInput(
                "Your data scope covers some hotels only: choose one of them.",
                hint="Pick the hotel whose guests the journey is for.",
            )
        return None
    return hotel_in_scope(session, scope, code).id


def create_journey(
    session: Session,
    *,
    scope: DataScope,
    name: str,
    definition: dict[str, Any],
    hotel_code: str | None,
    created_by_id: int | None,
    now: datetime,
    template: str | None = None,
) -> JourneyRow:
    """A new journey, in draft: it enrols no one until activated."""
    if not name.strip():
        raise InvalidInput("The journey needs a name.", hint="Name it after what it does, e.g. 'Win-back'.")
    parsed = parse_definition(definition)
    _check_mail(parsed)
    row = Journey(
        name=name.strip()[:120],
        template=template,
        hotel_id=_hotel_id(session, scope, hotel_code),
        status=JourneyStatus.DRAFT,
        definition=parsed.model_dump(mode="json", exclude_none=True),
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.log_event(
        session,
        "journey.create",
        object_type="journey",
        object_id=str(row.id),
        details={"template": template},
    )
    return get_journey(session, row.id, scope=scope)


def create_from_template(
    session: Session,
    *,
    scope: DataScope,
    code: str,
    locale: str,
    hotel_code: str | None,
    created_by_id: int | None,
    now: datetime,
) -> JourneyRow:
    shipped = TEMPLATES.get(code)
    if shipped is None:
        raise JourneyInvalid(f"No journey template {code!r}.", hint="Use one of: " + ", ".join(TEMPLATES))
    return create_journey(
        session,
        scope=scope,
        name=shipped.name(locale),
        definition=shipped.definition,
        hotel_code=hotel_code,
        created_by_id=created_by_id,
        now=now,
        template=code,
    )


def visible(scope: DataScope) -> ColumnElement[bool]:
    """Group staff see every journey; others the journeys of their hotels only (a group-wide journey
    reaches guests of every hotel, so it is not theirs to see or pause)."""
    if scope.is_group:
        return true()
    return Journey.hotel_id.in_(select(Hotel.id).where(hotel_visible(scope)))


def load_journey(session: Session, journey_id: int, *, scope: DataScope) -> Journey:
    found = session.scalar(select(Journey).where(Journey.id == journey_id, visible(scope)))
    if found is None:
        raise JourneyNotFound(
            f"No journey {journey_id} in your scope.", hint="Open it from the Journeys page."
        )
    return found


def _row(j: Journey, code: str | None) -> JourneyRow:
    return JourneyRow(
        j.id, j.name, j.template, code, j.status.value, j.definition, j.created_at, j.activated_at
    )


def get_journey(session: Session, journey_id: int, *, scope: DataScope) -> JourneyRow:
    j = load_journey(session, journey_id, scope=scope)
    code = session.scalar(select(Hotel.code).where(Hotel.id == j.hotel_id)) if j.hotel_id else None
    return _row(j, code)


def list_journeys(session: Session, *, scope: DataScope) -> list[JourneyRow]:
    rows = session.execute(
        select(Journey, Hotel.code)
        .outerjoin(Hotel, Hotel.id == Journey.hotel_id)
        .where(visible(scope))
        .order_by(Journey.created_at.desc(), Journey.id.desc())
    )
    return [_row(j, code) for j, code in rows]


def update_journey(
    session: Session,
    journey_id: int,
    *,
    scope: DataScope,
    name: str,
    definition: dict[str, Any],
    now: datetime,
) -> JourneyRow:
    """Change a draft's name and steps (texts, waits, conditions …). Only a draft: once guests are on
    their way, a step they wait at must not change under them."""
    j = load_journey(session, journey_id, scope=scope)
    if j.status is not JourneyStatus.DRAFT:
        raise JourneyStateConflict(
            f"Journey {journey_id} is {j.status.value}; only a draft can be edited.",
            hint="Create a new journey (from the template or this one's definition) and pause this one.",
        )
    if not name.strip():
        raise InvalidInput("The journey needs a name.", hint="Name it after what it does.")
    parsed = parse_definition(definition)
    _check_mail(parsed)
    j.name, j.updated_at = name.strip()[:120], now
    j.definition = parsed.model_dump(mode="json", exclude_none=True)
    session.flush()
    audit.log_event(session, "journey.update", object_type="journey", object_id=str(j.id))
    return get_journey(session, journey_id, scope=scope)


def set_status(
    session: Session, journey_id: int, *, scope: DataScope, status: JourneyStatus, now: datetime
) -> JourneyRow:
    """Activate (from draft or paused) or pause (an active journey). Pausing keeps every guest at their
    step; activating again resumes there. Triggers look back to the first activation only."""
    j = load_journey(session, journey_id, scope=scope)
    allowed = {
        JourneyStatus.ACTIVE: (JourneyStatus.DRAFT, JourneyStatus.PAUSED),
        JourneyStatus.PAUSED: (JourneyStatus.ACTIVE,),
    }
    if status not in allowed or j.status not in allowed[status]:
        raise JourneyStateConflict(
            f"Journey {journey_id} is {j.status.value}; it cannot become {status.value}.",
            hint="Activate a draft or paused journey; pause an active one.",
        )
    j.status, j.updated_at = status, now
    if status is JourneyStatus.ACTIVE and j.activated_at is None:
        j.activated_at = now
    session.flush()
    action = "journey.activate" if status is JourneyStatus.ACTIVE else "journey.pause"
    audit.log_event(session, action, object_type="journey", object_id=str(j.id))
    return get_journey(session, journey_id, scope=scope)
