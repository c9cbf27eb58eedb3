"""A stay as the front desk writes it: each operation is a version of one record (`HOTEL:stay:CONFIRMATION`)
carrying the whole stay and its guests with their identifying values, so that the stay's history is its
record's versions and the next resolve pass links the same guests by the exact rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from guestgraph import ingest, pii
from guestgraph.db.models import Guest, GuestRole, RecordType, Stay

SOURCE = "frontdesk"
ID_TYPES = ("cn_resident_id", "passport", "hk_macau_permit", "taiwan_permit", "other")
# Our document types as a label the standardiser reads (it maps labels, not our codes, to types).
ID_LABEL = {
    "cn_resident_id": "resident id",
    "passport": "passport",
    "hk_macau_permit": "home return permit",
    "taiwan_permit": "taiwan permit",
}
GUEST_VALUES = {  # record person field -> golden guest attribute
    "full_name": "full_name",
    "gender": "gender",
    "birth_date": "birth_date",
    "nationality": "nationality",
    "phone": "phone",
    "email": "email",
    "id_type": "id_document_type",
    "id_number": "id_document_number",
    "loyalty_number": "loyalty_number",
}


def stay_external_id(hotel_code: str, confirmation_number: str) -> str:
    return f"{hotel_code}:stay:{confirmation_number}"


def stay_fields(stay: Stay) -> dict[str, str | None]:
    """The stay as it stands, as record fields (each version carries the whole stay)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "confirmation_number": stay.confirmation_number,
        "arrival": stay.arrival.isoformat(),
        "departure": stay.departure.isoformat(),
        "room_number": stay.room_number,
        "room_type": stay.room_type,
        "rate_plan": stay.rate_plan,
        "channel": stay.channel,
        "adults": text(stay.adults),
        "children": text(stay.children),
        "amount": text(stay.amount),
        "currency": stay.currency,
    }


def carried_person(
    session: Session, guest: Guest, role: GuestRole = GuestRole.PRIMARY
) -> dict[str, str | None]:
    """The guest as the clerk confirmed them (or as the stay names them, for its other guests): the
    golden identifying values (sealed ones opened)."""
    person: dict[str, str | None] = {"role": role.value}
    sealed = pii.guest_values(pii.vault_of(session), guest)
    for key, attr in GUEST_VALUES.items():
        value = sealed[attr] if attr in sealed else getattr(guest, attr)
        person[key] = value.isoformat() if isinstance(value, date) else value
    if person["id_type"]:
        person["id_type"] = ID_LABEL.get(person["id_type"] or "", "other")
    return person


def stay_record(
    hotel_code: str, conf: str, fields: dict[str, str | None], *persons: dict[str, str | None], version: int
) -> ingest.InboundRecord:
    return ingest.InboundRecord(
        record_type=RecordType.RESERVATION,
        external_id=stay_external_id(hotel_code, conf),
        location="front desk",
        raw="",
        raw_format="form",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=list(persons),
        source_version=version,
        hotel_code=hotel_code,
    )
