"""The import engine: records in, standardised and stored in chunks, every row accounted for.

One chunk is one transaction: its records, findings, stays, folio lines, quality figures and the
batch's counters and checkpoint are committed together. A crash loses at most the chunk in flight,
and re-running the same file resumes the interrupted batch from its checkpoint, ending in the
same state as an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db.models import (
    BatchStatus,
    Hotel,
    ImportBatch,
    QualityStat,
    RecordStatus,
    SourceKind,
    SourceSystem,
)
from guestgraph.errors import GuestgraphError, InvalidInput, NotFound
from guestgraph.ingest import _coupons
from guestgraph.ingest._classify import classify
from guestgraph.ingest._context import SourceSettings
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._prepare import prepare
from guestgraph.ingest._project import project
from guestgraph.ingest._quality import record_quality
from guestgraph.ingest._rules import RuleSet, default_rules, rules_of
from guestgraph.ingest._store import Prepared, insert_findings, insert_records, retire_replaced
from guestgraph.quality import evaluate_alerts

Progress = Callable[[int], None]
CHUNK = 2000
# SQLite page cache of an importing connection (KiB): the mention, stay and record indexes a chunk
# touches stay in memory from one chunk to the next instead of being re-read (default: 2 MiB).
SQLITE_IMPORT_CACHE_KIB = 32_768


class SourceNotFound(NotFound):
    code = "source_not_found"


@dataclass(frozen=True)
class ImportRequest:
    """What is being imported, from where, by whom."""

    source: str
    channel: str  # file | api | form
    format: str
    filename: str | None = None
    file_sha256: str | None = None
    file_size: int | None = None
    profile: str | None = None
    hotel_code: str | None = None
    day_first: bool = False
    status_map: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    created_by_id: int | None = None


@dataclass(frozen=True)
class RecordResult:
    """What became of one record of a pushed batch (returned to the sender)."""

    location: str
    external_id: str
    outcome: str  # accepted | accepted_with_warnings | quarantined | duplicate | superseded
    findings: list[dict[str, str | None]]
    status: str = "accepted"  # how the batch counts it: accepted | accepted_with_warnings | quarantined

    @property
    def stored(self) -> bool:
        """Taken in as a current record (not refused, not a duplicate)."""
        return self.outcome in ("accepted", "accepted_with_warnings")


OnStored = Callable[[Session, int, list[RecordResult]], None]  # session, batch id, the chunk's records


@dataclass
class BatchSummary:
    batch_id: int
    rows_read: int = 0
    accepted: int = 0
    accepted_with_warnings: int = 0
    quarantined: int = 0
    duplicates: int = 0
    superseded: int = 0
    resumed_from: int = 0
    status: str = "running"
    error: str | None = None
    records: list[RecordResult] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return (
            self.rows_read == self.accepted + self.accepted_with_warnings + self.quarantined + self.duplicates
        )

    def refusals(self, locale: str = "en") -> list[str]:
        """Why each refused record was refused: "field: rule" per finding of severity reject."""
        rules = default_rules()
        return [
            f"{f['field'] or '-'}: {rules.title(str(f['rule']), locale)}"
            for r in self.records
            for f in r.findings
            if f["severity"] == "reject"
        ]


def run_import(
    factory: sessionmaker[Session],
    records: Iterable[InboundRecord],
    request: ImportRequest,
    *,
    rules: RuleSet | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    collect: bool = False,
    on_stored: OnStored | None = None,
) -> BatchSummary:
    """Import `records` as one batch; a reader error mid-way fails the batch, keeping what was committed.

    `on_stored(session, batch_id, results)` runs last in each chunk's transaction, e.g. to write the
    audit event of a front-desk operation with the records it stored."""
    with factory() as session:
        batch, settings, hotel_ids = _open_batch(session, request, rules or rules_of(session), today)
        source_id, batch_id, start = batch.source_system_id, batch.id, batch.checkpoint
        session.commit()
    summary = BatchSummary(batch_id=batch_id, resumed_from=start)
    iterator = islice(iter(records), start, None)
    position = start
    try:
        for chunk in _chunks(iterator, chunk_size):
            position += len(chunk)
            with factory.begin() as session:
                prepared = _store_chunk(session, chunk, settings, source_id, batch_id, hotel_ids, position)
                if on_stored is not None:
                    on_stored(session, batch_id, [_result(p) for p in prepared])
            if collect:
                summary.records.extend(_result(p) for p in prepared)
            if _crossed_milestone(position - len(chunk), position):
                _refresh_statistics(factory)
            if progress:
                progress(position)
    except GuestgraphError as e:
        _finish(factory, batch_id, BatchStatus.FAILED, f"{e.message} {e.hint or ''}".strip(), summary)
        raise
    _finish(factory, batch_id, BatchStatus.COMPLETED, None, summary)
    return summary


def _crossed_milestone(before: int, after: int) -> bool:
    """True at 2k, 8k, 32k, 128k… rows: when a growing table's planner statistics go stale."""
    milestone = 2000
    while milestone <= after:
        if before < milestone:
            return True
        milestone *= 4
    return False


def _refresh_statistics(factory: sessionmaker[Session]) -> None:
    # Without statistics PostgreSQL looks up 2,000 external ids by scanning the source's whole index
    # range; with them it probes the unique index. SQLite's planner does not need this.
    with factory.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE source_record, stay, record_issue"))


