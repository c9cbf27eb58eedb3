"""Vendor JSON payloads → `InboundRecord`s, the vendor recognised by the payload's shape.

Recognised: OPERA Cloud / OHIP (handed to the OHIP reader, `ohip_records`, unchanged: its records keep
`raw_format="ohip_json"`), Mews Connector API and Channel Manager API (`_mews`), Cloudbeds Guest
Profiles and OTA build-to-us (`_cloudbeds`), the MyAllocator booking callback (`_myallocator`)
and apaleo webhooks (`_apaleo`). A top-level array is read item by item (Cloudbeds wraps pages in
one). JSON that carries no guest data — a request holding only credentials or ids to fetch, an
error answer, an empty page — yields no records; anything else unknown is a ReaderError.

Before anything is looked at, payment-card keys (`_pci`, plus vendor ones such as Cloudbeds
`Payments`) and credentials (`ClientToken`, `connectionToken`, `shared_secret`,
`ota_property_password`…) are cut out, so neither reaches `raw`. `raw` is the object a record
describes (keys sorted); where the record also draws on other parts of the payload (a
reservation's customers, a channel-manager group's booker), it is the payload narrowed to that
record, in the payload's own shape (a Cloudbeds merge event is kept whole). Reading `raw` again
gives the record again. Values are located, not normalised: dates, instants and
amounts stay as sent, except the last-night `EndDate` of the MyAllocator format (departure = the
day after) and apaleo's epoch-millisecond timestamps (as ISO 8601 UTC).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers import _apaleo, _cloudbeds, _mews, _mews_channel_manager, _myallocator
from guestgraph.ingest.readers._errors import ReaderError
from guestgraph.ingest.readers._jsonload import check_depth, load_json
from guestgraph.ingest.readers._jsonpath import JsonObject, obj
from guestgraph.ingest.readers._pci import strip_card_keys
from guestgraph.ingest.readers._xmlsafe import DEFAULT_MAX_BYTES
from guestgraph.ingest.readers.ohip_json import ohip_records

VENDORS = (
    "OPERA Cloud (OHIP) profiles and reservations; Mews Connector API (customers, identity documents, "
    "reservations, companionships, channel-manager details, webhooks) and Channel Manager API "
    "(processGroup, confirmGroup); Cloudbeds Guest Profiles and OTA build-to-us; the MyAllocator booking "
    "callback; apaleo webhooks"
)
CREDENTIAL_KEY = re.compile(r"token$|password|secret|^api_?key$", re.IGNORECASE)
VENDOR_CARD_KEY = re.compile(
    r"^payments?$|^paymenttransactions$|paymentcard|creditcard|obfuscatednumber|^cardtoken$|^card3dsecure",
    re.IGNORECASE,
)
OHIP_KEYS = ("profiles", "profileDetails", "profile", "relationships", "profileStayDetails", "profileIdList")
OHIP_RESERVATION_KEYS = ("reservationIdList", "roomStay", "hotelId", "reservationGuests", "reservationGuest")
QUIET_KEYS = frozenset(
    {"success", "errors", "error", "code", "message", "offset", "limit", "total", "data", "links", "cursor"}
)

Reader = Callable[[JsonObject], list[InboundRecord]]


def read_vendor_json(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[InboundRecord]:
    """Read one vendor payload (an object, or an array of objects); ReaderError when it cannot be."""
    document = _parse(data, source=source, max_bytes=max_bytes)
    if isinstance(document, dict):
        return _read_object(obj(document), prefix="", source=source)
    if isinstance(document, list):
        records: list[InboundRecord] = []
        for i, entry in enumerate(document):
            if not isinstance(entry, dict):
                raise ReaderError(
                    f"item {i} of the top-level array is a JSON {_kind(entry)}, not an object",
                    source=source,
                    location=f"[{i}]",
                    fix=f"Send one vendor payload per message. Recognised: {VENDORS}.",
                )
            records += _read_object(obj(entry), prefix=f"[{i}]", source=source)
        return records
    raise ReaderError(
        f"the top level is a JSON {_kind(document)}, not an object",
        source=source,
        location="line 1",
        fix=f"Send the vendor's request or response body as it was exchanged. Recognised: {VENDORS}.",
    )


def _read_object(doc: JsonObject, *, prefix: str, source: str) -> list[InboundRecord]:
    credentials = any(CREDENTIAL_KEY.search(k) for k in doc)
    _decode_booking_json(doc, source=source)
    strip_card_keys(doc)
    _strip(doc)
    if not _mews_channel_manager.is_channel_manager(doc) and _is_ohip(doc):
        # handed on parsed: text such as a lone surrogate (sent as an escape) could not be encoded again
        records = ohip_records(doc, source=source)
    else:
        reader = _reader(doc)
        if reader is None:
            if credentials or _is_quiet(doc):
                return []
            raise ReaderError(
                f"this JSON is not a payload the vendor reader recognises (keys: {_keys(doc)})",
                source=source,
                location=prefix or None,
                fix=(
                    f"Recognised: {VENDORS}. Check that the connection's source and format name the "
                    "system that sends this payload, or read it with that format's own reader."
                ),
            )
        records = reader(doc)
    for record in records:
        record.location = _location(prefix, record.location)
    return records


def _reader(doc: JsonObject) -> Reader | None:
    """The vendor reader for this object's shape, most specific markers first."""
    if _apaleo.is_webhook(doc):
        return _apaleo.read_webhook
    if _cloudbeds.is_ota(doc):
        return _cloudbeds.read_ota
    if _myallocator.is_booking(doc):
        return _read_myallocator
    if _mews_channel_manager.is_channel_manager(doc):
        return _mews_channel_manager.read_channel_manager
    if _mews.is_connector(doc):
        return _mews.read_connector
    if _cloudbeds.is_profiles(doc):
        return _cloudbeds.read_profiles
    return None


