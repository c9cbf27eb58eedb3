"""apaleo webhook envelopes: `{topic, type, id, accountId, propertyId, timestamp, data{entityId}}`.

apaleo webhooks are thin: a Reservation event names the reservation and the property, nothing
else. It becomes a RESERVATION (a CANCELLATION for `type` canceled) keyed by `data.entityId`,
with the property as hotel and the event time; a non-cancellation event carries a reader problem
saying the reservation must be fetched (`GET /booking/v1/reservations/{id}`), since it names no
guest. Events of other topics (folios, properties, rate plans…) yield no records.
"""

from __future__ import annotations

from datetime import UTC, datetime

from guestgraph.db.models import RecordType
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest.readers._jsonpath import JsonObject, dump, first, get

RAW_FORMAT = "vendor_json"
CANCELLED = frozenset({"canceled", "cancelled"})


def is_webhook(doc: JsonObject) -> bool:
    return "topic" in doc and any(k in doc for k in ("data", "propertyId", "accountId", "timestamp"))


def read_webhook(doc: JsonObject) -> list[InboundRecord]:
    if (first(doc.get("topic")) or "").lower() != "reservation":
        return []
    kind = first(doc.get("type"))
    entity = first(get(doc, "data.entityId"))
    cancelled = (kind or "").lower() in CANCELLED
    when = event_time(doc.get("timestamp"))
    event = first(doc.get("id"))
    fields = {
        "stay_status": "Canceled" if cancelled else None,
        "notes": f"apaleo webhook: Reservation {kind or '(no type)'}"
        + (f" (event {event})" if event else ""),
        "updated_at": when,
    }
    problems = [] if entity else ["the event names no reservation (data.entityId): it cannot be keyed"]
    if not cancelled:
        problems.append(
            "an apaleo webhook carries ids only, no guest or stay: fetch "
            f"GET /booking/v1/reservations/{entity or '{id}'} and read that"
        )
    return [
        InboundRecord(
            record_type=RecordType.CANCELLATION if cancelled else RecordType.RESERVATION,
            external_id=entity,
            location="",
            raw=dump(doc),
            raw_format=RAW_FORMAT,
            fields={k: v for k, v in fields.items() if v is not None},
            source_updated_at=when,
            hotel_code=first(doc.get("propertyId")),
            reader_problems=problems,
        )
    ]


def event_time(value: object) -> str | None:
    """apaleo sends epoch milliseconds; as an ISO 8601 UTC instant (other text as sent)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return first(value)
