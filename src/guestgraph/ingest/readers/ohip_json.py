"""Oracle OPERA Cloud (OHIP) JSON payloads → `InboundRecord`s.

Recognised shapes (GET responses and POST/PUT request bodies of the `crm` and `rsv` APIs):
`profiles.profileInfo[]` and `profileDetails` / `profile` (PROFILE), `relationships.relationship[]`
(PROFILE of the related person), `reservations.reservation[]`, `reservations.reservationInfo[]`,
`reservations[]` and `profileStayDetails…reservationInfo[]` (RESERVATION), cancellation requests
(`reason` + `reservations[]`, CANCELLATION). Anything else yields no records. Amounts and dates
stay as sent (OHIP sends amounts as strings). Card keys are removed before anything is kept.
"""

from __future__ import annotations

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._errors import ReaderError
from guestgraph.ingest.readers._jsonload import check_depth, load_json
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, get, items, obj
from guestgraph.ingest.readers._ohip_person import profile_person, relationship_person
from guestgraph.ingest.readers._ohip_reservation import reservation_record
from guestgraph.ingest.readers._pci import strip_card_keys
from guestgraph.ingest.readers._xmlsafe import DEFAULT_MAX_BYTES

STAY_LISTS = ("historyList", "futureList")


def read_ohip_json(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[InboundRecord]:
    """Read one OHIP payload; ReaderError when it is not a JSON object (or array of objects)."""
    return ohip_records(_parse(data, source=source, max_bytes=max_bytes), source=source)


def ohip_records(document: object, *, source: str) -> list[InboundRecord]:
    """The records of an OHIP payload already parsed (the vendor reader hands on what it recognised)."""
    strip_card_keys(document)
    if isinstance(document, dict):
        return _records(document, prefix="")
    if isinstance(document, list) and all(isinstance(d, dict) for d in document):
        return [r for i, d in enumerate(document) for r in _records(obj(d), prefix=f"[{i}].")]
    raise ReaderError(
        f"the top level is a JSON {type(document).__name__}, not an object",
        source=source,
        location="line 1",
        fix="Send the OHIP response or request body as it was exchanged with OPERA Cloud.",
    )


def _parse(data: bytes, *, source: str, max_bytes: int) -> object:
    return load_json(
        data,
        source=source,
        max_bytes=max_bytes,
        kind="an OHIP",
        paging_fix="Page the OHIP request (limit/offset) or raise max_bytes for this connection.",
    )


def _check_depth(document: object, *, source: str) -> None:
    check_depth(document, source=source, kind="an OHIP")


def _records(doc: JsonObject, *, prefix: str) -> list[InboundRecord]:
    records = [
        _profile_record(obj(info), f"{prefix}profiles.profileInfo[{i}]")
        for i, info in enumerate(items(get(doc, "profiles.profileInfo")))
    ]
    if isinstance(doc.get("profileDetails"), dict) or isinstance(doc.get("profile"), dict):
        records.append(_profile_record(doc, f"{prefix}profileDetails"))
    records += [
        _relationship_record(obj(rel), f"{prefix}relationships.relationship[{i}]")
        for i, rel in enumerate(items(get(doc, "relationships.relationship")))
        if isinstance(get(rel, "relationshipProfile"), dict)
    ]
    reason = doc.get("reason")
    cancel_reason = obj(reason) if isinstance(reason, dict) else None
    for path, entries in _reservation_lists(doc):
        records += [
            reservation_record(obj(res), location=f"{prefix}{path}[{i}]", cancel_reason=cancel_reason)
            for i, res in enumerate(entries)
            if isinstance(res, dict)
        ]
    return records


def _reservation_lists(doc: JsonObject) -> list[tuple[str, list[object]]]:
    reservations = doc.get("reservations")
    if isinstance(reservations, list):
        found = [("reservations", reservations)]
    else:
        found = [
            (f"reservations.{key}", items(get(reservations, key)))
            for key in ("reservation", "reservationInfo")
        ]
    base = "profileStayDetails.reservationInfoList"
    found += [
        (f"{base}.{name}.reservationInfo", items(get(doc, f"{base}.{name}.reservationInfo")))
        for name in STAY_LISTS
    ]
    return found


def _profile_record(info: JsonObject, location: str) -> InboundRecord:
    profile = obj(info.get("profile") or info.get("profileDetails"))
    external_id, problems = _profile_id(info.get("profileIdList") or profile.get("profileIdList"))
    comments = [first(get(c, "comment.text.value")) for c in items(get(profile, "comments.commentInfo"))]
    fields = {
        "notes": "\n".join(c for c in comments if c) or None,
        "created_at": first(profile.get("createDateTime")),
        "updated_at": first(profile.get("lastModifyDateTime")),
    }
    role = "company" if str(profile.get("profileType", "")).upper() == "COMPANY" else "primary"
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=external_id,
        location=location,
        raw=dump(info),
        raw_format="ohip_json",
        fields={k: v for k, v in fields.items() if v is not None},
        persons=[profile_person(profile, role=role)],
        source_updated_at=fields["updated_at"] or fields["created_at"],
        hotel_code=first(profile.get("registeredProperty")),
        reader_problems=problems,
    )


def _relationship_record(relationship: JsonObject, location: str) -> InboundRecord:
    related = obj(relationship.get("relationshipProfile"))
    external_id, problems = _profile_id(related.get("profileIdList"))
    relation = first(relationship.get("sourceRelationDescription"), relationship.get("sourceRelation"))
    return InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=external_id,
        location=location,
        raw=dump(relationship),
        raw_format="ohip_json",
        fields={"description": f"relationship: {relation}"} if relation else {},
        persons=[relationship_person(related, role="primary")],
        reader_problems=problems,
    )


def _profile_id(id_list: object) -> tuple[str | None, list[str]]:
    ids = [(str(get(e, "type") or "").lower(), first(get(e, "id"))) for e in items(id_list)]
    typed = next((i for t, i in ids if t == "profile" and i), None)
    if typed:
        return typed, []
    fallback = next((i for _, i in ids if i), None)
    problem = "no profileIdList entry of type Profile" + (f"; using id {fallback!r}" if fallback else "")
    return fallback, [problem]
