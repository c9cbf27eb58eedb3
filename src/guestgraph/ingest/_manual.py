"""Manual entry: a front-desk registration typed into a form, checked by the same rules as any import.

As the clerk types, `check_registration` returns field-level feedback (what a rule found on that
field, in the clerk's language); `submit_registration` stores the form as a source record of the
front desk, so its lineage is the same as a file's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit
from guestgraph.db.models import Hotel, RecordType, Severity
from guestgraph.errors import InvalidInput
from guestgraph.ingest._context import SourceSettings
from guestgraph.ingest._engine import BatchSummary, ImportRequest, RecordResult, run_import
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._rules import rules_of
from guestgraph.ingest._standardise import standardise

SOURCE = "frontdesk"
PERSON_FORM_FIELDS = (
    "full_name",
    "gender",
    "id_type",
    "id_number",
    "phone",
    "email",
    "birth_date",
    "nationality",
)
STAY_FORM_FIELDS = ("arrival", "departure", "room_number", "notes")
FORM_FIELDS = ("hotel_code", *PERSON_FORM_FIELDS, *STAY_FORM_FIELDS)


@dataclass(frozen=True)
class FieldFeedback:
    field: str
    severity: str  # fix | warn | reject
    message: str
    suggestion: str | None = None


def _record(values: dict[str, str], external_id: str, *, checks_in: bool = False) -> InboundRecord:
    """The form as a front-desk record; `checks_in`: its dates are a stay beginning now (a walk-in at a
    hotel whose stays are kept here, not in a PMS)."""
    unknown = set(values) - set(FORM_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown form field(s): {', '.join(sorted(unknown))}.")
    person = {k: values.get(k) or None for k in PERSON_FORM_FIELDS}
    fields = {k: values.get(k) or None for k in STAY_FORM_FIELDS}
    if checks_in and fields.get("arrival") and fields.get("departure"):
        fields["stay_status"] = "in_house"
    return InboundRecord(
        record_type=RecordType.REGISTRATION,
        external_id=external_id,
        location="form",
        raw=json.dumps({k: v for k, v in values.items() if v}, ensure_ascii=False, sort_keys=True),
        raw_format="form",
        fields=fields,
        persons=[{"role": "primary", **person}],
        hotel_code=values.get("hotel_code") or None,
    )


def _settings(session: Session, hotel_code: str | None) -> SourceSettings:
    hotels = list(session.scalars(select(Hotel)))
    return SourceSettings(
        source=SOURCE,
        rules=rules_of(session),
        today=datetime.now(UTC).date(),
        hotel_currency={h.code: h.currency for h in hotels},
        hotel_timezone={h.code: h.timezone for h in hotels},
        default_hotel=hotel_code,
    )


def check_registration(session: Session, *, values: dict[str, str], locale: str) -> list[FieldFeedback]:
    """What the rules say about each field, without storing anything."""
    rules = rules_of(session)
    outcome = standardise(_record(values, "check"), _settings(session, values.get("hotel_code")))
    feedback = []
    for f in outcome.findings:
        if f.rule == "required.external_id":
            continue
        field = "full_name" if f.field in ("family_name", "given_name") else (f.field or "")
        suggestion = f.fixed_value if f.severity is Severity.FIX else None
        feedback.append(FieldFeedback(field, f.severity.value, rules.title(f.rule, locale), suggestion))
    return feedback


def submit_registration(
    factory: sessionmaker[Session], *, values: dict[str, str], created_by_id: int | None = None
) -> BatchSummary:
    """Store the registration as a front-desk source record (quarantined if a rule rejects it). At a
    hotel without a PMS feed, a registration with its arrival and departure is a walk-in checking in:
    the record also makes the stay, in house (with a PMS feed the PMS sends the stay)."""
    hotel = values.get("hotel_code") or None
    external_id = f"{hotel or '-'}:form:{uuid.uuid4().hex[:12]}"
    with factory() as session:
        feed = session.scalar(select(Hotel.pms_feed).where(Hotel.code == hotel)) if hotel else None
    request = ImportRequest(
        source=SOURCE,
        channel="form",
        format="form",
        hotel_code=hotel,
        filename="front-desk registration",
        created_by_id=created_by_id,
    )
    record = _record(values, external_id, checks_in=feed is False)
    filled = sorted(k for k in FORM_FIELDS if (values.get(k) or "").strip())

    def audited(session: Session, batch_id: int, results: list[RecordResult]) -> None:
        # The guest is known only once the record is resolved: the event names the record, the
        # hotel and the fields filled in (never their values); refused is a failed registration.
        stored = all(r.stored for r in results)
        audit.log_event(
            session,
            "guest.register",
            outcome="ok" if stored else "failed",
            object_type="source_record",
            object_id=external_id,
            details={
                "hotel": hotel,
                "batch": batch_id,
                "record": ", ".join(sorted({r.outcome for r in results})),
                "checks_in": feed is False,
                "fields": filled,
            },
        )

    return run_import(factory, [record], request, collect=True, on_stored=audited)