def _read_myallocator(doc: JsonObject) -> list[InboundRecord]:
    return _myallocator.read_booking(
        doc, location="", hotel_code=None, wrap=lambda b: b, broker_reference=True
    )


def _is_ohip(doc: JsonObject) -> bool:
    if any(isinstance(doc.get(k), dict | list) for k in OHIP_KEYS) or isinstance(
        doc.get("reservations"), dict
    ):
        return True
    if "emailBody" in doc or ("fromAddress" in doc and "toAddress" in doc):  # crm storeEmail: no records
        return True
    reservations = doc.get("reservations")
    return isinstance(reservations, list) and any(
        isinstance(r, dict) and any(k in r for k in OHIP_RESERVATION_KEYS) for r in reservations
    )


def _is_quiet(doc: JsonObject) -> bool:
    """Empty, an error answer or an empty page: nothing to read, nothing wrong."""
    if not doc:
        return True
    return set(doc) <= QUIET_KEYS and not doc.get("data")


def _strip(value: object) -> None:
    """Remove vendor card objects and credentials in place (iteratively: payloads may nest deeply)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if VENDOR_CARD_KEY.search(k) or CREDENTIAL_KEY.search(k)]:
                del node[key]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _decode_booking_json(doc: JsonObject, *, source: str) -> None:
    """A Cloudbeds `BookingCreate` may carry `booking_json` as a JSON string: read it in place."""
    text = doc.get("booking_json")
    if not isinstance(text, str):
        return
    try:
        booking: object = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ReaderError(
            f"booking_json is a string that is not valid JSON ({type(e).__name__})",
            source=source,
            field="booking_json",
            fix="Send booking_json as a JSON object, or as the JSON text of one.",
        ) from e
    _check_depth(booking, source=source)
    doc["booking_json"] = booking


def _parse(data: bytes, *, source: str, max_bytes: int) -> object:
    return load_json(
        data,
        source=source,
        max_bytes=max_bytes,
        kind="a vendor",
        paging_fix="Fetch smaller pages (limit/cursor) or raise max_bytes for this connection.",
    )


def _check_depth(document: object, *, source: str) -> None:
    check_depth(document, source=source, kind="a vendor")


def _location(prefix: str, location: str) -> str:
    if not location:
        return prefix or "$"
    return f"{prefix}.{location}" if prefix and not location.startswith("[") else f"{prefix}{location}"


def _keys(doc: JsonObject) -> str:
    names = sorted(doc)
    shown = ", ".join(repr(n[:40]) for n in names[:8])
    return shown + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), "number")
