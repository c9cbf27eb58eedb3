"""The MyAllocator booking format, as MyAllocator's booking callback and Cloudbeds' OTA build-to-us send it.

One record per entry of `Rooms` (keyed `OrderId`, or `OrderId/<n>` when the order books several
rooms), RESERVATION or, when `IsCancellation` is set, CANCELLATION. `EndDate` is the *last night*
("equal to departure date minus one"), so the departure is the day after it; every other date,
time and amount stays as sent. The first entry of `Customers` is the person who booked; a room's
`OccupantFName/OccupantLName` is its main guest. Card data (`Payments`) was removed before this
module sees the booking.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, items, obj, scalar

Person = dict[str, str | None]
RAW_FORMAT = "vendor_json"
TRUE = frozenset({"1", "true", "yes"})
FALSE = frozenset({"0", "false", "no"})


def is_booking(doc: JsonObject) -> bool:
    """A booking itself (not wrapped in a Cloudbeds request or response)."""
    return "OrderId" in doc or ("Rooms" in doc and "Customers" in doc)


def read_booking(
    booking: JsonObject,
    *,
    location: str,
    hotel_code: str | None,
    wrap: Callable[[JsonObject], object],
    broker_reference: bool,
) -> list[InboundRecord]:
    """`wrap` puts a booking narrowed to one room back into its envelope, to be kept as `raw`.

    `broker_reference`: `OrderSourceId` is the originating OTA's booking number (MyAllocator
    callback) rather than a channel code (Cloudbeds build-to-us).
    """
    rooms = [(i, obj(r)) for i, r in enumerate(items(booking.get("Rooms"))) if isinstance(r, dict)]
    if not rooms:
        return [_record(booking, {}, None, location, hotel_code, wrap(booking), broker_reference, True)]
    single = len(rooms) == 1
    return [
        _record(
            booking,
            room,
            None if single else i + 1,
            f"{location}{'.' if location else ''}Rooms[{i}]",
            hotel_code,
            wrap(booking if single else {**booking, "Rooms": [room]}),
            broker_reference,
            single,
        )
        for i, room in rooms
    ]


def _record(
    booking: JsonObject,
    room: JsonObject,
    number: int | None,
    location: str,
    hotel_code: str | None,
    raw: object,
    broker_reference: bool,
    whole_order: bool,
) -> InboundRecord:
    problems: list[str] = []
    order_id = first(booking.get("OrderId"))
    if order_id is None:
        problems.append("no OrderId: the booking cannot be keyed")
    external_id = f"{order_id}/{number}" if order_id and number else order_id
    cancelled = flag(booking.get("IsCancellation")) == "yes"
    last_night = first(room.get("EndDate"), booking.get("EndDate"))
    departure = day_after(last_night)
    if last_night and departure is None:
        problems.append(
            f"EndDate {last_night!r} (the last night) is not a YYYY-MM-DD date: departure unknown"
        )
    created = stamp(booking.get("OrderDate"), booking.get("OrderTime"))
    modified = stamp(booking.get("OrderModifDate"), booking.get("OrderModifTime"))
    fields = {
        "booking_reference": _booking_reference(booking, broker_reference=broker_reference),
        "arrival": first(room.get("StartDate"), booking.get("StartDate")),
        "departure": departure,
        "room_type": first(room.get("ChannelRoomType"), ",".join(_texts(room.get("RoomTypeIds"))) or None),
        "rate_plan": first(room.get("RateId"), *(obj(d).get("RateId") for d in items(room.get("DayRates")))),
        "channel": first(booking.get("OrderSource"), booking.get("Channel")),
        "adults": first(room.get("Adults"), booking.get("OrderAdults") if whole_order else None),
        "children": _children(room) or (first(booking.get("OrderChildren")) if whole_order else None),
        "stay_status": "Cancelled" if cancelled else _modified(booking),
        "description": "; ".join(_texts(room.get("RoomDesc"), room.get("RateDesc"))) or None,
        "notes": _notes(booking, room),
        "created_at": created,
        "updated_at": modified,
    }
    fields |= _amount(booking, room, whole_order=whole_order)
    return InboundRecord(
        record_type=RecordType.CANCELLATION if cancelled else RecordType.RESERVATION,
        external_id=external_id,
        location=location,
        raw=dump(raw),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        persons=_persons(booking, room),
        source_updated_at=first(
            stamp(booking.get("MyallocatorModificationDate"), booking.get("MyallocatorModificationTime")),
            modified,
            stamp(booking.get("MyallocatorCreationDate"), booking.get("MyallocatorCreationTime")),
            created,
        ),
        hotel_code=hotel_code or first(booking.get("PropertyId")),
        reader_problems=problems,
    )


def _booking_reference(booking: JsonObject, *, broker_reference: bool) -> str | None:
    """The originating OTA's number (`ExternalReferences` of type OTA), else the order's own."""
    references = [obj(r) for r in items(booking.get("ExternalReferences"))]
    ota = next((first(r.get("Reference")) for r in references if first(r.get("Type")) == "OTA"), None)
    if ota:
        return ota
    return first(booking.get("OrderSourceId")) if broker_reference else first(booking.get("OrderId"))


def _amount(booking: JsonObject, room: JsonObject, *, whole_order: bool) -> dict[str, str | None]:
    """The order total (what the guest pays) for a one-room order, else the room's own price."""
    if whole_order and first(booking.get("TotalPrice")) is not None:
        return {"amount": first(booking.get("TotalPrice")), "currency": first(booking.get("TotalCurrency"))}
    return {
        "amount": first(room.get("Price")),
        "currency": first(room.get("Currency"), booking.get("TotalCurrency")),
    }


