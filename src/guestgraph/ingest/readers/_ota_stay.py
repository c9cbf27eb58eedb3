"""The stay facts of an OTA `HotelReservation`: ids, dates, room, rate, occupancy, amount, notes.

One record per `HotelReservation`: stay fields come from the first `RoomStay` (a problem says so
when there are several that differ); occupancy is summed over all room stays.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from guestgraph.ingest.readers._xmlsafe import attr, child, children, find, find_all, text

Fields = dict[str, str | None]

ADULT_CODES = frozenset({"10", "11", "1", "2"})
CHILD_CODES = frozenset({"7", "8", "3", "4", "5", "9"})
HOTEL_ID_TYPES = ("3", "10", "14")  # hotel confirmation / hotel reference / reservation


def reservation_ids(reservation: Element) -> tuple[str | None, Fields]:
    """The key (`UniqueID` Type 14, else the first) and the confirmation / channel references."""
    unique_ids = [(attr(u, "Type"), attr(u, "ID")) for u in children(reservation, "UniqueID")]
    res_ids: dict[str, str] = {}
    for rid in find_all(reservation, "ResGlobalInfo/HotelReservationIDs/HotelReservationID"):
        kind, value = attr(rid, "ResID_Type"), attr(rid, "ResID_Value")
        if kind and value:
            res_ids.setdefault(kind, value)
    typed: dict[str, str] = {}
    for kind, value in unique_ids:
        if kind and value:
            typed.setdefault(kind, value)
    external_id = typed.get("14") or next((i for _, i in unique_ids if i), None) or res_ids.get("14")
    confirmation = next((res_ids[t] for t in HOTEL_ID_TYPES if t in res_ids), None) or typed.get("10")
    return external_id, {
        "confirmation_number": confirmation or external_id,
        "booking_reference": res_ids.get("8") or typed.get("14") or external_id,
    }


def channel(payload: Element, reservation: Element) -> str | None:
    """POS/Source: with several sources (SiteMinder) the second is the original booking channel."""
    sources = find_all(reservation, "POS/Source") or find_all(payload, "POS/Source")
    for source in sources[1:2] + sources[:1]:
        company = find(source, "BookingChannel/CompanyName")
        value = attr(company, "Code") or text(company) or attr(child(source, "RequestorID"), "ID")
        if value:
            return value
    for rid in find_all(reservation, "ResGlobalInfo/HotelReservationIDs/HotelReservationID"):
        if attr(rid, "ResID_Type") == "13":  # AlpineBits "internet broker": the portal that sent it
            return attr(rid, "ResID_Source")
    return None


def hotel_code(reservation: Element) -> str | None:
    candidates = find_all(reservation, "RoomStays/RoomStay/BasicPropertyInfo") + find_all(
        reservation, "ResGlobalInfo/BasicPropertyInfo"
    )
    return next((c for c in (attr(b, "HotelCode") for b in candidates) if c), None)


def stay_fields(reservation: Element, problems: list[str]) -> Fields:
    room_stays = find_all(reservation, "RoomStays/RoomStay")
    first = room_stays[0] if room_stays else None
    fields: Fields = {}
    notes = _timespan(child(first, "TimeSpan"), fields)
    fields.update(_codes(first, problems))
    fields.update(_occupancy(room_stays, problems))
    fields.update(_amount(room_stays, child(reservation, "ResGlobalInfo")))
    notes += [n for rs in room_stays for n in _comments(rs)] + _comments(child(reservation, "ResGlobalInfo"))
    fields["notes"] = "\n".join(notes) or None
    if len(room_stays) > 1 and len({_stay_key(rs) for rs in room_stays}) > 1:
        problems.append(
            f"{len(room_stays)} RoomStays with different dates or rooms: dates, room type and rate "
            "plan are taken from the first; see raw for the others"
        )
    return fields


def _timespan(span: Element | None, fields: Fields) -> list[str]:
    fields["arrival"], fields["departure"] = attr(span, "Start"), attr(span, "End")
    notes = []
    if duration := attr(span, "Duration"):
        notes.append(f"requested duration: {duration}")
    window = child(span, "StartDateWindow")
    if window is not None:
        notes.append(f"arrival window: {attr(window, 'EarliestDate')} to {attr(window, 'LatestDate')}")
    return notes


def _codes(room_stay: Element | None, problems: list[str]) -> Fields:
    room_rate = find(room_stay, "RoomRates/RoomRate")
    room_type = attr(find(room_stay, "RoomTypes/RoomType"), "RoomTypeCode")
    rate_plan = attr(find(room_stay, "RatePlans/RatePlan"), "RatePlanCode")
    rate_room, rate_rate = attr(room_rate, "RoomTypeCode"), attr(room_rate, "RatePlanCode")
    if (room_type and rate_room and room_type != rate_room) or (
        rate_plan and rate_rate and rate_plan != rate_rate
    ):
        problems.append(
            f"RoomTypes/RatePlans say {room_type}/{rate_plan} but RoomRate says {rate_room}/{rate_rate}; "
            "the RoomTypes/RatePlans codes are used"
        )
    return {"room_type": room_type or rate_room, "rate_plan": rate_plan or rate_rate}


def _occupancy(room_stays: list[Element], problems: list[str]) -> Fields:
    adults = children_count = 0
    seen = False
    for count in (c for rs in room_stays for c in find_all(rs, "GuestCounts/GuestCount")):
        raw, code = attr(count, "Count"), attr(count, "AgeQualifyingCode")
        if raw is None or not raw.strip().isdigit():
            problems.append(f"GuestCount/@Count {raw!r} is not a whole number; occupancy is incomplete")
            continue
        seen = True
        if code in CHILD_CODES or (code is None and attr(count, "Age") is not None):
            children_count += int(raw)
        elif code in ADULT_CODES or code is None:
            adults += int(raw)
        else:
            problems.append(f"GuestCount/@AgeQualifyingCode {code!r} is neither adult nor child; not counted")
    if not seen:
        return {}
    return {"adults": str(adults), "children": str(children_count)}


def _amount(room_stays: list[Element], global_info: Element | None) -> Fields:
    """The single room stay's Total, else ResGlobalInfo/Total; after tax preferred."""
    room_totals = [t for t in (child(rs, "Total") for rs in room_stays) if _total_value(t)]
    global_total = child(global_info, "Total")
    if len(room_stays) == 1 and room_totals:
        total = room_totals[0]
    elif _total_value(global_total):
        total = global_total
    else:
        total = room_totals[0] if room_totals else None
    return {"amount": _total_value(total), "currency": attr(total, "CurrencyCode")}


def _total_value(total: Element | None) -> str | None:
    return attr(total, "AmountAfterTax") or attr(total, "AmountBeforeTax")


def _comments(parent: Element | None) -> list[str]:
    notes = []
    for comment in find_all(parent, "Comments/Comment"):
        items = [v for v in (text(i) for i in children(comment, "ListItem")) if v]
        body = "; ".join(items) if items else text(child(comment, "Text")) or text(comment)
        if body:
            name = attr(comment, "Name")
            notes.append(f"{name}: {body}" if name else body)
    for request in find_all(parent, "SpecialRequests/SpecialRequest"):
        label = attr(request, "Name") or attr(request, "RequestCode")
        body = text(child(request, "Text")) or text(request)
        if body or label:
            notes.append(
                f"special request {label}: {body}" if label and body else f"special request: {body or label}"
            )
    return notes


def _stay_key(room_stay: Element) -> tuple[str | None, ...]:
    span = child(room_stay, "TimeSpan")
    return (
        attr(span, "Start"),
        attr(span, "End"),
        attr(find(room_stay, "RoomTypes/RoomType"), "RoomTypeCode"),
    )
