"""Cloudbeds payloads: Guest Profiles API responses and OTA build-to-us requests and responses.

Guest Profiles: a profile, a page of profiles (`data[]`, the list endpoint wraps pages in an
array), merge and unmerge events (one PROFILE per profile as it stands *after* the event, the
event described in `description` and kept whole as `raw`), a profile's merged profiles (PROFILE
of each merged-away profile) and the answer to `/anonymize` (a PROFILE with no person and a
reader problem: it is an erasure to act on, not guest data). Masked PII (`"*****"`) is left
out, never kept as a value.

OTA build-to-us: `BookingCreate` (`booking_json`) and the `GetBookingId` answer (`Booking`) hold
a booking in the MyAllocator format (see `_myallocator`); `CancelBooking` is a CANCELLATION of
`booking_id`. `GetBookingList` answers, `AckBooking`, `GetBookingId` requests and other verbs
carry credentials and ids to fetch, not bookings: no records.
"""

from __future__ import annotations

from collections.abc import Callable

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, items, obj
from guestgraph.ingest.readers._myallocator import flag, read_booking

Person = dict[str, str | None]
RAW_FORMAT = "vendor_json"
OTA_KEYS = ("booking_json", "Booking", "Bookings", "verb", "mya_property_id", "ota_property_id")
PROPERTY_KEYS = ("mya_property_id", "ota_property_id", "ota_property_sub_id")
PAGE_KEYS = ("offset", "limit", "total")


# --- OTA build-to-us --------------------------------------------------------------------------


def is_ota(doc: JsonObject) -> bool:
    return any(k in doc for k in OTA_KEYS)


def read_ota(doc: JsonObject) -> list[InboundRecord]:
    hotel_code = first(doc.get("mya_property_id"), doc.get("ota_property_id"))
    envelope = {k: doc[k] for k in PROPERTY_KEYS if k in doc}
    key = next((k for k in ("booking_json", "Booking") if isinstance(doc.get(k), dict)), None)
    if key is not None:
        return read_booking(
            obj(doc[key]),
            location=key,
            hotel_code=hotel_code,
            wrap=_wrapper(envelope, key),
            broker_reference=False,
        )
    if first(doc.get("verb")) == "CancelBooking":
        return [_cancel_booking(doc, hotel_code, envelope)]
    return []


def _wrapper(envelope: JsonObject, key: str) -> Callable[[JsonObject], object]:
    """Puts a booking (narrowed to one room) back under `key`, with the property ids, for `raw`."""

    def wrap(narrowed: JsonObject) -> object:
        return {**envelope, key: narrowed}

    return wrap


def _cancel_booking(doc: JsonObject, hotel_code: str | None, envelope: JsonObject) -> InboundRecord:
    booking_id = first(doc.get("booking_id"))
    reason = first(doc.get("reason"))
    fields = {
        "booking_reference": booking_id,
        "stay_status": "Cancelled",
        "notes": f"cancellation reason: {reason}" if reason else None,
    }
    return InboundRecord(
        record_type=RecordType.CANCELLATION,
        external_id=booking_id,
        location="",
        raw=dump(envelope | {k: doc[k] for k in ("verb", "booking_id", "reason") if k in doc}),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        hotel_code=hotel_code,
        reader_problems=[] if booking_id else ["CancelBooking without booking_id: nothing to cancel"],
    )


# --- Guest Profiles ---------------------------------------------------------------------------


def is_profiles(doc: JsonObject) -> bool:
    return _is_profile(doc) or _is_merge(doc) or _is_merged_profile(doc) or _is_page(doc)


def read_profiles(doc: JsonObject) -> list[InboundRecord]:
    if _is_page(doc):
        return [r for i, entry in enumerate(items(doc.get("data"))) for r in _item(obj(entry), f"data[{i}]")]
    return _item(doc, "")


def _item(doc: JsonObject, location: str) -> list[InboundRecord]:
    if _is_merge(doc):
        return _merge(doc, location)
    if _is_merged_profile(doc):
        return [_merged_profile(doc, location)]
    if _is_profile(doc):
        return [_profile(doc, location, raw=doc)]
    return []


def _is_profile(doc: JsonObject) -> bool:
    return ("firstName" in doc or "lastName" in doc) and ("id" in doc or "organizationId" in doc)


def _is_merge(doc: JsonObject) -> bool:
    return "afterMergeProfiles" in doc or "beforeMergeProfiles" in doc


def _is_merged_profile(doc: JsonObject) -> bool:
    return "profileId" in doc and "mergeId" in doc


def _is_page(doc: JsonObject) -> bool:
    entries = doc.get("data")
    if not isinstance(entries, list):
        return False
    known = [
        e
        for e in entries
        if isinstance(e, dict) and (_is_profile(e) or _is_merge(e) or _is_merged_profile(e))
    ]
    return bool(known) or (not entries and any(k in doc for k in PAGE_KEYS))


