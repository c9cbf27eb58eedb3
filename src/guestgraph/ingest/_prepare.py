"""From an inbound record to a `Prepared` one: standardised, scrubbed, hashed and versioned."""

from __future__ import annotations

from guestgraph.ingest._context import SourceSettings
from guestgraph.ingest._findings import Finding
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._scrub import strip_cards
from guestgraph.ingest._standardise import standardise
from guestgraph.ingest._store import Prepared
from guestgraph.ingest._versions import content_hash, version_key

KEEP_FIELDS = ("confirmation_number", "booking_reference", "check_number")
KEEP_PERSON_FIELDS = ("loyalty_number", "id_number", "phone", "phone_alt")


def _keep(record: InboundRecord) -> frozenset[str]:
    values = [record.external_id or ""] + [record.fields.get(k) or "" for k in KEEP_FIELDS]
    values += [p.get(k) or "" for p in record.persons for k in KEEP_PERSON_FIELDS]
    return frozenset("".join(ch for ch in v if ch.isdigit()) for v in values if v)


def prepare(record: InboundRecord, settings: SourceSettings) -> Prepared:
    raw, cards = strip_cards(record.raw, keep=_keep(record))
    outcome = standardise(record, settings)
    if cards:
        severity = settings.rules.severity("card.stripped", settings.source)
        outcome.findings.append(
            Finding("card.stripped", severity, None, None, None, None, f"{cards} removed")
        )
    digest = content_hash(raw)
    external_id = record.external_id or f"#{digest[:24]}"
    return Prepared(
        record=record,
        outcome=outcome,
        raw=raw,
        external_id=external_id[:200],
        version_key=version_key(record, digest),
        content_hash=digest,
        status=outcome.status,
    )
