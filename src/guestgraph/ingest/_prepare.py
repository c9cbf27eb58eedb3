"""From an inbound record to a `Prepared` one: standardised, scrubbed, hashed and versioned."""

from __future__ import annotations

from guestgraph.db.models import RecordStatus, Severity
from guestgraph.ingest._context import SourceSettings
from guestgraph.ingest._findings import Finding, Outcome
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._scrub import CONTROL, SURROGATE, may_hold_card, strip_cards
from guestgraph.ingest._standardise import standardise
from guestgraph.ingest._store import Prepared
from guestgraph.ingest._versions import content_hash, version_key

KEEP_FIELDS = ("confirmation_number", "booking_reference", "check_number")
KEEP_PERSON_FIELDS = ("loyalty_number", "id_number", "phone", "phone_alt")
DECODED_TEXT = frozenset({"csv", "xlsx"})  # read as decoded text or XML: no lone surrogate can be in them
RECORD_TEXT = ("external_id", "hotel_code", "source_updated_at")


def _keep(record: InboundRecord) -> frozenset[str]:
    values = [record.external_id or ""] + [record.fields.get(k) or "" for k in KEEP_FIELDS]
    values += [p.get(k) or "" for p in record.persons for k in KEEP_PERSON_FIELDS]
    return frozenset("".join(ch for ch in v if ch.isdigit()) for v in values if v)


def _keep_explanations(outcome: Outcome) -> None:
    """Fixes travel inside the standardised record (raw -> fixed, per field); warnings and rejections
    become record_issue rows that stewards work through. The located values as sent are kept for
    records a steward may correct."""
    std = outcome.standardised
    std["changes"] = [
        [f.rule, f.field, f.person, f.raw_value, f.fixed_value]
        for f in outcome.findings
        if f.severity is Severity.FIX
    ]
    if outcome.status is RecordStatus.ACCEPTED:
        std.pop("sent", None)


def _strip_located(record: InboundRecord, keep: frozenset[str]) -> int:
    """Card numbers typed into any located value (a remark, a name field) go before standardising."""
    found = 0
    for values in [record.fields, *record.persons]:
        for key, value in values.items():
            if value and may_hold_card(value):
                values[key], n = strip_cards(value, keep=keep)
                found += n
    return found


def _clean_id(record: InboundRecord, outcome: Outcome, settings: SourceSettings) -> str | None:
    """The external ID as stored: without control characters (PostgreSQL refuses a NUL in text). Such an
    ID is corrupt rather than a new record, so it is refused: it never replaces the record in force."""
    ext = record.external_id
    if ext and CONTROL.search(ext):
        cleaned = CONTROL.sub("", ext)
        severity = settings.rules.severity("id.control_characters", settings.source)
        outcome.findings.append(
            Finding("id.control_characters", severity, "external_id", None, ext, cleaned or None)
        )
        return cleaned
    return ext


def _escaped(text: str) -> str:
    return SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _make_storable(record: InboundRecord) -> None:
    """A JSON file or payload may hold a lone UTF-16 surrogate (the escape "\\ud800"), which no text
    column can store. In a value it becomes U+FFFD and the record is quarantined naming the field
    (`text.unstorable`: the sender must send valid Unicode); the record as sent keeps the JSON escape,
    so `raw` still reads back as what was sent. The push API does the same before its records get here."""
    if record.raw_format in DECODED_TEXT:
        return
    record.raw = _escaped(record.raw)
    for person, values in [(None, record.fields), *enumerate(record.persons)]:
        for key, value in values.items():
            if value and SURROGATE.search(value):
                record.unstorable.append((key, person))
                values[key] = SURROGATE.sub("\ufffd", value)
    for name in RECORD_TEXT:
        value = getattr(record, name)
        if value and SURROGATE.search(value):
            record.unstorable.append((name, None))
            setattr(record, name, SURROGATE.sub("\ufffd", value))
    record.reader_problems = [_escaped(p) for p in record.reader_problems]


def prepare(record: InboundRecord, settings: SourceSettings) -> Prepared:
    _make_storable(record)
    cards = 0
    raw = record.raw
    if may_hold_card(raw):
        keep = _keep(record)
        raw, cards = strip_cards(raw, keep=keep)
        cards += _strip_located(record, keep)
    outcome = standardise(record, settings)
    if cards:
        severity = settings.rules.severity("card.stripped", settings.source)
        outcome.findings.append(
            Finding("card.stripped", severity, None, None, None, None, f"{cards} removed")
        )
    if record.dropped_columns:
        severity = settings.rules.severity("data.minimised", settings.source)
        outcome.findings.extend(
            Finding("data.minimised", severity, column, None, None, None, "not stored")
            for column in record.dropped_columns
        )
    if record.unstorable:
        severity = settings.rules.severity("text.unstorable", settings.source)
        outcome.findings.extend(
            Finding("text.unstorable", severity, column, person, None, None, "lone UTF-16 surrogate")
            for column, person in record.unstorable
        )
    external_id = _clean_id(record, outcome, settings)
    _keep_explanations(outcome)
    digest = content_hash(raw)
    external_id = external_id or f"#{digest[:24]}"
    return Prepared(
        record=record,
        outcome=outcome,
        raw=raw,
        external_id=external_id[:200],
        version_key=version_key(record, digest),
        content_hash=digest,
        status=outcome.status,
    )
