"""Turning a stored record's standardised persons into mentions identity resolution can compare."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from guestgraph import pii
from guestgraph.crypto import Vault

RESOLVED_ROLES = frozenset({"primary", "additional", "booker"})
STRONG_DOCUMENTS = frozenset({"cn_resident_id", "passport", "hk_macau_permit", "taiwan_permit"})
# The link rule of a person a record carries over from the record it follows (the companion or booker
# of a stay the front desk writes a new version of), linked to the guest that record resolved to: a
# resolve pass keeps it with that guest's other mentions unless the evidence forbids it.
CARRIED = "carried"
# The link rule of the guest a clerk named a stay's primary guest (its own primary guest erased with
# the booking), on that front-desk version and the desk's later ones: a resolve pass keeps it with that
# guest as it keeps a carried person, though her other mentions may all be on erased records
# (unreadable, so no rule joins them).
NAMED = "named"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def stay_keys(
    record: dict[str, Any], *, hotel_id: int | None, external_id: str, channel_source: bool
) -> dict[str, str | None]:
    """How systems name the stay the primary guest is on, so that a POS check (confirmation number),
    a PMS row (its confirmation number, or the OTA order number in its remarks) and the OTA message
    (its own booking id) meet: they are one stay, so one guest."""
    if hotel_id is None:
        return {"stay_ref": None, "channel_ref": None, "room_night": None, "stay_span": None}
    conf = record.get("confirmation_number")
    booking = external_id if channel_source else record.get("booking_reference")
    room, arrival, departure = record.get("room_number"), record.get("arrival"), record.get("departure")
    return {
        "stay_ref": f"{hotel_id}:{conf}"[:120] if conf and not channel_source else None,
        "channel_ref": f"{hotel_id}:{booking}"[:120] if booking else None,
        "room_night": f"{hotel_id}:{room}:{arrival}"[:80] if room and arrival else None,
        "stay_span": f"{hotel_id}:{arrival}:{departure}"[:60] if arrival and departure else None,
    }


def mention_rows(
    standardised: dict[str, Any],
    *,
    vault: Vault,
    key_ref: str,
    source_record_id: int,
    source_system_id: int,
    hotel_id: int | None,
    trust_rank: int,
    seen_at: datetime,
    external_id: str = "",
    channel_source: bool = False,
) -> list[dict[str, Any]]:
    """One row per person worth resolving: a guest, companion or booker with a name or an identifier.

    Relay e-mails and virtual numbers are left out: they identify the channel, not the guest.
    Phones, e-mails, document numbers and birth dates are sealed under the record's key `key_ref`.
    """
    rows = []
    stay = stay_keys(
        standardised.get("record", {}),
        hotel_id=hotel_id,
        external_id=external_id,
        channel_source=channel_source,
    )
    none = dict.fromkeys(stay)
    for index, p in enumerate(standardised.get("persons", [])):
        role = p.get("role") or "primary"
        if role not in RESOLVED_ROLES:
            continue
        phone = None if p.get("phone_non_identifying") else p.get("phone")
        email = None if p.get("email_non_identifying") else p.get("email")
        doc_type = p.get("id_type")
        id_number = p.get("id_number") if doc_type in STRONG_DOCUMENTS else None
        name_key = p.get("name_latin_key")
        if not (name_key or phone or email or id_number or p.get("loyalty_number")):
            continue
        rows.append(
            {
                "source_record_id": source_record_id,
                "person_index": index,
                "role": role,
                "source_system_id": source_system_id,
                "hotel_id": hotel_id,
                "trust_rank": trust_rank,
                "seen_at": seen_at,
                "full_name": _cut(p.get("full_name"), 200),
                "family_name": _cut(p.get("family_name"), 100),
                "given_name": _cut(p.get("given_name"), 100),
                "name_simplified": _cut(p.get("name_simplified"), 200),
                "name_pinyin": _cut(p.get("name_pinyin"), 200),
                "name_key": _cut(name_key, 200),
                "surname_only": bool(p.get("surname_only")),
                "salutation": _cut(p.get("salutation"), 20),
                "gender": p.get("gender"),
                "nationality": p.get("nationality"),
                "id_type": doc_type if id_number else None,
                **pii.seal_person(
                    vault,
                    key_ref,
                    "guest_mention",
                    pii.mention_row(source_record_id, index),
                    pii.Sensitive(phone, _cut(email, 254), id_number, _day(p.get("birth_date"))),
                ),
                "loyalty_number": _cut(p.get("loyalty_number"), 40),
                "loyalty_tier": _cut(p.get("loyalty_tier"), 40),
                "city": _cut(p.get("city"), 100),
                **(stay if role == "primary" else none),
            }
        )
    return rows


def _cut(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]
