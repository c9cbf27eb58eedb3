"""OpenTravel (OTA) XML reservation messages → `InboundRecord`s, one per `HotelReservation`.

Reads OTA_HotelResNotifRQ (AlpineBits push, SiteMinder SiteConnect, Expedia new),
OTA_HotelResModifyNotifRQ (Expedia modify, full overlay), OTA_CancelRQ (Expedia cancel) and
OTA_ResRetrieveRS (AlpineBits pull), bare or inside a SOAP envelope, with or without the OTA
namespace. Other OTA messages (OTA_ReadRQ, OTA_NotifReportRQ, responses) are recognised and
yield no records. Payment card data is removed from everything kept as `raw`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._ota_persons import person_name
from guestgraph.ingest.readers._ota_persons import reservation_persons as _persons
from guestgraph.ingest.readers._ota_stay import channel, hotel_code, reservation_ids, stay_fields
from guestgraph.ingest.readers._pci import without_card_data
from guestgraph.ingest.readers._xmlsafe import (
    DEFAULT_MAX_BYTES,
    attr,
    child,
    children,
    descendants,
    find_all,
    local_name,
    parse_xml,
    serialise,
    text,
)

OtaKind = Literal[
    "HotelResNotifRQ",
    "HotelResModifyNotifRQ",
    "CancelRQ",
    "ResRetrieveRS",
    "ReadRQ",
    "NotifReportRQ",
    "other",
]
KINDS: dict[str, OtaKind] = {
    "ota_hotelresnotifrq": "HotelResNotifRQ",
    "ota_hotelresmodifynotifrq": "HotelResModifyNotifRQ",
    "ota_cancelrq": "CancelRQ",
    "ota_resretrievers": "ResRetrieveRS",
    "ota_readrq": "ReadRQ",
    "ota_notifreportrq": "NotifReportRQ",
}
RESERVATION_PATHS = {
    "HotelResNotifRQ": ("HotelReservations/HotelReservation", "HotelReservation"),
    "HotelResModifyNotifRQ": (
        "HotelResModifies/HotelResModify",
        "HotelReservations/HotelReservation",
        "HotelResModify",
    ),
    "ResRetrieveRS": ("ReservationsList/HotelReservation", "HotelReservation"),
}
CANCELLED = frozenset({"cancel", "cancelled", "canceled"})
CONFIRMING = frozenset({"commit", "book"})


@dataclass
class OtaMessage:
    """One OTA message: its kind, echo token, raw timestamp, and the records it carries."""

    kind: OtaKind
    echo_token: str | None
    timestamp: str | None  # as sent; may be non-ISO (SiteMinder "+0700")
    records: list[InboundRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    xsd_valid: bool | None = None  # not validated: no XSD validator is installed


def read_ota_xml(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> OtaMessage:
    """Read one OTA message; ReaderError when it is not safe, well-formed XML."""
    document = parse_xml(data, source=source, max_bytes=max_bytes)
    payload, header = _unwrap_soap(document)
    payload = without_card_data(payload)  # before anything is read: no card value can reach a field
    name = local_name(payload.tag)
    kind = KINDS.get(name.lower(), "other")
    message = OtaMessage(
        kind=kind, echo_token=attr(payload, "EchoToken"), timestamp=attr(payload, "TimeStamp")
    )
    message.problems.extend(_reported_errors(payload))
    fallback_hotel = attr(next(descendants(header, "PayloadReference"), None), "SupplierHotelCode")
    if kind == "CancelRQ":
        message.records.append(_cancel_record(payload, fallback_hotel))
    elif kind in RESERVATION_PATHS:
        for n, reservation in enumerate(_reservations(payload, kind), start=1):
            message.records.append(_reservation_record(payload, reservation, kind, n, fallback_hotel))
    elif kind == "other":
        message.problems.append(
            f"{name or 'the root element'} is not an OTA reservation message; nothing read"
        )
    return message


def _unwrap_soap(document: Element) -> tuple[Element, Element | None]:
    if local_name(document.tag).lower() != "envelope":
        return document, None
    body = child(document, "Body")
    payload = next(iter(body), None) if body is not None else None
    return (payload if payload is not None else document), child(document, "Header")


def _reported_errors(payload: Element) -> list[str]:
    found = []
    for kind, path in (("error", "Errors/Error"), ("warning", "Warnings/Warning")):
        for item in find_all(payload, path):
            code = "/".join(v for v in (attr(item, "Type"), attr(item, "Code")) if v)
            found.append(f"sender reported {kind} {code}: {text(item) or '(no text)'}")
    return found


def _reservations(payload: Element, kind: OtaKind) -> list[Element]:
    for path in RESERVATION_PATHS[kind]:
        if found := find_all(payload, path):
            return found
    return []


def _status(payload: Element, reservation: Element, kind: OtaKind) -> str | None:
    """`HotelReservation/@ResStatus` (AlpineBits, SMX), else the root's (SiteConnect, Expedia)."""
    own = attr(reservation, "ResStatus")
    if own:
        return own
    root = attr(payload, "ResStatus")
    if kind == "HotelResModifyNotifRQ" and (root is None or root.lower() in CONFIRMING):
        return "Modify"  # Expedia: ResStatus="Commit" on a modify message commits the modification
    return root


