"""Naming a stay's primary guest when it has none (its primary guest erased with its record, or a
booking naming only a companion or booker): the guest in the room, one of its companions or any guest in
scope, with the clerk's reason kept in the record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from guestgraph import identity
from guestgraph.access import DataScope, mask_name
from guestgraph.db.models import GuestRole
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk._desk_record import OperationResult, Plan, run
from guestgraph.frontdesk._stay_lookup import (
    StayHasPrimaryGuest,
    latest_version,
    other_guests,
    primary_guest_of,
    stay_in_scope,
)
from guestgraph.frontdesk._stay_records import carried_person, stay_fields, stay_record
from guestgraph.profiles import visible_guest

REASON_MAX = 300


@dataclass(frozen=True)
class StayGuestChoice:
    """A guest left on a stay (a companion or its booker), as the desk may name them its primary guest."""

    guest_public_id: str
    guest_name: str | None  # masked
    role: str


def name_primary_guest(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    guest_public_id: str,
    reason: str,
    staff_user_id: int | None,
) -> OperationResult:
    """Name the guest in the room as the primary guest of a stay that has none (erased with its
    record, or a booking naming only a companion or booker): one of its companions (who leaves the
    companions) or any guest in scope. A new version of the stay's record like every desk operation,
    keeping its status and its other links; the clerk's reason is kept in the record."""
    why = _reason(reason)
    if not guest_public_id.strip():
        raise InvalidInput(
            "Choose the guest to name the stay's primary guest.",
            hint="Pick a guest left on the stay, or enter another guest's ID.",
        )
    with factory() as session:
        plan = _naming(session, scope, hotel_code, confirmation_number, guest_public_id.strip(), why)
    return run(factory, plan, staff_user_id)


def _reason(reason: str) -> str:
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput(
            "Naming a stay's primary guest needs a reason.",
            hint="Say why, e.g. 'primary guest erased; her companion shows her ID at check-out'.",
        )
    if len(why) > REASON_MAX:
        raise InvalidInput(f"The reason is longer than {REASON_MAX} characters.", hint="Shorten it.")
    return why


def _naming(
    session: Session, scope: DataScope, hotel_code: str, confirmation_number: str, public_id: str, why: str
) -> Plan:
    """The stay's next version naming the guest its primary guest, its other links as they stand (a
    companion named leaves the companions; a booker named stays the booker too)."""
    stay = stay_in_scope(session, scope, hotel_code, confirmation_number)
    if (named := primary_guest_of(session, stay.id)) is not None:
        raise StayHasPrimaryGuest(
            f"Stay {confirmation_number} at {hotel_code} already has a primary guest ({named.public_id}).",
            hint="Stay operations act for them; reload the page.",
        )
    guest = visible_guest(session, scope, public_id)
    version = latest_version(session, hotel_code, confirmation_number)
    fields = stay_fields(stay) | {"stay_status": stay.status.value}
    person = carried_person(session, guest)
    session.expunge(guest)
    links = other_guests(session, stay.id)
    others = [(o, role) for o, role in links if not (o.id == guest.id and role is GuestRole.ADDITIONAL)]
    carried = [carried_person(session, other, role) for other, role in others]
    record = stay_record(hotel_code, confirmation_number, fields, person, *carried, version=version + 1)
    was = ", ".join(sorted(role.value for o, role in links if o.id == guest.id)) or "not on the stay"
    label = "name_primary_guest"
    return Plan(
        hotel_code, confirmation_number, guest, record, label, others, why, identity.NAMED, {"was": was}
    )


def primary_guest_choices(
    session: Session, *, scope: DataScope, hotel_code: str, confirmation_number: str
) -> list[StayGuestChoice]:
    """The guests left on a stay in scope (companions, booker), names masked, for the desk to name
    one its primary guest."""
    stay = stay_in_scope(session, scope, hotel_code, confirmation_number)
    return [
        StayGuestChoice(guest.public_id, mask_name(guest.full_name), role.value)
        for guest, role in other_guests(session, stay.id)
    ]
