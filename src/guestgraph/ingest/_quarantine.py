"""The quarantine: records the rules rejected, waiting for a data steward to correct or discard them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit, pii
from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import Hotel, RecordIssue, RecordStatus, RecordType, SourceRecord, SourceSystem
from guestgraph.errors import InvalidInput, NotFound
from guestgraph.ingest._engine import BatchSummary, ImportRequest, RecordResult, run_import
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS, InboundRecord
from guestgraph.ingest._reports import open_issue_value
from guestgraph.ingest._rules import rules_of
from guestgraph.paging import Page, PageRequest

AUDIT_IDS = 100  # record ids named in a discard's audit event (its details stay small)


class RecordNotFound(NotFound):
    code = "record_not_found"


@dataclass(frozen=True)
class QuarantinedRecord:
    id: int
    source: str
    hotel: str | None
    record_type: str
    external_id: str
    location: str | None
    batch_id: int | None
    received_at: datetime
    reasons: list[str]
    sent: dict[str, Any]
    raw: str


def _scope(scope: DataScope) -> ColumnElement[bool]:
    return hotel_id_visible(SourceRecord.hotel_id, scope)


def list_quarantine(
    session: Session,
    *,
    scope: DataScope,
    paging: PageRequest,
    locale: str,
    source: str | None = None,
    rule: str | None = None,
) -> Page[QuarantinedRecord]:
    where = [SourceRecord.status == RecordStatus.QUARANTINED, _scope(scope)]
    if source:
        where.append(
            SourceRecord.source_system_id.in_(select(SourceSystem.id).where(SourceSystem.code == source))
        )
    if rule:
        where.append(
            SourceRecord.id.in_(select(RecordIssue.source_record_id).where(RecordIssue.rule == rule))
        )
    total = session.scalar(select(func.count()).select_from(SourceRecord).where(*where)) or 0
    rows = session.scalars(
        select(SourceRecord).where(*where).order_by(SourceRecord.id).offset(paging.offset).limit(paging.size)
    ).all()
    return Page([_item(session, r, locale) for r in rows], total, paging.page, paging.size)


def get_quarantined(session: Session, *, scope: DataScope, record_id: int, locale: str) -> QuarantinedRecord:
    record = session.scalar(select(SourceRecord).where(SourceRecord.id == record_id, _scope(scope)))
    if record is None or record.status is not RecordStatus.QUARANTINED:
        raise RecordNotFound(
            f"No quarantined record {record_id} in your data scope.",
            hint="It may have been corrected or discarded already; see the quarantine list.",
        )
    return _item(session, record, locale)


def _item(session: Session, r: SourceRecord, locale: str) -> QuarantinedRecord:
    rules = rules_of(session)
    found = session.execute(
        select(
            RecordIssue.rule,
            RecordIssue.field,
            RecordIssue.person,
            RecordIssue.raw_value_enc,
            RecordIssue.detail,
            SourceRecord.source_system_id,
            SourceRecord.external_id,
            SourceRecord.version_key,
            SourceRecord.key_ref,
        )
        .join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
        .where(RecordIssue.source_record_id == r.id, RecordIssue.severity == "reject")
    ).all()
    vault = pii.vault_of(session)
    issues = [
        (i.rule, i.field, open_issue_value(vault, i, "raw_value", i.raw_value_enc), i.detail) for i in found
    ]
    reasons = [
        " ".join(
            x
            for x in (
                rules.title(rule, locale),
                f"[{field}]" if field else "",
                f"“{raw}”" if raw else "",
                f"({detail})" if detail else "",
            )
            if x
        )
        for rule, field, raw, detail in issues
    ]
    hotel = session.scalar(select(Hotel.code).where(Hotel.id == r.hotel_id)) if r.hotel_id else None
    opened = pii.open_record(pii.vault_of(session), r)
    return QuarantinedRecord(
        r.id,
        r.source_system.code,
        hotel,
        r.record_type.value,
        r.external_id,
        r.location,
        r.batch_id,
        r.received_at,
        reasons,
        opened.standardised.get("sent", {}),
        opened.raw or "",
    )


def discard(session: Session, *, scope: DataScope, record_ids: list[int], reason: str) -> int:
    """Discard quarantined records with the steward's reason; they stay stored and counted."""
    if not reason.strip():
        raise InvalidInput("A reason is required to discard records.", hint="Say why, e.g. 'test booking'.")
    if not record_ids:
        raise InvalidInput("No records chosen to discard.", hint="Tick at least one record.")
    discarded = sorted(
        session.scalars(
            update(SourceRecord)
            .where(
                SourceRecord.id.in_(record_ids),
                SourceRecord.status == RecordStatus.QUARANTINED,
                _scope(scope),
            )
            .values(status=RecordStatus.DISCARDED, is_current=False, steward_note=reason.strip()[:2000])
            .returning(SourceRecord.id)
            .execution_options(synchronize_session=False)
        )
    )
    if discarded:
        hotels = session.scalars(
            select(Hotel.code)
            .join(SourceRecord, SourceRecord.hotel_id == Hotel.id)
            .where(SourceRecord.id.in_(discarded))
            .distinct()
        )
        audit.log_event(  # which records, at which hotels; the reason stays on the records
            session,
            "guest.record.discard",
            object_type="source_record",
            object_id=str(discarded[0]) if len(discarded) == 1 else None,
            details={"records": len(discarded), "ids": discarded[:AUDIT_IDS], "hotels": sorted(hotels)},
        )
    return len(discarded)


