"""What every import of generated broken input must satisfy (IN-04), shared by the reconcile fuzz tests.

`check_batch` holds a batch's counters against its rows in the database, its record issues and the
quarantine list; `import_and_reconcile` imports a file through `ingest.import_file` (what `guestgraph
import` and the upload page call), checks the batch, imports the same file again and checks that
nothing but a batch of duplicates was added. A reader's refusal of the whole input (`ReaderError`) is
the one failure allowed: it must say where, and the failed batch (if one was opened) still reconciles.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Guest,
    ImportBatch,
    RecordIssue,
    RecordStatus,
    Severity,
    SourceRecord,
    SourceSystem,
    Stay,
)
from guestgraph.errors import GuestgraphError
from guestgraph.ingest._reports import problem_rows
from guestgraph.paging import PageRequest
from tests.ingest_helpers import factory

FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
RUN = itertools.count(1)  # a fresh confirmation-number prefix per example: examples do not collide
# Where a record was: a row, item, line or message number, or the JSON path of a vendor payload
# ("profiles.profileInfo[0]", "[1].reservations.reservation[0]", "profileDetails").
LOCATION = re.compile(r"^(row|item|line|HotelReservation|reservation|message)\b.*\d", re.I)
# Where a record of a vendor JSON payload was: its JSON path ("profiles.profileInfo[0]",
# "[1].reservations.reservation[0]", "profileDetails", "$" for the payload itself).
JSON_PATH = re.compile(r"^\$$|^(\[\d+\]\.?)?[A-Za-z_]\w*(\.[A-Za-z_]\w*|\[\d+\])*$")
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


# --- what every import must satisfy ----------------------------------------------------------------


@dataclass
class Totals:
    records: int
    issues: int
    stays: int
    guests: int
    batches: int


def totals(engine: Engine) -> Totals:
    with Session(engine) as s:
        n = lambda model: s.scalar(select(func.count()).select_from(model)) or 0  # noqa: E731
        return Totals(n(SourceRecord), n(RecordIssue), n(Stay), n(Guest), n(ImportBatch))


def check_batch(engine: Engine, batch_id: int, where: re.Pattern[str] = LOCATION) -> ImportBatch:
    """The batch's counters against its rows in the database and the quarantine; `where` is the form
    every record's location must have."""
    with Session(engine) as s:
        batch = s.get(ImportBatch, batch_id)
        assert batch is not None
        s.expunge(batch)
        assert batch.rows_read == (
            batch.accepted + batch.accepted_with_warnings + batch.quarantined + batch.duplicates
        ), vars(batch)
        records = s.execute(
            select(
                SourceRecord.id, SourceRecord.status, SourceRecord.location, SourceRecord.is_current
            ).where(SourceRecord.batch_id == batch_id)
        ).all()
        assert len(records) == batch.rows_read - batch.duplicates, "every row not a duplicate is stored once"
        issues: dict[int, list[tuple[str, Severity, str | None]]] = {}
        for rid, rule, severity, field in s.execute(
            select(RecordIssue.source_record_id, RecordIssue.rule, RecordIssue.severity, RecordIssue.field)
            .join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
            .where(SourceRecord.batch_id == batch_id)
        ):
            issues.setdefault(rid, []).append((rule, severity, field))
        refused = {rid for rid, found in issues.items() if any(f[1] is Severity.REJECT for f in found)}
        warned = {
            rid
            for rid, found in issues.items()
            if rid not in refused and any(f[1] is Severity.WARN for f in found)
        }
        assert len(refused) == batch.quarantined, "quarantined = rows with a rejecting finding"
        assert len(warned) == batch.accepted_with_warnings, "accepted with warnings = rows with a warning"
        by_status: dict[RecordStatus, int] = {}
        for rid, status, location, current in records:
            by_status[status] = by_status.get(status, 0) + 1
            assert location and where.match(location), f"record {rid} does not say where it was: {location!r}"
            if rid in refused:
                assert status in (RecordStatus.QUARANTINED, RecordStatus.SUPERSEDED), (rid, status)
            elif status is RecordStatus.QUARANTINED:
                pytest.fail(f"record {rid} is in the quarantine without a rejecting finding")
            if status is RecordStatus.SUPERSEDED:
                assert not current
        # What the report and the quarantine show: rows still quarantined, each with its reasons.
        in_quarantine = {rid for rid, status, _l, _c in records if status is RecordStatus.QUARANTINED}
        shown = {r.record_id: r for r in problem_rows(s, batch_id, "en") if r.status == "quarantined"}
        assert set(shown) == in_quarantine
        for rid, row in shown.items():
            rejecting = [f for f in issues[rid] if f[1] is Severity.REJECT]
            assert row.reasons and row.location, row
            for rule, _sev, field in rejecting:
                assert rule
                if field:
                    assert any(f"[{field}]" in reason for reason in row.reasons), (field, row.reasons)
        assert quarantine_of(s, batch_id, min((r[0] for r in records), default=0)) == in_quarantine
        # What the report says became of the rows is what the rows say (supersession included).
        superseded_here = by_status.get(RecordStatus.SUPERSEDED, 0)
        assert superseded_here <= batch.superseded + batch.rows_read, (superseded_here, vars(batch))
        return batch


