"""Storing a chunk of standardised records: idempotent, version-aware, set-based, one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from guestgraph import pii
from guestgraph.crypto import Vault
from guestgraph.db import insert_rows
from guestgraph.db.models import RecordIssue, RecordStatus, Severity, SourceRecord
from guestgraph.ingest._findings import Outcome
from guestgraph.ingest._inbound import InboundRecord


@dataclass
class Prepared:
    """A record ready to store: what was sent, what we made of it, and its identity and version."""

    record: InboundRecord
    outcome: Outcome
    raw: str
    external_id: str
    version_key: str
    content_hash: str
    status: RecordStatus
    is_current: bool = True
    duplicate: bool = False
    replaces: int | None = None  # id of the version this one supersedes
    id: int | None = None
    key_ref: str | None = None  # the record's data key: seals its payload and its persons' fields


def dialect_insert(conn: Connection, table: Any) -> Any:
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def existing_versions(
    conn: Connection, source_id: int, external_ids: Sequence[str]
) -> dict[str, list[tuple[str, int, bool]]]:
    """(version_key, id, is_current) of every stored version of these external records, erased ones
    included: those are stored under their tombstone (`pii.tombstone`), looked up by it too."""
    found: dict[str, list[tuple[str, int, bool]]] = {}
    vault = pii.vault_of(conn)
    ids = sorted(set(external_ids))
    for start in range(0, len(ids), 450):  # two values per ID in the IN list (SQLite's limit: 999)
        plain = {ext: ext for ext in ids[start : start + 450]}
        wanted = plain | {pii.tombstone(vault, ext): ext for ext in plain}
        rows = conn.execute(
            select(
                SourceRecord.external_id, SourceRecord.version_key, SourceRecord.id, SourceRecord.is_current
            ).where(
                SourceRecord.source_system_id == source_id,
                SourceRecord.external_id.in_(sorted(wanted)),
            )
        )
        for stored, vk, rid, current in rows:
            found.setdefault(wanted[stored], []).append((vk, rid, current))
    return found


def insert_records(
    conn: Connection,
    rows: list[Prepared],
    *,
    source_id: int,
    batch_id: int,
    received_at: Any,
    hotel_ids: dict[str, int],
) -> None:
    """Insert new versions (a concurrent duplicate is skipped by the unique key) and learn their ids."""
    if not rows:
        return
    vault = pii.vault_of(conn)
    for p, key_ref in zip(rows, vault.new_guest_keys(len(rows)), strict=True):
        p.key_ref = key_ref
    values = [_row_values(vault, p, source_id, batch_id, received_at, hotel_ids) for p in rows]
    insert_rows(conn, SourceRecord.__table__, values, skip_conflicts=True)
    ids: dict[tuple[str, str], int] = {}
    externals = sorted({p.external_id for p in rows})
    for start in range(0, len(externals), 900):  # by the unique key's index, not by batch (which grows)
        found = conn.execute(
            select(
                SourceRecord.id, SourceRecord.external_id, SourceRecord.version_key, SourceRecord.batch_id
            ).where(
                SourceRecord.source_system_id == source_id,
                SourceRecord.external_id.in_(externals[start : start + 900]),
            )
        )
        ids.update({(ext, vk): rid for rid, ext, vk, bid in found if bid == batch_id})
    for p in rows:
        p.id = ids.get((p.external_id, p.version_key))
        if p.id is None:  # another import stored the same version a moment ago
            p.duplicate = True


def _row_values(
    vault: Vault, p: Prepared, source_id: int, batch_id: int, received_at: Any, hotel_ids: dict[str, int]
) -> dict[str, Any]:
    hotel = p.outcome.standardised["record"].get("hotel_code")
    assert p.key_ref is not None  # noqa: S101 (set by insert_records)
    row = pii.record_row(source_id, p.external_id, p.version_key)
    return {
        "source_system_id": source_id,
        "hotel_id": hotel_ids.get(hotel or ""),
        "record_type": p.record.record_type.value,
        "external_id": p.external_id,
        "version_key": p.version_key,
        "content_hash": p.content_hash,
        "is_current": p.is_current,
        "batch_id": batch_id,
        "location": p.record.location[:100],
        "source_version": p.record.source_version,
        "source_updated_at": None,
        "received_at": received_at,
        "raw_format": p.record.raw_format,
        "key_ref": p.key_ref,
        **pii.seal_record(vault, p.key_ref, row, p.raw, p.outcome.standardised),
        "has_consent_flags": any(
            key.startswith("consent_") and value is not None
            for person in p.outcome.standardised.get("persons", [])
            for key, value in person.items()
        ),
        "status": p.status.value,
    }


def retire_replaced(conn: Connection, rows: list[Prepared]) -> int:
    replaced = sorted({p.replaces for p in rows if p.replaces is not None and p.id is not None})
    for start in range(0, len(replaced), 900):
        conn.execute(
            update(SourceRecord)
            .where(SourceRecord.id.in_(replaced[start : start + 900]))
            .values(is_current=False, status=RecordStatus.SUPERSEDED.value)
        )
    return len(replaced)


def insert_findings(conn: Connection, rows: list[Prepared], *, source_id: int) -> None:
    """Warnings and rejections; the values they quote are sealed under the record's key."""
    vault = pii.vault_of(conn)

    def sealed(p: Prepared, f: Any, column: str, value: str | None) -> str | None:
        row = pii.issue_row(
            pii.record_row(source_id, p.external_id, p.version_key), f.rule, f.field, f.person
        )
        return pii.seal_value(vault, p.key_ref or "", "record_issue", column, row, value)

    values = [
        {
            "source_record_id": p.id,
            "rule": f.rule,
            "severity": f.severity.value,
            "field": f.field,
            "person": f.person,
            "raw_value_enc": sealed(p, f, "raw_value", f.raw_value),
            "fixed_value_enc": sealed(p, f, "fixed_value", f.fixed_value),
            "detail": f.detail,
        }
        for p in rows
        if p.id is not None and not p.duplicate and p.key_ref is not None
        for f in p.outcome.findings
        if f.severity is not Severity.FIX  # fixes travel in the standardised record's "changes"
    ]
    if values:
        insert_rows(conn, RecordIssue.__table__, values)


def raw_json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
