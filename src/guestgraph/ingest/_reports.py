"""Import reports: batches, their counts by outcome and by rule, and the problem rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.crypto import Vault
from guestgraph.db.models import Hotel, ImportBatch, RecordIssue, RecordStatus, SourceRecord, SourceSystem
from guestgraph.errors import NotFound
from guestgraph.ingest._masked import row_masker
from guestgraph.ingest._rules import RuleSet, rules_of
from guestgraph.paging import Page, PageRequest

PROBLEM = (RecordStatus.QUARANTINED.value, RecordStatus.ACCEPTED_WITH_WARNINGS.value)


class BatchNotFound(NotFound):
    code = "batch_not_found"


@dataclass(frozen=True)
class BatchRow:
    id: int
    source: str
    hotel: str | None
    channel: str
    format: str
    profile: str | None
    filename: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    accepted: int
    accepted_with_warnings: int
    quarantined: int
    duplicates: int
    superseded: int
    error: str | None

    @property
    def reconciles(self) -> bool:
        return (
            self.rows_read == self.accepted + self.accepted_with_warnings + self.quarantined + self.duplicates
        )


@dataclass(frozen=True)
class RuleCount:
    rule: str
    title: str
    severity: str
    count: int


@dataclass(frozen=True)
class ProblemRow:
    record_id: int
    location: str | None
    external_id: str
    status: str
    raw: str
    reasons: list[str]


@dataclass(frozen=True)
class BatchReport:
    batch: BatchRow
    rules: list[RuleCount]
    samples: list[ProblemRow]


def _batch_scope(scope: DataScope) -> ColumnElement[bool]:
    return hotel_id_visible(ImportBatch.hotel_id, scope)


def _row(batch: ImportBatch, source: str, hotel: str | None) -> BatchRow:
    return BatchRow(
        batch.id,
        source,
        hotel,
        batch.channel,
        batch.format,
        batch.profile,
        batch.filename,
        batch.status.value,
        batch.started_at,
        batch.finished_at,
        batch.rows_read,
        batch.accepted,
        batch.accepted_with_warnings,
        batch.quarantined,
        batch.duplicates,
        batch.superseded,
        batch.error,
    )


def list_batches(session: Session, *, scope: DataScope, paging: PageRequest) -> Page[BatchRow]:
    query = (
        select(ImportBatch, SourceSystem.code, Hotel.code)
        .join(SourceSystem, SourceSystem.id == ImportBatch.source_system_id)
        .join(Hotel, Hotel.id == ImportBatch.hotel_id, isouter=True)
        .where(_batch_scope(scope))
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(ImportBatch.id.desc()).offset(paging.offset).limit(paging.size)
    ).all()
    return Page([_row(b, s, h) for b, s, h in rows], total, paging.page, paging.size)


def batch_report(
    session: Session, *, scope: DataScope, batch_id: int, locale: str, samples: int = 20
) -> BatchReport:
    found = session.execute(
        select(ImportBatch, SourceSystem.code, Hotel.code)
        .join(SourceSystem, SourceSystem.id == ImportBatch.source_system_id)
        .join(Hotel, Hotel.id == ImportBatch.hotel_id, isouter=True)
        .where(ImportBatch.id == batch_id, _batch_scope(scope))
    ).first()
    if found is None:
        raise BatchNotFound(
            f"No import batch {batch_id} in your data scope.", hint="See the list of imports."
        )
    batch, source, hotel = found
    rules = rules_of(session)
    counts = [
        RuleCount(code, rules.title(code, locale), rules.severity(code, source).value, n)
        for code, n in sorted((batch.rule_counts or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return BatchReport(
        _row(batch, source, hotel), counts, list(problem_rows(session, batch_id, locale, samples))
    )


def problem_rows(
    session: Session, batch_id: int, locale: str, limit: int | None = None
) -> Iterator[ProblemRow]:
    """Quarantined and flagged rows of a batch with the original data and every reason, in input order,
    the identifying values the row was sent with masked (MK-01)."""
    rules = rules_of(session)
    query = (
        select(
            SourceRecord.id,
            SourceRecord.location,
            SourceRecord.external_id,
            SourceRecord.status,
            SourceRecord.source_system_id,
            SourceRecord.version_key,
            SourceRecord.key_ref,
            SourceRecord.raw_sealed,
            SourceRecord.standardised_sealed,
        )
        .where(SourceRecord.batch_id == batch_id, SourceRecord.status.in_(PROBLEM))
        .order_by(SourceRecord.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    vault = pii.vault_of(session)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        reasons = _reasons(session, [r[0] for r in chunk], rules, locale)
        pii.preload(vault, (r.key_ref for r in chunk))
        for r in chunk:
            shown = str(r.status.value if hasattr(r.status, "value") else r.status)
            opened = pii.open_record(vault, r)
            masked = row_masker((opened.standardised or {}).get("sent") or {})
            yield ProblemRow(
                r.id,
                r.location,
                r.external_id,
                shown,
                masked(opened.raw or ""),
                [masked(reason) for reason in reasons.get(r.id, [])],
            )


def _reasons(session: Session, record_ids: list[int], rules: RuleSet, locale: str) -> dict[int, list[str]]:
    """Every warning and rejection of these records, in the order found (one query for the lot)."""
    out: dict[int, list[str]] = {}
    vault = pii.vault_of(session)
    for r in session.execute(
        select(
            RecordIssue.source_record_id,
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
        .where(RecordIssue.source_record_id.in_(record_ids), RecordIssue.severity != "fix")
        .order_by(RecordIssue.id)
    ):
        raw_value = open_issue_value(vault, r, "raw_value", r.raw_value_enc)
        out.setdefault(r.source_record_id, []).append(
            _reason(rules.title(r.rule, locale), r.field, raw_value, r.detail)
        )
    return out


def open_issue_value(vault: Vault, r: Any, column: str, stored: str | None) -> str | None:
    """A value a record issue quotes, opened (`r` has the issue's and its record's key columns)."""
    return pii.open_issue_value(
        vault, r, rule=r.rule, field=r.field, person=r.person, column=column, stored=stored
    )


def _reason(title: str, field: str | None, raw: str | None, detail: str | None) -> str:
    parts = [title]
    if field:
        parts.append(f"[{field}]")
    if raw:
        parts.append(f"“{raw}”")
    if detail:
        parts.append(f"({detail})")
    return " ".join(parts)


def problem_rows_csv(session: Session, *, scope: DataScope, batch_id: int, locale: str) -> Iterator[str]:
    """The problem rows as CSV (UTF-8 with BOM so that Excel opens Chinese text correctly)."""
    batch_report(session, scope=scope, batch_id=batch_id, locale=locale, samples=0)  # scope check
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = (
        ["行/位置", "编号", "状态", "原因", "原始数据"]
        if locale == "zh_CN"
        else ["row", "external id", "status", "reasons", "original data"]
    )
    writer.writerow(header)
    yield "\ufeff" + buf.getvalue()
    for row in problem_rows(session, batch_id, locale):
        buf.seek(0)
        buf.truncate()
        writer.writerow([row.location, row.external_id, row.status, "; ".join(row.reasons), row.raw])
        yield buf.getvalue()
