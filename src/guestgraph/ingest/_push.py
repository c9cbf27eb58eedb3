"""The push API: source systems send JSON records (up to 1,000 per call) or OpenTravel XML messages.

Idempotent by (source system, external id, version or source timestamp): re-sending changes nothing,
an older version never overwrites a newer one, a cancellation for a booking never seen is kept.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, JsonValue, field_validator
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db.models import RecordType
from guestgraph.ingest._engine import BatchSummary, ImportRequest, run_import
from guestgraph.ingest._groups import PushGroups
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS, InboundRecord
from guestgraph.ingest._scrub import SURROGATE

MAX_PUSH = 1000


def names_only(names: frozenset[str] | set[str]) -> dict[str, JsonValue]:
    """The JSON schema addition saying an object's keys are among `names` (as its validator checks)."""
    allowed: list[JsonValue] = [*sorted(names)]
    return {"propertyNames": {"enum": allowed}}


class PushPerson(BaseModel):
    """A person on the record, with canonical field names (see /api/docs for the list)."""

    model_config = {"extra": "forbid"}
    role: Literal["primary", "additional", "booker", "company", "travel_agent"] = "primary"
    values: dict[str, str | None] = Field(
        default_factory=dict,
        description="Canonical person fields as sent.",
        json_schema_extra=names_only(PERSON_FIELDS),
    )

    @field_validator("values")
    @classmethod
    def _known_fields(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(v) - PERSON_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown person field(s) {', '.join(unknown)}; use {', '.join(sorted(PERSON_FIELDS))}"
            )
        return v


# Below a signed 64-bit column's limit, and exact as a float (JSON tools read the bound as one)
MAX_VERSION = 9 * 10**18


class PushRecord(BaseModel):
    model_config = {"extra": "forbid"}
    external_id: str = Field(min_length=1, max_length=200, description="The source's own ID of this record.")
    record_type: Literal["profile", "reservation", "cancellation", "member", "registration", "folio"]
    version: int | None = Field(
        None, ge=0, le=MAX_VERSION, description="The source's version number; higher is newer."
    )
    updated_at: str | None = Field(
        None, max_length=40, description="The source's modification time (ISO 8601)."
    )
    hotel_code: str | None = Field(None, max_length=20)
    fields: dict[str, str | None] = Field(
        default_factory=dict,
        description="Canonical record fields as sent.",
        json_schema_extra=names_only(RECORD_FIELDS),
    )
    persons: list[PushPerson] = Field(default_factory=list, max_length=20)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(v) - RECORD_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown record field(s) {', '.join(unknown)}; use {', '.join(sorted(RECORD_FIELDS))}"
            )
        return v


class PushBatch(BaseModel):
    model_config = {"extra": "forbid"}
    records: list[PushRecord] = Field(min_length=1, max_length=MAX_PUSH)


def _inbound(index: int, item: PushRecord) -> InboundRecord:
    unstorable: list[tuple[str, int | None]] = []
    return InboundRecord(
        record_type=RecordType(item.record_type),
        external_id=item.external_id,
        location=f"item {index}",
        raw=_as_sent(item),
        raw_format="api",
        fields=_storable(item.fields, None, unstorable),
        persons=[{**_storable(p.values, i, unstorable), "role": p.role} for i, p in enumerate(item.persons)],
        source_version=item.version,
        source_updated_at=item.updated_at,
        hotel_code=item.hotel_code,
        unstorable=unstorable,
    )


def _as_sent(item: PushRecord) -> str:
    """The item as JSON text any database stores: json.dumps escapes NUL and the other control
    characters; a lone surrogate keeps its JSON escape, so the text still reads back as what was sent."""
    text = json.dumps(item.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _storable(
    values: dict[str, str | None], person: int | None, unstorable: list[tuple[str, int | None]]
) -> dict[str, str | None]:
    """`values` with each lone surrogate replaced by U+FFFD; the fields that held one are noted in
    `unstorable` (the record is then quarantined, naming them: see `prepare`)."""
    out: dict[str, str | None] = {}
    for key, value in values.items():
        if value and SURROGATE.search(value):
            unstorable.append((key, person))
            value = SURROGATE.sub("\ufffd", value)
        out[key] = value
    return out


def push_records(
    factory: sessionmaker[Session],
    *,
    source: str,
    batch: PushBatch,
    today: date | None = None,
    groups: PushGroups | None = None,
) -> BatchSummary:
    """Import one push; with `groups`, concurrent pushes of the source share an import batch."""
    records = [_inbound(i, r) for i, r in enumerate(batch.records, start=1)]
    request = ImportRequest(source=source, channel="api", format="json")
    return _store(factory, request, records, today, groups)


def push_ota_message(
    factory: sessionmaker[Session],
    *,
    source: str,
    body: bytes,
    today: date | None = None,
    groups: PushGroups | None = None,
) -> tuple[BatchSummary, str | None, str]:
    """An OpenTravel message (reservation, modify, cancel); returns the summary, EchoToken and Version."""
    from guestgraph.ingest.readers.ota_xml import read_ota_xml

    message = read_ota_xml(body, source="push")
    request = ImportRequest(source=source, channel="api", format="ota_xml")
    summary = _store(factory, request, list(message.records), today, groups)
    return summary, message.echo_token, getattr(message, "version", None) or "1.0"


def _store(
    factory: sessionmaker[Session],
    request: ImportRequest,
    records: list[InboundRecord],
    today: date | None,
    groups: PushGroups | None,
) -> BatchSummary:
    if groups is not None:
        return groups.submit(request, records, today=today)
    return run_import(factory, records, request, today=today, collect=True)
