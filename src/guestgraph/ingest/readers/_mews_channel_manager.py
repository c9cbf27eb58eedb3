"""Mews Channel Manager API push (camelCase): `processGroup` gives one record per `reservations[]`
entry, keyed `channelManagerId/code`; state 3 (or, for the whole group, no reservations at all) is a
cancellation. `confirmGroup` only confirms codes: no records."""

from __future__ import annotations

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, get, items, obj
from guestgraph.ingest.readers._mews import RAW_FORMAT, Person, _texts

CM_MARKERS = ("channelManagerId", "channelId", "relatedMessageId")  # its tokens are cut out before
CM_STATES = {"1": "Created", "2": "Modified", "3": "Cancelled"}
CM_GROUP_KEYS = (
    "channelId",
    "channelManagerId",
    "currencyCode",
    "customer",
    "booker",
    "sources",
    "company",
    "travelAgency",
    "comments",
)
ADULTS = frozenset({"adult", "senior citizen", "seniorcitizen"})
CHILDREN = frozenset({"infant", "child", "teenager"})

# --- Channel Manager API ----------------------------------------------------------------------


def is_channel_manager(doc: JsonObject) -> bool:
    if any(k in doc for k in CM_MARKERS):
        return True
    rooms = doc.get("reservations")
    return isinstance(rooms, list) and any(
        isinstance(r, dict) and ("spaceTypeCode" in r or "guestCounts" in r or "confirmationNumber" in r)
        for r in rooms
    )


def read_channel_manager(doc: JsonObject) -> list[InboundRecord]:
    rooms = [(i, obj(r)) for i, r in enumerate(items(doc.get("reservations"))) if isinstance(r, dict)]
    if _is_confirmation(doc, [r for _, r in rooms]):
        return []
    group = first(doc.get("channelManagerId"), doc.get("channelId"))
    if not rooms:
        if group and not doc.get("reservations"):
            return [_group_cancellation(doc, group)]
        return []
    group_raw = {k: doc[k] for k in CM_GROUP_KEYS if k in doc}
    booking_persons = _booking_persons(doc)
    return [_room_record(doc, room, i, group, group_raw, booking_persons) for i, room in rooms]


def _is_confirmation(doc: JsonObject, rooms: list[JsonObject]) -> bool:
    """`confirmGroup`: Mews confirming room codes (or reporting an error); it carries no stay."""
    if "relatedMessageId" in doc:
        return True
    return bool(rooms) and all(
        "confirmationNumber" in r and not any(k in r for k in ("from", "to", "spaceTypeCode")) for r in rooms
    )


def _room_record(
    doc: JsonObject,
    room: JsonObject,
    index: int,
    group: str | None,
    group_raw: JsonObject,
    booking_persons: tuple[Person, Person, list[Person]],
) -> InboundRecord:
    problems: list[str] = []
    code = first(room.get("code"))
    if group and code:
        external_id: str | None = f"{group}/{code}"
    else:
        external_id = code or group
        problems.append(
            "no channelManagerId (or channelId) and room code together: the room cannot be keyed uniquely"
        )
    state = first(room.get("state"))
    status = CM_STATES.get(state or "", state)
    adults, children = _guest_counts(room)
    total = obj(room.get("totalAmount"))
    amount = first(total.get("gross"))
    notes = _texts(doc.get("comments"))
    if amount is None and (amount := first(total.get("net"))):
        notes.append("amount is the net total (taxes excluded): no gross total was sent")
    fields = {
        "confirmation_number": first(room.get("confirmationNumber")),
        "booking_reference": first(doc.get("channelId")),
        "arrival": first(room.get("from")),
        "departure": first(room.get("to")),
        "room_type": first(room.get("spaceTypeCode")),
        "rate_plan": first(room.get("ratePlanCode")),
        "adults": adults,
        "children": children,
        "amount": amount,
        "currency": first(doc.get("currencyCode")) if amount else None,
        "channel": _source(doc.get("sources")),
        "stay_status": status,
        "notes": "\n".join(notes) or None,
    }
    customer, booker, organisations = booking_persons
    guests = [_cm_person(obj(g), role="additional") for g in items(room.get("guests"))]
    guests = [g for g in guests if len(g) > 1]
    if guests:
        guests[0]["role"] = "primary"
        owner = [] if len(booker) > 1 else [{**customer, "role": "booker"}]  # older docs: the booker
    else:
        owner = [dict(customer)]
    persons = [dict(p) for p in [*guests, *owner, booker, *organisations] if len(p) > 1]
    return InboundRecord(
        record_type=RecordType.CANCELLATION if state == "3" else RecordType.RESERVATION,
        external_id=external_id,
        location=f"reservations[{index}]",
        raw=dump({**group_raw, "reservations": [room]}),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        persons=persons,
        reader_problems=problems,
    )