def _reservation_record(
    payload: Element, reservation: Element, kind: OtaKind, n: int, fallback_hotel: str | None
) -> InboundRecord:
    problems: list[str] = []
    external_id, ids = reservation_ids(reservation)
    status = _status(payload, reservation, kind)
    cancelled = (status or "").lower() in CANCELLED or any(
        attr(u, "Type") == "15" for u in children(reservation, "UniqueID")
    )
    fields = stay_fields(reservation, problems) | ids
    fields |= {"stay_status": status, "channel": channel(payload, reservation)}
    record = InboundRecord(
        record_type=RecordType.CANCELLATION if cancelled else RecordType.RESERVATION,
        external_id=external_id,
        location=f"HotelReservation #{n}",
        raw=serialise(reservation),
        raw_format="ota_xml",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=_persons(reservation),
        source_updated_at=attr(reservation, "LastModifyDateTime")
        or attr(reservation, "CreateDateTime")
        or attr(payload, "TimeStamp"),
        hotel_code=hotel_code(reservation) or fallback_hotel,
        reader_problems=problems,
    )
    _check_located(record, cancelled)
    return record


def _check_located(record: InboundRecord, cancelled: bool) -> None:
    problems = record.reader_problems
    if record.external_id is None:
        problems.append("no UniqueID/@ID: the reservation cannot be keyed; the sender must include UniqueID")
    if record.hotel_code is None:
        problems.append("no BasicPropertyInfo/@HotelCode: resolve the hotel from the connection")
    if cancelled:
        return
    if not (record.fields.get("arrival") and record.fields.get("departure")):
        problems.append("TimeSpan has no fixed Start/End (flexible request); see notes for the window")
    if not record.persons:
        problems.append("no guest profile in ResGuests or ResGlobalInfo/Profiles")


def _cancel_record(payload: Element, fallback_hotel: str | None) -> InboundRecord:
    """OTA_CancelRQ: UniqueID Type 14 (channel id) and 10 (hotel ref), plus a Verification block."""
    external_id, ids = reservation_ids(payload)
    verification = child(payload, "Verification")
    span = child(verification, "ReservationTimeSpan")
    vendor = next(
        (v for v in children(verification, "Vendor") if attr(v, "CodeContext") == "HotelCode"), None
    )
    person = {k: v for k, v in person_name(child(verification, "PersonName")).items() if v}
    fields = {
        **ids,
        "arrival": attr(span, "Start"),
        "departure": attr(span, "End"),
        "stay_status": "Cancel",
        "channel": channel(payload, payload),
    }
    problems = []
    cancel_type = attr(payload, "CancelType")
    if cancel_type and cancel_type.lower() != "commit":
        problems.append(f"CancelType={cancel_type!r}: not a committed cancellation (Commit expected)")
    record = InboundRecord(
        record_type=RecordType.CANCELLATION,
        external_id=external_id,
        location=local_name(payload.tag),
        raw=serialise(payload),
        raw_format="ota_xml",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[{"role": "primary", **person}] if person else [],
        source_updated_at=attr(payload, "TimeStamp"),
        hotel_code=text(vendor) or fallback_hotel,
        reader_problems=problems,
    )
    _check_located(record, cancelled=True)
    return record
