"""Data-quality figures per hotel and source, accumulated per chunk and summed by the dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection

from guestgraph.db.models import QualityStat, RecordStatus, RecordType
from guestgraph.ingest._store import Prepared, dialect_insert

COUNTERS = (
    "records",
    "valid",
    "quarantined",
    "persons",
    "complete",
    "with_name",
    "with_phone",
    "with_email",
    "with_document",
    "with_birth_date",
    "non_identifying_contact",
)


def _person_counts(person: dict[str, Any], counts: dict[str, int]) -> None:
    counts["persons"] += 1
    has_name = bool(person.get("full_name") or person.get("family_name"))
    phone = bool(person.get("phone")) and not person.get("phone_non_identifying")
    email = bool(person.get("email")) and not person.get("email_non_identifying")
    counts["with_name"] += has_name
    counts["with_phone"] += phone
    counts["with_email"] += email
    counts["with_document"] += bool(person.get("id_number"))
    counts["with_birth_date"] += bool(person.get("birth_date"))
    counts["non_identifying_contact"] += bool(
        person.get("phone_non_identifying") or person.get("email_non_identifying")
    )
    counts["complete"] += has_name and (phone or email)


def record_quality(
    conn: Connection,
    rows: list[Prepared],
    *,
    day: date,
    source_id: int,
    batch_id: int,
    hotel_ids: dict[str, int],
) -> None:
    per_hotel: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for p in rows:
        if p.duplicate:
            continue
        counts = per_hotel[hotel_ids.get(p.outcome.standardised["record"].get("hotel_code") or "")]
        counts["records"] += 1
        if p.outcome.status is RecordStatus.QUARANTINED:
            counts["quarantined"] += 1
        else:
            counts["valid"] += 1
        if p.record.record_type is RecordType.FOLIO:
            continue  # a cashier's "王先生" on a check is not a guest profile: not scored for completeness
        for person in p.outcome.standardised["persons"]:
            if person.get("role") in ("primary", "additional", None):
                _person_counts(person, counts)
    for hotel_id, counts in per_hotel.items():
        stmt = dialect_insert(conn, QualityStat.__table__).values(
            day=day, hotel_id=hotel_id, source_system_id=source_id, batch_id=batch_id, **counts
        )
        table = QualityStat.__table__
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "hotel_id", "source_system_id", "batch_id"],
            set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
        )
        conn.execute(stmt)
