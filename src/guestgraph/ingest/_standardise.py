"""Standardise and validate one inbound record: the same rules for every source."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any
from unicodedata import is_normalized
from zoneinfo import ZoneInfo

from guestgraph import cleanse, offers
from guestgraph.cleanse import CleanseError
from guestgraph.db.models import RecordType
from guestgraph.ingest._context import RecordContext, SourceSettings
from guestgraph.ingest._findings import Outcome
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._persons import standardise_person
from guestgraph.ingest._scrub import MAX_FIELD, clean_text
from guestgraph.ingest._status import OUTLETS, PAYMENT_METHODS, stay_status

ORDER_IN_NOTES = re.compile(
    r"(?:订单号|订单|order\s*(?:no\.?|number|#)?|booking\s*(?:id|no\.?|#))\s*[:：#]?\s*([0-9A-Za-z-]{6,})",
    re.IGNORECASE,
)
NAME_REQUIRED = {
    RecordType.RESERVATION,
    RecordType.PROFILE,
    RecordType.MEMBER,
    RecordType.REGISTRATION,
    RecordType.FOLIO,
}
PLAIN_RECORD_FIELDS = (
    "confirmation_number",
    "booking_reference",
    "room_number",
    "room_type",
    "rate_plan",
    "channel",
    "check_number",
    "description",
    "notes",
)


def standardise(record: InboundRecord, settings: SourceSettings) -> Outcome:
    ctx = RecordContext(settings)
    _clean_values(ctx, record)
    for problem in record.reader_problems:
        ctx.reject("row.shape", None, None, detail=problem)
    if not record.external_id:
        ctx.reject("required.external_id", None, None)
    persons = [standardise_person(ctx, i, p) for i, p in enumerate(record.persons)]
    out: dict[str, Any] = {k: record.fields[k] for k in PLAIN_RECORD_FIELDS if record.fields.get(k)}
    hotel = record.hotel_code or record.fields.get("hotel_code") or settings.default_hotel
    if hotel and settings.hotel_currency and hotel not in settings.hotel_currency:
        ctx.reject("hotel.unknown", "hotel_code", None, hotel)
    if hotel:
        out["hotel_code"] = hotel
    elif record.record_type in (RecordType.RESERVATION, RecordType.FOLIO, RecordType.REGISTRATION):
        ctx.reject("required.hotel", "hotel_code", None)
    _by_type(ctx, record, out, hotel)
    if record.record_type in NAME_REQUIRED and not any(
        p.get("full_name") or p.get("family_name") for p in persons
    ):
        ctx.reject("required.name", "full_name", 0)
    sent = {
        "fields": {k: v for k, v in record.fields.items() if v is not None},
        "persons": [{k: v for k, v in p.items() if v is not None} for p in record.persons],
    }
    return Outcome({"record": out, "persons": persons, "sent": sent}, ctx.findings)


def _clean_values(ctx: RecordContext, record: InboundRecord) -> None:
    for index, values in [(None, record.fields)] + list(enumerate(record.persons)):
        for key, value in list(values.items()):
            if value is None or (
                # already clean (what clean_text would return unchanged): the common case
                value
                and len(value) <= MAX_FIELD
                and value.isprintable()
                and value == value.strip()
                and "  " not in value
                and (value.isascii() or is_normalized("NFC", value))
            ):
                continue
            if len(value) > MAX_FIELD:
                ctx.reject(
                    "field.too_long", key, index, value[:40] + "...", detail=f"{len(value)} characters"
                )
                values[key] = None
                continue
            text, had_control, _spaces = clean_text(value)
            if had_control:
                ctx.fix("text.control_characters", key, index, value, text)
            values[key] = text or None


def _by_type(ctx: RecordContext, record: InboundRecord, out: dict[str, Any], hotel: str | None) -> None:
    if record.record_type is RecordType.RESERVATION:
        _stay(ctx, record.fields, out, hotel)
    elif record.record_type is RecordType.CANCELLATION:
        out["stay_status"] = "cancelled"
        _optional_dates(ctx, record.fields, out)
    elif record.record_type is RecordType.FOLIO:
        _folio(ctx, record.fields, out, hotel)
    elif record.record_type is RecordType.REGISTRATION:
        _optional_dates(ctx, record.fields, out)
        if record.fields.get("stay_status") and out.get("arrival") and out.get("departure"):
            out["stay_status"] = stay_status(record.fields["stay_status"], ctx.settings.status_map)[0]
    elif record.record_type is RecordType.MEMBER:
        if not any(p.get("loyalty_number") for p in record.persons):
            ctx.reject("required.loyalty_number", "loyalty_number", 0)
        _optional_dates(ctx, record.fields, out)


MAX_GUESTS = 999  # adults or children on one stay; a longer number is not used (stay.guests_invalid)


def _stay(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any], hotel: str | None) -> None:
    arrival = _stay_date(ctx, f, "arrival", out)
    departure = _stay_date(ctx, f, "departure", out)
    if arrival and departure and departure <= arrival:
        ctx.reject("stay.dates_order", "departure", None, f.get("departure"), detail=f"arrival {arrival}")
    nights = (f.get("nights") or "").strip()
    # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts
    if arrival and departure and nights.isdecimal() and int(nights) != (departure - arrival).days:
        ctx.warn("stay.nights_mismatch", "nights", None, nights, detail=f"{arrival} → {departure}")
    for key in ("adults", "children"):
        count = (f.get(key) or "").strip()
        if not count.isdecimal():
            continue
        if int(count) > MAX_GUESTS:  # an integer column cannot hold 10**30, nor is it a number of guests
            ctx.warn("stay.guests_invalid", key, None, count, detail=f"not 0–{MAX_GUESTS}")
            continue
        out[key] = int(count)
    if not out.get("booking_reference") and (found := ORDER_IN_NOTES.search(f.get("notes") or "")):
        out["booking_reference"] = found.group(1)  # the OTA order number a clerk copied into the remarks
    status, known = stay_status(f.get("stay_status"), ctx.settings.status_map)
    out["stay_status"] = status
    if not known:
        ctx.warn("stay.status_unknown", "stay_status", None, f.get("stay_status"))
    if f.get("amount") is not None:
        _amount(ctx, f, out, hotel)


def _stay_date(ctx: RecordContext, f: dict[str, str | None], key: str, out: dict[str, Any]) -> date | None:
    raw = f.get(key)
    if not raw:
        ctx.reject(f"required.{key}", key, None)
        return None
    try:
        value = ctx.parse_date(raw)
    except CleanseError as e:
        ctx.reject("date.invalid", key, None, raw, detail=e.message)
        return None
    out[key] = value.isoformat()
    if value.isoformat() != raw:
        ctx.fix("date.standardised", key, None, raw, value.isoformat())
    return value


def _optional_dates(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any]) -> None:
    for key in ("arrival", "departure", "enrolled_at", "posted_at"):
        raw = f.get(key)
        if not raw:
            continue
        try:
            out[key] = ctx.parse_date(raw).isoformat()
        except CleanseError:
            ctx.warn("date.invalid", key, None, raw)


def _amount(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any], hotel: str | None) -> None:
    raw = f.get("amount")
    if not raw:
        ctx.reject("required.amount", "amount", None)
        return
    try:
        amount = ctx.cached("amount", raw, lambda: cleanse.parse_amount(raw))
    except CleanseError as e:
        ctx.reject("amount.invalid", "amount", None, raw, detail=e.message)
        return
    if amount < Decimal(0):
        ctx.reject("amount.negative", "amount", None, raw)
    out["amount"] = str(amount.quantize(Decimal("0.01")))
    _currency(ctx, f.get("currency"), out, hotel)


def _currency(ctx: RecordContext, raw: str | None, out: dict[str, Any], hotel: str | None) -> None:
    if raw:
        try:
            out["currency"] = ctx.cached("currency", raw, lambda: cleanse.parse_currency(raw))
            return
        except CleanseError:
            ctx.warn("currency.invalid", "currency", None, raw)
    default = ctx.settings.hotel_currency.get(hotel or "")
    if default:
        out["currency"] = default
        ctx.fix("currency.defaulted", "currency", None, raw, default)


def _zone(ctx: RecordContext, hotel: str | None) -> ZoneInfo:
    return ZoneInfo(ctx.settings.hotel_timezone.get(hotel or "", "Asia/Shanghai"))


def _coupon(ctx: RecordContext, raw: str | None, out: dict[str, Any]) -> None:
    """A coupon code on a folio line, in its stored form; a typo (check character) is a finding."""
    if not raw:
        return
    code = offers.normalise(raw)
    if offers.is_valid(code):
        out["coupon_code"] = code
    else:
        ctx.warn("coupon.invalid", "coupon_code", None, raw)


def _payment(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any]) -> None:
    """A folio line carrying a payment method is a payment (money received), not a charge: its method,
    its reference and at most the last four digits of a card (whatever more was sent is dropped)."""
    raw = (f.get("payment_method") or "").strip()
    if not raw:
        return
    method = PAYMENT_METHODS.get(raw.lower())
    if method is None:
        ctx.reject("payment_method.unknown", "payment_method", None, raw)
        return
    out["payment_method"] = method
    reference = clean_text(f.get("payment_reference") or "")[0]
    if reference:
        out["payment_reference"] = reference[:64]
    digits = "".join(c for c in (f.get("card_last4") or "") if c.isdigit())
    if len(digits) >= 4:
        out["card_last4"] = digits[-4:]


def _correction(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any], hotel: str | None) -> None:
    """A refund (money given back: `payment_direction` "refund", with its reason) and a void (a newer
    version of a payment line posted in error: its reason and when), as the front desk sends them."""
    direction = (f.get("payment_direction") or "").strip().lower()
    reason = clean_text(f.get("refund_reason") or "")[0][:300]
    if direction not in ("", "payment", "refund"):
        ctx.reject("payment_direction.unknown", "payment_direction", None, direction)
    elif direction == "refund" and not reason:
        ctx.reject("required.refund_reason", "refund_reason", None)
    elif direction == "refund":
        out["payment_direction"], out["refund_reason"] = "refund", reason
    void_reason = clean_text(f.get("void_reason") or "")[0][:300]
    if not void_reason:
        return
    out["void_reason"] = void_reason  # voided when it says (else when it arrives)
    raw = f.get("voided_at")
    try:
        out["voided_at"] = (
            cleanse.parse_datetime(raw, assume_tz=_zone(ctx, hotel)).isoformat() if raw else None
        )
    except CleanseError:
        ctx.warn("date.invalid", "voided_at", None, raw)


def _folio(ctx: RecordContext, f: dict[str, str | None], out: dict[str, Any], hotel: str | None) -> None:
    _amount(ctx, f, out, hotel)
    outlet = OUTLETS.get((f.get("outlet") or "").strip().lower())
    if outlet is None:
        ctx.warn("outlet.unknown", "outlet", None, f.get("outlet"))
    out["outlet"] = outlet or "other"
    _coupon(ctx, f.get("coupon_code"), out)
    _payment(ctx, f, out)
    if out.get("payment_method"):
        _correction(ctx, f, out, hotel)
    raw = f.get("posted_at")
    if raw:
        try:
            out["posted_at"] = cleanse.parse_datetime(raw, assume_tz=_zone(ctx, hotel)).isoformat()
        except CleanseError:
            ctx.warn("date.invalid", "posted_at", None, raw)