def quarantine_of(s: Session, batch_id: int, first_id: int) -> set[int]:
    """The batch's records the quarantine page lists (read from the last page back to the batch's)."""
    total = ingest.list_quarantine(s, scope=DataScope.group(), paging=PageRequest(1, 1), locale="en").total
    found: set[int] = set()
    for page in range((total + 24) // 25, 0, -1):
        items = ingest.list_quarantine(
            s, scope=DataScope.group(), paging=PageRequest(page, 25), locale="en"
        ).items
        found |= {q.id for q in items if q.batch_id == batch_id}
        if not items or items[0].id < first_id:
            break
    return found


def last_batch(engine: Engine, source: str) -> int | None:
    with Session(engine) as s:
        return s.scalar(
            select(func.max(ImportBatch.id))
            .join(SourceSystem, SourceSystem.id == ImportBatch.source_system_id)
            .where(SourceSystem.code == source)
        )


def assert_names_where(e: GuestgraphError) -> None:
    assert isinstance(e, ingest.ReaderError), f"{type(e).__name__}: {e}"
    assert e.source and e.message and e.hint


def import_and_reconcile(
    engine: Engine, path: Path, *, source: str, where: re.Pattern[str] = LOCATION
) -> tuple[ingest.FileImport, ImportBatch] | None:
    """Import `path` as `guestgraph import` does and check the batch; import it again and check that
    only a batch of duplicates was added. None when a reader refused the input (a ReaderError naming
    where): then the failed batch, if one was opened, reconciles, and a second try changes nothing."""
    before = totals(engine)
    try:
        result = ingest.import_file(factory(engine), path, source=source)
    except GuestgraphError as e:
        assert_names_where(e)
        refused = totals(engine)
        batch_id = last_batch(engine, source)
        if batch_id is not None and refused.batches > before.batches:
            failed = check_batch(engine, batch_id, where)
            assert failed.status.value == "failed" and failed.error
        with pytest.raises(ingest.ReaderError):  # resumes the failed batch, and stops at the same place
            ingest.import_file(factory(engine), path, source=source)
        assert totals(engine) == refused
        return None
    batch = check_batch(engine, result.summary.batch_id, where)
    assert batch.status.value == "completed"
    after = totals(engine)
    assert after.records - before.records == batch.rows_read - batch.duplicates
    again = ingest.import_file(factory(engine), path, source=source).summary
    check_batch(engine, again.batch_id, where)
    assert (again.rows_read, again.duplicates) == (batch.rows_read, batch.rows_read)
    assert totals(engine) == Totals(after.records, after.issues, after.stays, after.guests, after.batches + 1)
    return result, batch
