"""The cross-reference every downstream system needs: source system + external id -> guest id."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope, source_record_visible
from guestgraph.db.models import Guest, RecordType, SourceRecord, SourceSystem
from guestgraph.errors import NotFound
from guestgraph.paging import Page, PageRequest


class LinkNotFound(NotFound):
    code = "link_not_found"


@dataclass(frozen=True)
class Link:
    source_system: str
    external_id: str
    guest_id: str  # the surviving guest's public ID (a merged guest's ID resolves to its survivor)
    record_type: str


def _query(source: str | None, scope: DataScope) -> Select[str, str, str, RecordType]:
    survivor = aliased(Guest)
    query = (
        select(
            SourceSystem.code,
            SourceRecord.external_id,
            func.coalesce(survivor.public_id, Guest.public_id),
            SourceRecord.record_type,
        )
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .join(Guest, Guest.id == SourceRecord.guest_id)
        .join(survivor, survivor.id == Guest.merged_into_id, isouter=True)
        .where(SourceRecord.is_current.is_(True), source_record_visible(scope))
    )
    return query.where(SourceSystem.code == source) if source else query


def _link(row: Any) -> Link:
    kind = row[3]
    return Link(row[0], row[1], row[2], str(getattr(kind, "value", kind)))


def list_links(
    session: Session, *, scope: DataScope, paging: PageRequest, source: str | None = None
) -> Page[Link]:
    """The links of the source records of hotels in `scope`."""
    query = _query(source, scope)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(SourceSystem.code, SourceRecord.external_id).offset(paging.offset).limit(paging.size)
    ).all()
    return Page([_link(r) for r in rows], total, paging.page, paging.size)


def find_link(session: Session, *, scope: DataScope, source: str, external_id: str) -> Link:
    """The link of one source record; a record of a hotel outside `scope` is not found, like a missing one."""
    row = session.execute(_query(source, scope).where(SourceRecord.external_id == external_id)).first()
    if row is None:
        raise LinkNotFound(
            f"No guest for record {external_id!r} of source {source!r} in your data scope.",
            hint="The record may be unknown, quarantined or not resolved yet (guestgraph resolve).",
        )
    return _link(row)


def export_links(session: Session, out: Path, *, source: str | None = None) -> int:
    """Write every link as CSV (source_system, external_id, guest_id, record_type); returns the count."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_system", "external_id", "guest_id", "record_type"])
        for row in session.execute(
            _query(source, DataScope.group())
            .order_by(SourceSystem.code, SourceRecord.external_id)
            .execution_options(yield_per=5000)
        ):
            link = _link(row)
            writer.writerow([link.source_system, link.external_id, link.guest_id, link.record_type])
            count += 1
    return count
