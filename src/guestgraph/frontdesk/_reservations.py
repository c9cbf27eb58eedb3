"""Reservations and check-in/out: create a booking, check in (with the ID document seen), check out,
cancel or mark a no-show, each a new version of the stay's front-desk record."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from guestgraph import cleanse
from guestgraph.access import DataScope
from guestgraph.db.models import StayStatus
from guestgraph.errors import Conflict, InvalidInput
from guestgraph.frontdesk._desk_record import OperationResult, Plan, run, with_balance
from guestgraph.frontdesk._hotels import operable_hotel
from guestgraph.frontdesk._stay_lookup import other_guests, primary_rule, stay_and_guest
from guestgraph.frontdesk._stay_records import ID_LABEL, ID_TYPES, carried_person, stay_fields, stay_record
from guestgraph.profiles import visible_guest

# What each operation needs the stay to be, and what it makes of it.
TRANSITIONS: dict[str, tuple[frozenset[StayStatus], StayStatus]] = {
    "check_in": (frozenset({StayStatus.BOOKED}), StayStatus.IN_HOUSE),
    "check_out": (frozenset({StayStatus.IN_HOUSE}), StayStatus.CHECKED_OUT),
    "cancel": (frozenset({StayStatus.BOOKED}), StayStatus.CANCELLED),
    "no_show": (frozenset({StayStatus.BOOKED}), StayStatus.NO_SHOW),
}


@dataclass(frozen=True)
class NewReservation:
    hotel_code: str
    guest_public_id: str
    arrival: date
    departure: date
    room_type: str | None = None
    rate_plan: str | None = None
    amount: Decimal | None = None  # room revenue of the whole stay
    adults: int = 1
    children: int = 0


def create_reservation(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    reservation: NewReservation,
    staff_user_id: int | None,
) -> OperationResult:
    """A new booked stay for a guest in scope at a hotel in scope."""
    r = reservation
    if r.departure <= r.arrival:
        raise InvalidInput("The departure must be after the arrival.", hint="Check the dates.")
    with factory() as session:
        operable_hotel(session, scope, r.hotel_code)
        guest = visible_guest(session, scope, r.guest_public_id)
        person = carried_person(session, guest)
        session.expunge(guest)
    conf = "FD" + secrets.token_hex(4).upper()
    fields = {
        "confirmation_number": conf,
        "arrival": r.arrival.isoformat(),
        "departure": r.departure.isoformat(),
        "room_type": r.room_type,
        "rate_plan": r.rate_plan,
        "channel": "front_desk",
        "adults": str(r.adults),
        "children": str(r.children),
        "amount": str(r.amount) if r.amount is not None else None,
        "stay_status": StayStatus.BOOKED.value,
    }
    record = stay_record(r.hotel_code, conf, fields, person, version=1)
    return run(factory, Plan(r.hotel_code, conf, guest, record, "reservation"), staff_user_id)


def change_stay(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    operation: str,
    staff_user_id: int | None,
    room_number: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
) -> OperationResult:
    """Check in (room number and the ID document seen), check out, cancel or mark a no-show."""
    if operation not in TRANSITIONS:
        raise InvalidInput(
            f"Unknown stay operation {operation!r}.", hint=f"Use one of: {', '.join(TRANSITIONS)}."
        )
    allowed, becomes = TRANSITIONS[operation]
    with factory() as session:
        stay, guest, version = stay_and_guest(session, scope, hotel_code, confirmation_number)
        if stay.status not in allowed:
            raise Conflict(
                f"Stay {confirmation_number} is {stay.status.value}; {operation} needs "
                f"{' or '.join(sorted(s.value for s in allowed))}.",
                hint="Reload the page: someone may have changed the stay.",
            )
        fields = stay_fields(stay) | {"stay_status": becomes.value}
        person = carried_person(session, guest)
        others = other_guests(session, stay.id)
        carried = [carried_person(session, other, role) for other, role in others]
        rule = primary_rule(session, stay, guest.id)
    if operation == "check_in":
        if not (id_type and id_number):
            raise InvalidInput("Check-in records the ID document seen.", hint="Enter its type and number.")
        if id_type not in ID_TYPES:
            raise InvalidInput(
                f"Unknown ID document type {id_type!r}.", hint=f"Use one of: {', '.join(ID_TYPES)}."
            )
        label = ID_LABEL.get(id_type, "other")
        # The clerk holds the document: a number that cannot be right is refused (CleanseError, 400).
        cleanse.parse_document(label, id_number)
        person |= {"id_type": label, "id_number": id_number.strip()}
        fields["room_number"] = (room_number or "").strip() or fields.get("room_number")
    record = stay_record(hotel_code, confirmation_number, fields, person, *carried, version=version + 1)
    plan = Plan(hotel_code, confirmation_number, guest, record, operation, others, primary_rule=rule)
    return with_balance(factory, run(factory, plan, staff_user_id))