def _group_cancellation(doc: JsonObject, group: str) -> InboundRecord:
    """No reservations in a group push: Mews cancels the whole group."""
    return InboundRecord(
        record_type=RecordType.CANCELLATION,
        external_id=group,
        location="",
        raw=dump({k: doc.get(k) for k in ("channelManagerId", "channelId", "reservations") if k in doc}),
        raw_format=RAW_FORMAT,
        fields={
            k: v
            for k, v in {
                "booking_reference": first(doc.get("channelId")),
                "stay_status": "Cancelled",
                "notes": f"group {group} pushed without reservations: the whole group is cancelled",
            }.items()
            if v is not None
        },
    )


def _booking_persons(doc: JsonObject) -> tuple[Person, Person, list[Person]]:
    customer = _cm_person(obj(doc.get("customer")), role="primary")
    booker = _cm_person(obj(doc.get("booker")), role="booker")
    organisations = [
        _organisation(obj(doc.get("company")), role="company"),
        _organisation(obj(doc.get("travelAgency")), role="travel_agent"),
    ]
    return customer, booker, [o for o in organisations if len(o) > 1]


def _cm_person(person: JsonObject, *, role: str) -> Person:
    loyalty = obj(person.get("loyaltyInfo"))
    found: Person = {
        "role": role,
        "given_name": first(person.get("firstName")),
        "family_name": first(person.get("lastName")),
        "salutation": first(person.get("title")),
        "email": first(person.get("email")),
        "phone": first(person.get("telephone"), person.get("phone")),
        "nationality": first(person.get("nationalityCode")),
        "language": first(person.get("languageCode")),
        "loyalty_program": first(loyalty.get("programCode")),
        "loyalty_number": first(loyalty.get("membershipId"), person.get("loyaltyCode")),
        "loyalty_tier": first(loyalty.get("tierCode")),
    }
    found |= _cm_address(obj(person.get("address")))
    return {k: v for k, v in found.items() if v is not None}


def _organisation(organisation: JsonObject, *, role: str) -> Person:
    contact = obj(organisation.get("contact"))
    found: Person = {
        "role": role,
        "company_name": first(organisation.get("name")),
        "email": first(contact.get("email")),
        "phone": first(contact.get("telephone"), contact.get("phone")),
    }
    found |= _cm_address(obj(contact.get("address")))
    return {k: v for k, v in found.items() if v is not None}


def _cm_address(address: JsonObject) -> Person:
    lines = [
        line for line in (first(address.get("addressLine1")), first(address.get("addressLine2"))) if line
    ]
    return {
        "address_line": ", ".join(lines) or None,
        "city": first(address.get("city")),
        "region": first(address.get("region")),
        "postal_code": first(address.get("zip")),
        "country": first(address.get("country")),
    }


def _guest_counts(room: JsonObject) -> tuple[str | None, str | None]:
    """Adults (Adult, Senior citizen) and children (Infant, Child, Teenager) of `guestCounts`."""
    adults = children = 0
    counted = False
    for entry in items(room.get("guestCounts")):
        code, count = (first(get(entry, "code")) or "").lower(), get(entry, "count")
        if not isinstance(count, int) or isinstance(count, bool):
            continue
        if code in ADULTS:
            adults, counted = adults + count, True
        elif code in CHILDREN:
            children, counted = children + count, True
    if counted:
        return str(adults), str(children)
    return first(room.get("adultCount")), first(room.get("childCount"))


def _source(sources: object) -> str | None:
    entries = [obj(s) for s in items(sources)]
    primary = next((s for s in entries if s.get("isPrimary") is True), entries[0] if entries else {})
    return first(primary.get("name"), primary.get("code"))
