"""Turning a stored record's standardised persons into mentions identity resolution can compare."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

RESOLVED_ROLES = frozenset({"primary", "additional", "booker"})
STRONG_DOCUMENTS = frozenset({"cn_resident_id", "passport", "hk_macau_permit", "taiwan_permit"})


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def mention_rows(
    standardised: dict[str, Any],
    *,
    source_record_id: int,
    source_system_id: int,
    hotel_id: int | None,
    trust_rank: int,
    seen_at: datetime,
) -> list[dict[str, Any]]:
    """One row per person worth resolving: a guest, companion or booker with a name or an identifier.

    Relay e-mails and virtual numbers are left out: they identify the channel, not the guest.
    """
    rows = []
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
                "birth_date": _day(p.get("birth_date")),
                "nationality": p.get("nationality"),
                "phone": phone,
                "email": _cut(email, 254),
                "id_type": doc_type if id_number else None,
                "id_number": id_number,
                "loyalty_number": _cut(p.get("loyalty_number"), 40),
                "loyalty_tier": _cut(p.get("loyalty_tier"), 40),
                "city": _cut(p.get("city"), 100),
            }
        )
    return rows


def _cut(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]