def _profile(profile: JsonObject, location: str, *, raw: object, event: str | None = None) -> InboundRecord:
    anonymized = first(profile.get("dateAnonymized"))
    parent = first(profile.get("parentId"))
    notes = [
        event,
        f"merged into profile {parent}" if parent else None,
        "marked as merged (isMerged)" if profile.get("isMerged") is True and not parent else None,
        f"anonymized at {anonymized}" if anonymized else None,
    ]
    fields = {
        "description": "; ".join(n for n in notes if n) or None,
        "created_at": first(profile.get("dateCreated")),
        "updated_at": first(profile.get("dateModified")),
    }
    profile_id = first(profile.get("id"))
    problems = [] if profile_id else ["no profile id: the profile cannot be keyed"]
    if anonymized:
        problems.append(
            f"the profile was anonymized in Cloudbeds at {anonymized}: act on it as an erasure of "
            f"profile {profile_id}; its placeholder values are not guest data"
        )
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=profile_id,
        location=location,
        raw=dump(raw),
        raw_format=RAW_FORMAT,
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[] if anonymized else [_person(profile)],
        source_updated_at=first(fields["updated_at"], anonymized, fields["created_at"]),
        reader_problems=problems,
    )


def _person(profile: JsonObject) -> Person:
    phone, cell = _clear(profile.get("phone")), _clear(profile.get("cellPhone"))
    lines = [line for line in (_clear(profile.get("address1")), _clear(profile.get("address2"))) if line]
    person: Person = {
        "role": "primary",
        "given_name": _clear(profile.get("firstName")),
        "family_name": _clear(profile.get("lastName")),
        "email": _clear(profile.get("email")),
        "phone": phone or cell,
        "phone_alt": cell if phone and cell and cell != phone else None,
        "birth_date": _clear(profile.get("birthday")),
        "gender": _clear(profile.get("gender")),
        "address_line": ", ".join(lines) or None,
        "city": _clear(profile.get("city")),
        "region": _clear(profile.get("state")),
        "postal_code": _clear(profile.get("zip")),
        "country": _clear(profile.get("country")) or _clear(profile.get("countryName")),
        "id_type": _clear(profile.get("documentType")),
        "id_number": _clear(profile.get("documentNumber")),
        "id_issuing_country": _clear(profile.get("documentIssuingCountry")),
        "company_name": _clear(profile.get("companyName")),
        "consent_email_marketing": flag(profile.get("isOptIn")),
    }
    return {k: v for k, v in person.items() if v is not None}


def _merge(event: JsonObject, location: str) -> list[InboundRecord]:
    """One PROFILE per profile after the (un)merge; the event itself goes to `description`."""
    kind = first(event.get("eventType")) or "merge"
    before = _ids(event.get("beforeMergeProfiles"))
    after_profiles = [
        (i, obj(p)) for i, p in enumerate(items(event.get("afterMergeProfiles"))) if isinstance(p, dict)
    ]
    when = first(event.get("mergedAt"))
    text = (
        f"Cloudbeds {kind} {first(event.get('id')) or '(no id)'}"
        f"{f' at {when}' if when else ''}: profiles {', '.join(before) or '(none)'} became "
        f"{', '.join(_ids(event.get('afterMergeProfiles'))) or '(none)'}"
    )
    records = []
    for i, profile in after_profiles:
        location_i = f"{location}{'.' if location else ''}afterMergeProfiles[{i}]"
        record = _profile(profile, location_i, raw=event, event=text)  # raw: the whole event, its evidence
        record.source_updated_at = record.source_updated_at or when
        records.append(record)
    return records


def _merged_profile(entry: JsonObject, location: str) -> InboundRecord:
    """An entry of `/profiles/{id}/merged-profiles`: a profile merged into another one."""
    merge_id, when = first(entry.get("mergeId")), first(entry.get("mergedAt"))
    eligible = entry.get("isUnmergeEligible")
    description = f"merged into another profile by Cloudbeds merge {merge_id or '(no id)'}" + (
        "; can be unmerged" if eligible is True else ""
    )
    person = {
        "role": "primary",
        "given_name": _clear(entry.get("firstName")),
        "family_name": _clear(entry.get("lastName")),
        "email": _clear(entry.get("email")),
        "phone": _clear(entry.get("phone")),
    }
    profile_id = first(entry.get("profileId"))
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=profile_id,
        location=location,
        raw=dump(entry),
        raw_format=RAW_FORMAT,
        fields={"description": description},
        persons=[{k: v for k, v in person.items() if v is not None}],
        source_updated_at=when,
        reader_problems=[] if profile_id else ["no profileId: the profile cannot be keyed"],
    )


def _ids(profiles: object) -> list[str]:
    return [i for i in (first(obj(p).get("id")) for p in items(profiles)) if i]


def _clear(value: object) -> str | None:
    """The value as sent, unless Cloudbeds masked it ("*****")."""
    text = first(value)
    if text is None or set(text.strip()) == {"*"}:
        return None
    return text