def _children(room: JsonObject) -> str | None:
    counts = [room.get("Children"), room.get("Babies")]
    if all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return str(sum(c for c in counts if isinstance(c, int)))
    return first(room.get("Children"))


def _modified(booking: JsonObject) -> str | None:
    return "Modified" if flag(booking.get("IsModification")) == "yes" else None


def _notes(booking: JsonObject, room: JsonObject) -> str | None:
    notes = [first(obj(c).get("CustomerNote")) for c in items(booking.get("Customers"))]
    notes.append(first(room.get("OccupantNote")))
    if reason := first(booking.get("CancellationReason")):
        notes.append(f"cancellation reason: {reason}")
    return "\n".join(n.strip() for n in notes if n) or None


def _persons(booking: JsonObject, room: JsonObject) -> list[Person]:
    persons: list[Person] = []
    occupant = _present(_named({"role": "primary"}, room.get("OccupantFName"), room.get("OccupantLName")))
    if len(occupant) > 1:
        persons.append(occupant)
    customers = [obj(c) for c in items(booking.get("Customers")) if isinstance(c, dict)]
    for i, customer in enumerate(customers):
        role = ("booker" if persons else "primary") if i == 0 else "additional"
        person = _customer(customer, role=role)
        if i == 0:
            person |= _loyalty(booking)
        persons.append(person)
    persons += [_agency(obj(a)) for a in items(booking.get("TravelAgencies"))]
    persons += [
        _agency(obj(a), role="company")
        for a in items(booking.get("CustomerAssociations"))
        if first(obj(a).get("CompanyName"))
    ]
    return [p for p in (_present(p) for p in persons) if len(p) > 1]


def _customer(customer: JsonObject, *, role: str) -> Person:
    mobile, phone = first(customer.get("CustomerPhoneMobile")), first(customer.get("CustomerPhone"))
    person: Person = {
        "role": role,
        "salutation": first(customer.get("CustomerTitle")),
        "gender": first(customer.get("CustomerGender")),
        "birth_date": first(customer.get("CustomerBirthday")),
        "nationality": first(customer.get("CustomerNationality")),
        "email": first(customer.get("CustomerEmail")),
        "phone": mobile or phone,
        "phone_alt": phone if mobile and phone != mobile else None,
        "address_line": first(customer.get("CustomerAddress")),
        "city": first(customer.get("CustomerCity")),
        "postal_code": first(customer.get("CustomerPostCode")),
        "region": first(customer.get("CustomerState")),
        "country": first(customer.get("CustomerCountry")),
        "company_name": first(customer.get("CustomerCompany")),
        "consent_email_marketing": flag(customer.get("MarketingOptIn")),
    }
    return _named(person, customer.get("CustomerFName"), customer.get("CustomerLName"))


def _named(person: Person, given: object, family: object) -> Person:
    """`*LName` holds the full name when the channel does not split names (and sends no `*FName`)."""
    given_name, family_name = first(given), first(family)
    if given_name:
        return person | {"given_name": given_name, "family_name": family_name}
    return person | {"full_name": family_name}


def _loyalty(booking: JsonObject) -> Person:
    membership = obj(next(iter(items(booking.get("Memberships"))), None))
    loyalty = obj(next(iter(items(booking.get("Loyalties"))), None))
    return {
        "loyalty_program": first(membership.get("ProgramCode"), loyalty.get("Description")),
        "loyalty_number": first(membership.get("AccountId"), loyalty.get("MemberId")),
    }


def _agency(agency: JsonObject, *, role: str = "travel_agent") -> Person:
    return {
        "role": role,
        "company_name": first(agency.get("CompanyName"), agency.get("Name")),
        "email": first(agency.get("Email")),
        "phone": first(agency.get("Phone"), agency.get("PhoneMobile")),
        "address_line": first(agency.get("Address")),
        "city": first(agency.get("City")),
        "postal_code": first(agency.get("PostCode")),
        "region": first(agency.get("State")),
        "country": first(agency.get("Country")),
    }


def flag(value: object) -> str | None:
    """Booleans sent as true/false, 0/1 or "0"/"1" as yes/no; anything else as sent."""
    text = scalar(value)
    if text is None:
        return None
    lowered = text.strip().lower()
    return "yes" if lowered in TRUE else "no" if lowered in FALSE else text


def day_after(value: str | None) -> str | None:
    """The ISO day after a `YYYY-MM-DD` date; None when the value is not one."""
    if value is None or len(value) != 10:
        return None
    try:
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    except (ValueError, OverflowError):
        return None


def stamp(day: object, time: object) -> str | None:
    """A date and a time sent in two fields, as one timestamp (both as sent)."""
    day_text, time_text = first(day), first(time)
    if day_text and time_text:
        return f"{day_text}T{time_text}"
    return day_text


def _texts(*values: object) -> list[str]:
    found: list[str] = []
    for value in values:
        for entry in value if isinstance(value, list) else [value]:
            if (text := first(entry)) is not None:
                found.append(text)
    return found


def _present(person: Person) -> Person:
    return {k: v for k, v in person.items() if v is not None}
