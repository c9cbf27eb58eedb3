"""Deciding, per chunk, which records are new versions, duplicates, or older than what we hold."""

from __future__ import annotations

from sqlalchemy import Connection

from guestgraph.db.models import RecordStatus, Severity
from guestgraph.ingest._findings import Finding
from guestgraph.ingest._store import Prepared, existing_versions
from guestgraph.ingest._versions import is_newer


def classify(conn: Connection, prepared: list[Prepared], source_id: int) -> list[Prepared]:
    """Mark duplicates and versions; returns the records to insert, in input order."""
    stored = existing_versions(conn, source_id, [p.external_id for p in prepared])
    seen: set[tuple[str, str]] = {(ext, vk) for ext, versions in stored.items() for vk, _id, _c in versions}
    current: dict[str, tuple[str, int | None, Prepared | None]] = {
        ext: (vk, rid, None) for ext, versions in stored.items() for vk, rid, cur in versions if cur
    }
    fresh: list[Prepared] = []
    for p in prepared:
        key = (p.external_id, p.version_key)
        if key in seen:
            p.duplicate = True
            continue
        seen.add(key)
        _place(p, current)
        fresh.append(p)
    return fresh


def _place(p: Prepared, current: dict[str, tuple[str, int | None, Prepared | None]]) -> None:
    held = current.get(p.external_id)
    if held is None or is_newer(p.version_key, held[0]):
        if held is not None:
            if p.outcome.status is RecordStatus.QUARANTINED:
                p.is_current = False  # a rejected version never replaces the one in force
                return
            _retire(p, held)
        current[p.external_id] = (p.version_key, None, p)
        return
    p.is_current = False
    p.outcome.findings.append(Finding("version.older", Severity.WARN, None, None, p.version_key, held[0]))
    p.status = RecordStatus.SUPERSEDED


def _retire(p: Prepared, held: tuple[str, int | None, Prepared | None]) -> None:
    _vk, stored_id, in_chunk = held
    if in_chunk is not None:  # an earlier version in the same chunk is replaced before it is stored
        in_chunk.is_current = False
        in_chunk.status = RecordStatus.SUPERSEDED
    else:
        p.replaces = stored_id