def resubmit(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    record_id: int,
    corrections: dict[str, str],
    locale: str = "en",
) -> BatchSummary:
    """Re-run the rules on a quarantined record with the steward's corrections, as a new version.

    `corrections` keys are `fields.<name>` or `persons.<index>.<name>`; an empty value clears the field.
    The quarantined version is superseded whether or not the corrected one passes.
    """
    with factory() as session:
        item = get_quarantined(session, scope=scope, record_id=record_id, locale=locale)
        record = session.get(SourceRecord, record_id)
        assert record is not None
        inbound = _rebuild(record, item, corrections)
    request = ImportRequest(
        source=item.source,
        channel="steward",
        format="correction",
        hotel_code=item.hotel,
        filename=f"correction of record {record_id}",
    )

    def audited(session: Session, batch_id: int, results: list[RecordResult]) -> None:
        # which record, at which hotel, which fields were corrected (names only); still refused: failed
        passed = all(r.stored for r in results)
        audit.log_event(
            session,
            "guest.record.resubmit",
            outcome="ok" if passed else "failed",
            object_type="source_record",
            object_id=str(record_id),
            details={
                "hotel": item.hotel,
                "batch": batch_id,
                "record": ", ".join(sorted({r.outcome for r in results})),
                "fields": sorted(corrections),
            },
        )

    return run_import(factory, [inbound], request, today=datetime.now(UTC).date(), on_stored=audited)


def _rebuild(record: SourceRecord, item: QuarantinedRecord, corrections: dict[str, str]) -> InboundRecord:
    fields = dict(item.sent.get("fields", {}))
    persons = [dict(p) for p in item.sent.get("persons", [])]
    for key, value in corrections.items():
        _apply(fields, persons, key, value)
    return InboundRecord(
        record_type=RecordType(item.record_type),
        external_id=item.external_id,
        location=f"correction of {item.location or record.id}",
        raw_format="correction",
        raw=json.dumps(
            {"corrects": record.id, "corrections": corrections, "original": item.raw},
            ensure_ascii=False,
            sort_keys=True,
        ),
        fields=fields,
        persons=persons,
        hotel_code=item.hotel,
    )


def _apply(fields: dict[str, Any], persons: list[dict[str, Any]], key: str, value: str) -> None:
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "fields" and parts[1] in RECORD_FIELDS:
        fields[parts[1]] = value or None
    elif len(parts) == 3 and parts[0] == "persons" and parts[1].isdigit() and parts[2] in PERSON_FIELDS:
        index = int(parts[1])
        while len(persons) <= index:
            persons.append({"role": "primary" if not persons else "additional"})
        persons[index][parts[2]] = value or None
    else:
        raise InvalidInput(f"Cannot correct {key!r}.", hint="Use fields.<name> or persons.<n>.<name>.")