def _chunks(items: Iterator[InboundRecord], size: int) -> Iterator[list[InboundRecord]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _open_batch(
    session: Session, request: ImportRequest, rules: RuleSet, today: date | None
) -> tuple[ImportBatch, SourceSettings, dict[str, int]]:
    source = session.scalar(select(SourceSystem).where(SourceSystem.code == request.source))
    if source is None:
        known = ", ".join(session.scalars(select(SourceSystem.code).order_by(SourceSystem.code)))
        raise SourceNotFound(
            f"No source system {request.source!r}.", hint=f"Use one of: {known or 'none defined'}."
        )
    hotels = list(session.scalars(select(Hotel)))
    hotel_ids = {h.code: h.id for h in hotels}
    if request.hotel_code and request.hotel_code not in hotel_ids:
        raise InvalidInput(
            f"No hotel with code {request.hotel_code!r}.", hint=f"Use one of: {', '.join(sorted(hotel_ids))}."
        )
    settings = SourceSettings(
        source=request.source,
        rules=rules,
        today=today or datetime.now(UTC).date(),
        day_first=request.day_first,
        hotel_currency={h.code: h.currency for h in hotels},
        default_hotel=request.hotel_code,
        hotel_timezone={h.code: h.timezone for h in hotels},
        status_map=request.status_map,
        date_formats=request.date_formats,
        trust_rank=source.trust_rank,
        channel_source=source.kind is SourceKind.OTA,
    )
    batch = _resumable(session, source.id, request) or _new_batch(session, source.id, request, hotel_ids)
    return batch, settings, hotel_ids


def _resumable(session: Session, source_id: int, request: ImportRequest) -> ImportBatch | None:
    if not request.file_sha256:
        return None
    return session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.source_system_id == source_id,
            ImportBatch.file_sha256 == request.file_sha256,
            ImportBatch.status.in_([BatchStatus.RUNNING, BatchStatus.FAILED]),
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
    )


def _new_batch(
    session: Session, source_id: int, request: ImportRequest, hotel_ids: dict[str, int]
) -> ImportBatch:
    batch = ImportBatch(
        source_system_id=source_id,
        hotel_id=hotel_ids.get(request.hotel_code or ""),
        channel=request.channel,
        format=request.format,
        profile=request.profile,
        filename=request.filename,
        file_sha256=request.file_sha256,
        file_size=request.file_size,
        created_by_id=request.created_by_id,
        rule_counts={},
    )
    session.add(batch)
    session.flush()
    return batch


def _store_chunk(
    session: Session,
    chunk: list[InboundRecord],
    settings: SourceSettings,
    source_id: int,
    batch_id: int,
    hotel_ids: dict[str, int],
    position: int,
) -> list[Prepared]:
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    prepared = [prepare(r, settings) for r in chunk]
    fresh = classify(conn, prepared, source_id)
    coupons = _coupons.judge(session, fresh, settings, hotel_ids)
    now = datetime.now(UTC)
    insert_records(conn, fresh, source_id=source_id, batch_id=batch_id, received_at=now, hotel_ids=hotel_ids)
    superseded = retire_replaced(conn, fresh)
    insert_findings(conn, fresh, source_id=source_id)
    project(
        conn,
        fresh,
        hotel_ids,
        source_id=source_id,
        trust_rank=settings.trust_rank,
        channel_source=settings.channel_source,
    )
    _coupons.redeem(session, fresh, coupons)
    batch = session.get(ImportBatch, batch_id, with_for_update=True)
    assert batch is not None
    record_quality(
        conn,
        prepared,
        day=batch.started_at.date(),
        source_id=source_id,
        batch_id=batch_id,
        hotel_ids=hotel_ids,
    )
    _count(batch, prepared, superseded, position)
    return prepared


def _result(p: Prepared) -> RecordResult:
    # A refused version stored beside the one in force is not current, but it is in the quarantine: the
    # sender is told so (not "superseded"), and an OpenTravel answer lists it as an error.
    if p.duplicate:
        outcome = "duplicate"
    elif p.status is RecordStatus.QUARANTINED:
        outcome = "quarantined"
    elif not p.is_current:
        outcome = "superseded"
    else:
        outcome = p.outcome.status.value
    findings = [
        {"rule": f.rule, "severity": f.severity.value, "field": f.field, "detail": f.detail}
        for f in p.outcome.findings
    ]
    return RecordResult(p.record.location, p.external_id, outcome, findings, p.outcome.status.value)


def _count(batch: ImportBatch, prepared: list[Prepared], superseded: int, position: int) -> None:
    rule_counts = dict(batch.rule_counts or {})
    for p in prepared:
        batch.rows_read += 1
        if p.duplicate:
            batch.duplicates += 1
            continue
        match p.outcome.status:
            case RecordStatus.QUARANTINED:
                batch.quarantined += 1
            case RecordStatus.ACCEPTED_WITH_WARNINGS:
                batch.accepted_with_warnings += 1
            case _:
                batch.accepted += 1
        for f in p.outcome.findings:
            rule_counts[f.rule] = rule_counts.get(f.rule, 0) + 1
    batch.rule_counts = rule_counts
    batch.superseded += superseded
    batch.checkpoint = position


def _finish(
    factory: sessionmaker[Session],
    batch_id: int,
    status: BatchStatus,
    error: str | None,
    summary: BatchSummary,
) -> None:
    with factory.begin() as session:
        batch = session.get(ImportBatch, batch_id)
        assert batch is not None
        batch.status, batch.error, batch.finished_at = status, error, datetime.now(UTC)
        touched = session.scalars(
            select(QualityStat.hotel_id).where(
                QualityStat.batch_id == batch_id, QualityStat.hotel_id.is_not(None)
            )
        )
        evaluate_alerts(
            session,
            hotel_ids=[h for h in touched if h is not None],
            today=batch.started_at.date(),
            batch_id=batch_id,
        )
        for name in (
            "rows_read",
            "accepted",
            "accepted_with_warnings",
            "quarantined",
            "duplicates",
            "superseded",
        ):
            setattr(summary, name, getattr(batch, name))
        summary.status, summary.error = status.value, error
