"""One OHIP reservation object (GET, search, POST/PUT body, stay history, cancel) as a record."""

from __future__ import annotations

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, get, items, obj
from guestgraph.ingest.readers._ohip_person import guest_summary_person, profile_person

Person = dict[str, str | None]
CANCELLED = frozenset({"cancelled", "canceled"})
CANCEL_KEYS = ("cxlInstr", "externalCancellationId")


def reservation_record(res: JsonObject, *, location: str, cancel_reason: JsonObject | None) -> InboundRecord:
    """`cancel_reason` is the `reason` of a cancellation request (None for anything else)."""
    problems: list[str] = []
    ids = {
        str(get(e, "type") or "").lower(): first(get(e, "id"))
        for e in reversed(items(res.get("reservationIdList")))
    }
    external_id = ids.get("reservation") or next((i for i in ids.values() if i), None)
    status = first(res.get("reservationStatus"))
    cancelled = (
        cancel_reason is not None or any(k in res for k in CANCEL_KEYS) or (status or "").lower() in CANCELLED
    )
    room_stay = obj(res.get("roomStay"))
    rate = obj(next(iter(items(room_stay.get("roomRates"))), None))
    fields = {
        "confirmation_number": ids.get("confirmation"),
        "booking_reference": ids.get("externalreference"),
        "arrival": first(room_stay.get("arrivalDate")),
        "departure": first(room_stay.get("departureDate")),
        "room_type": first(room_stay.get("roomType"), rate.get("roomType")),
        "rate_plan": first(room_stay.get("ratePlanCode"), rate.get("ratePlanCode")),
        "room_number": first(room_stay.get("roomNumber")),
        "adults": first(
            room_stay.get("adultCount"), get(room_stay, "guestCounts.adults"), get(rate, "guestCounts.adults")
        ),
        "children": first(
            room_stay.get("childCount"),
            get(room_stay, "guestCounts.children"),
            get(rate, "guestCounts.children"),
        ),
        "channel": first(get(res, "sourceOfSale.sourceType"), room_stay.get("bookingMedium")),
        "stay_status": status or ("Cancelled" if cancelled else None),
        "notes": _notes(res, cancel_reason or {}) or None,
        "created_at": first(res.get("createDateTime")),
        "updated_at": first(res.get("lastModifyDateTime")),
    }
    fields |= _amount(room_stay, rate, problems)
    if external_id is None:
        problems.append("no reservationIdList entry: the reservation cannot be keyed")
    if ids and "reservation" not in ids:
        problems.append(f"no reservationIdList entry of type Reservation; using id {external_id!r}")
    return InboundRecord(
        record_type=RecordType.CANCELLATION if cancelled else RecordType.RESERVATION,
        external_id=external_id,
        location=location,
        raw=dump(res),
        raw_format="ohip_json",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=_guests(res),
        source_updated_at=fields["updated_at"] or fields["created_at"],
        hotel_code=first(res.get("hotelId")),
        reader_problems=problems,
    )


def _amount(room_stay: JsonObject, rate: JsonObject, problems: list[str]) -> dict[str, str | None]:
    """Stay total after tax, else before tax, else the room rate's total; else the nightly rate."""
    totals = [obj(room_stay.get("total")), obj(rate.get("total"))]
    amount = next(
        (a for t in totals if (a := first(t.get("amountAfterTax"), t.get("amountBeforeTax")))), None
    )
    base = obj(get(next(iter(items(get(rate, "rates.rate"))), None), "base"))
    rate_amount = obj(room_stay.get("rateAmount"))
    if amount is None and (amount := first(rate_amount.get("amount"))):
        problems.append("amount is roomStay.rateAmount (a rate), not a stay total")
    currency = first(
        *(t.get("currencyCode") for t in totals), base.get("currencyCode"), rate_amount.get("currencyCode")
    )
    return {"amount": amount, "currency": currency}


def _guests(res: JsonObject) -> list[Person]:
    container = res.get("reservationGuests")
    entries = [
        obj(e)
        for e in items(get(container, "reservationGuest") if isinstance(container, dict) else container)
    ]
    flagged = next((i for i, e in enumerate(entries) if e.get("primary") is True), 0)
    persons = [
        profile_person(obj(get(e, "profileInfo.profile")), role="primary" if i == flagged else "additional")
        for i, e in enumerate(entries)
    ]
    summary = res.get("reservationGuest")
    if isinstance(summary, dict):
        persons.append(guest_summary_person(summary, role="additional" if persons else "primary"))
    persons = [p for p in persons if len(p) > 1]
    persons.sort(key=lambda p: p.get("role") != "primary")
    return persons


def _notes(res: JsonObject, reason: JsonObject) -> str:
    comments = res.get("comments")
    entries = items(get(comments, "commentInfo")) if isinstance(comments, dict) else items(comments)
    notes = []
    for entry in entries:
        body = first(get(entry, "comment.text.value"))
        title = first(get(entry, "comment.commentTitle"))
        if body:
            notes.append(f"{title}: {body}" if title else body)
    if reason_text := first(reason.get("description"), reason.get("code")):
        notes.append(f"cancellation reason: {reason_text}")
    if cancellation_id := first(res.get("externalCancellationId")):
        notes.append(f"external cancellation id: {cancellation_id}")
    return "\n".join(notes)
