"""Guest fields: named values of the guest's own (`survey_followup` = `called`) that journeys set with
their `update_field` step and staff set on the profile, asked by segment and journey conditions
({type: field, …}). Golden attributes are not fields: they come from the source systems.

A value is never updated in place: setting a field retires the value in force (who and when), so the
rows of a field are its history; clearing it retires the value and adds none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, insert, literal, select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, guest_visible
from guestgraph.analytics._conditions import FIELD_NAME
from guestgraph.db.models import Guest, GuestField
from guestgraph.errors import GuestNotFound, InvalidInput

F = GuestField
VALUE_LIMIT = 200


@dataclass(frozen=True)
class FieldView:
    id: int
    name: str
    value: str
    set_by: str
    set_at: datetime


def _checked(name: str, value: str | None) -> tuple[str, str | None]:
    name = name.strip()
    if not re.fullmatch(FIELD_NAME, name):
        raise InvalidInput(
            f"{name!r} is not a field name.",
            hint="A field name is 1 to 30 lower-case letters, digits or _, starting with a letter, "
            "e.g. survey_followup.",
        )
    value = value.strip() if value is not None else None
    if value is not None and not 1 <= len(value) <= VALUE_LIMIT:
        raise InvalidInput(
            f"The value of {name} has {len(value)} characters.",
            hint=f"Give 1 to {VALUE_LIMIT} characters, or clear the field instead.",
        )
    return name, value or None


def set_fields(
    session: Session, guests: Select[Any], *, name: str, value: str | None, by: str, now: datetime
) -> int:
    """Set `name` to `value` (None: clear it) for every guest `guests` selects (one column of guest
    ids), set-based: the values in force that differ are retired, then the new value is added where
    the guest has none in force. Returns how many guests got a new value (or lost theirs, clearing)."""
    name, value = _checked(name, value)
    current = and_(F.name == name, F.retired_at.is_(None), F.guest_id.in_(guests))
    differs = current if value is None else and_(current, F.value != value)
    retired = session.execute(update(F).where(differs).values(retired_at=now, retired_by=by))
    if value is None:
        return int(retired.rowcount or 0)  # type: ignore[attr-defined]
    holding = select(F.guest_id).where(F.name == name, F.retired_at.is_(None))
    chosen = guests.subquery()
    rows = (
        select(chosen.c[0], literal(name), literal(value), literal(by), literal(now))
        .where(chosen.c[0].not_in(holding))
        .distinct()
    )
    added = session.execute(
        insert(F).from_select(["guest_id", "name", "value", "set_by", "set_at"], rows).returning(F.id)
    )
    return len(added.all())


def _guest(session: Session, scope: DataScope, public_id: str) -> tuple[int, str]:
    row = session.execute(
        select(Guest.id, Guest.public_id).where(Guest.public_id == public_id, guest_visible(scope))
    ).one_or_none()
    if row is None:
        raise GuestNotFound(f"No guest {public_id} in your data scope.", hint="Check the guest ID.")
    return int(row[0]), str(row[1])


def _guest_id(session: Session, scope: DataScope, public_id: str) -> int:
    return _guest(session, scope, public_id)[0]


def guest_fields(session: Session, *, scope: DataScope, public_id: str) -> list[FieldView]:
    """The guest's fields in force, by name."""
    guest_id = _guest_id(session, scope, public_id)
    rows = session.scalars(
        select(F).where(F.guest_id == guest_id, F.retired_at.is_(None)).order_by(F.name, F.id)
    )
    return [FieldView(f.id, f.name, f.value, f.set_by, f.set_at) for f in rows]


def set_guest_field(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    name: str,
    value: str | None,
    by: str,
    now: datetime,
) -> bool:
    """A member of staff sets (or, with None, clears) one field of a guest in scope; returns whether
    anything changed (the same value again changes nothing)."""
    guest_id, public_id = _guest(session, scope, public_id)
    one = select(literal(guest_id).label("guest_id"))
    changed = set_fields(session, one, name=name, value=value, by=by, now=now) > 0
    if changed:  # the field's name, never its value
        action = "guest.field.set" if value is not None and value.strip() else "guest.field.clear"
        audit.log_event(
            session,
            action,
            guest_public_id=public_id,
            object_type="guest_field",
            object_id=name.strip(),
            details={"field": name.strip()},
        )
    return changed
