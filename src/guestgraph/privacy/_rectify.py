"""Rectification (GDPR 16, PIPL 46): a compliance officer corrects a guest's details.

The correction is a source record of its own (source system `rectification`, the most trusted), checked
by the same rules as any import and kept with its lineage; it is attached to the guest as a steward
decision, so it wins survivorship now and in every later resolve pass until corrected again. The golden
record, its sealed values and blind indexes (so search finds the new phone) follow at once, and one
entry on the change feed tells downstream systems to fetch the profile again. The values the source
systems sent stay in their records as sent (lineage); the feed and the audit event name the corrected
fields, never their values.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import changes, identity, ingest
from guestgraph.access import DataScope
from guestgraph.db.models import (
    ChangeKind,
    RecordType,
    RequestKind,
    RequestStatus,
    SourceKind,
    SourceRecord,
    SourceSystem,
)
from guestgraph.errors import InvalidInput
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._errors import CorrectionRefused, ReasonRequired
from guestgraph.privacy._guests import find_guest, require_group_scope
from guestgraph.privacy._requests import load_request

SOURCE = "rectification"
RECTIFIABLE = ("full_name", "gender", "birth_date", "nationality", "phone", "email", "id_type", "id_number")


@dataclass(frozen=True)
class Rectification:
    guest_public_id: str
    fields: list[str]
    source_record_id: int
    change_id: int


def _source(session: Session) -> None:
    if session.scalar(select(SourceSystem.id).where(SourceSystem.code == SOURCE)) is None:
        session.add(
            SourceSystem(
                code=SOURCE,
                kind=SourceKind.FRONTDESK,
                name_zh="数据更正",
                name_en="Rectification",
                trust_rank=0,
            )
        )


def _checked(values: dict[str, str | None], reason: str) -> dict[str, str]:
    unknown = sorted(set(values) - set(RECTIFIABLE))
    if unknown:
        raise CorrectionRefused(
            f"These fields cannot be corrected here: {', '.join(unknown)}.",
            hint=f"Correct one of: {', '.join(RECTIFIABLE)}.",
            problems=[{"field": f"body.{name}", "message": "cannot be corrected here"} for name in unknown],
        )
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    if not given:
        raise CorrectionRefused(
            "No corrected value was given.",
            hint="Fill in at least one field with its right value.",
            problems=[{"field": "body", "message": "no corrected value"}],
        )
    if ("id_number" in given) != ("id_type" in given):
        missing = "id_type" if "id_number" in given else "id_number"
        raise CorrectionRefused(
            "An ID number is corrected together with its document type.",
            hint="Give both id_type (e.g. cn_resident_id, passport) and id_number.",
            problems=[{"field": f"body.{missing}", "message": "missing"}],
        )
    if not reason.strip():
        raise ReasonRequired(
            "A correction needs its reason.", hint="Say what the guest asked, e.g. 'phone changed'."
        )
    return given


def _stored(summary: ingest.BatchSummary) -> None:
    if summary.quarantined:
        problems = [
            {
                "field": f"body.{f['field']}" if f["field"] else "body",
                "message": str(f["detail"] or f["rule"]),
            }
            for r in summary.records
            for f in r.findings
            if f["severity"] == "reject"
        ]
        raise CorrectionRefused(
            f"The correction was refused: {'; '.join(summary.refusals()) or 'see the quarantine'}.",
            hint="Give the value as the guest's document or contact shows it (the refused record is "
            "in the quarantine).",
            problems=problems,
        )


def rectify_guest(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    public_id: str,
    values: dict[str, str | None],
    reason: str,
    actor_id: int | None,
    actor_name: str,
    request_id: int | None = None,
    now: datetime | None = None,
) -> Rectification:
    """Correct the guest's details; see the module docstring for what follows."""
    when = now or datetime.now(UTC)
    given = _checked(values, reason)
    require_group_scope(scope)
    with factory.begin() as session:
        guest = find_guest(session, scope=scope, public_id=public_id)
        guest_id, public_id = guest.id, guest.public_id
        if request_id is not None:
            _for_request(session, scope, request_id, guest_id)
        _source(session)
    external_id = f"{public_id}:{when:%Y%m%dT%H%M%S}:{secrets.token_hex(3)}"
    record = ingest.InboundRecord(
        record_type=RecordType.PROFILE,
        external_id=external_id,
        location="rectification",
        raw=json.dumps({"guest": public_id, "corrected": given, "reason": reason}, ensure_ascii=False),
        raw_format="form",
        fields={},
        persons=[{"role": "primary", **given}],
    )
    request = ingest.ImportRequest(
        source=SOURCE,
        channel="form",
        format="form",
        filename=f"rectification of {public_id}",
        created_by_id=actor_id,
    )
    _stored(ingest.run_import(factory, [record], request, collect=True))
    with factory.begin() as session:
        record_id = session.scalar(
            select(SourceRecord.id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.code == SOURCE, SourceRecord.external_id == external_id)
        )
        assert record_id is not None  # run_import stored it or raised
        identity.attach_record(
            session,
            guest_id=guest_id,
            source_record_id=record_id,
            rule="rectification",
            decided_by=actor_name,
            reason=reason,
        )
        guest = find_guest(session, scope=scope, public_id=public_id)
        fields = sorted(given)
        change_id = changes.record_change(
            session,
            guest,
            ChangeKind.RECTIFIED,
            fields=fields,
            source_record_id=record_id,
            request_id=request_id,
            reason=reason,
            changed_by_id=actor_id,
        )
        privacy_event(
            session,
            "guest.rectify",
            actor_id,
            public_id,
            {"fields": fields, "request_id": request_id, "record": record_id},
        )
    return Rectification(public_id, fields, record_id, change_id)


def _for_request(session: Session, scope: DataScope, request_id: int, guest_id: int) -> None:
    item = load_request(session, request_id, scope=scope)
    if (
        item.kind is not RequestKind.RECTIFICATION
        or item.status is not RequestStatus.OPEN
        or item.guest_id != guest_id
    ):
        raise InvalidInput(
            f"Request {request_id} is not an open rectification request for this guest.",
            hint="Open a rectification request for the guest first, or leave the request out.",
        )
