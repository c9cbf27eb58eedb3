"""`guestgraph repost-folio-lines`: a folio line stored before 0054 (no awaited confirmation number)
whose stay was imported after it is posted to that stay and the stay's primary guest, its spend counts
in the next incremental analytics refresh as in a full one; lines whose stay has not come wait for it,
lines of erased records are skipped, lines without a number are counted with the reason; a second run
changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from guestgraph import analytics, identity, ingest, privacy, profiles
from guestgraph.db.models import (
    AuditEventRow,
    Charge,
    GuestMetrics,
    RecordStatus,
    RecordType,
    SourceRecord,
    Stay,
)
from tests.ingest_helpers import factory, write_pms_cn
from tests.test_analytics_late_folio_line import (
    AS_OF,
    EXACT,
    GROUP,
    SETTINGS,
    STAYS,
    _figures,
    _primary,
    _public_id,
    _row,
)

ERASED_AT = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _folio(engine: Engine, conf: str, line: str, amount: str) -> None:
    """An F&B line naming the stay `conf` (empty: none), from the POS."""
    record = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=f"SHA01:folio:{line}",
        location="item 1",
        raw="",
        raw_format="api",
        fields={"confirmation_number": conf, "outlet": "fnb", "amount": amount, "currency": "CNY"},
        persons=[{"role": "primary", "full_name": "客人"}],
        source_version=1,
        hotel_code="SHA01",
    )
    request = ingest.ImportRequest(source="pos", channel="api", format="api", hotel_code="SHA01")
    ingest.run_import(factory(engine), [record], request)


def _record(line: str) -> Any:
    return select(SourceRecord.id).where(SourceRecord.external_id == f"SHA01:folio:{line}")


def _line(s: Session, line: str) -> tuple[int | None, int | None, str | None]:
    s.expire_all()
    found = select(Charge.stay_id, Charge.guest_id, Charge.awaited_confirmation_number)
    stay_id, guest_id, awaited = s.execute(found.where(Charge.source_record_id.in_(_record(line)))).one()
    return stay_id, guest_id, awaited


def _stored_before_0054(s: Session) -> None:
    """What 0054 found: lines without a stay kept no number (its migration leaves the column empty)."""
    s.execute(update(Charge).values(awaited_confirmation_number=None))
    s.commit()


def _repost(db_url: str, tmp_path: Path) -> dict[str, str]:
    from guestgraph.cli import app

    env = {
        "GUESTGRAPH_DATABASE_URL": db_url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_ENV": "test",
        "COLUMNS": "200",
    }
    done = CliRunner().invoke(app, ["repost-folio-lines", "--chunk", "2"], env=env)
    assert done.exit_code == 0, done.output
    return dict(re.findall(r"│ ([a-z][^│]*?)\s+│\s+(\S+) │", done.output))  # the table's rows


def _state(s: Session) -> list[tuple[Any, ...]]:
    s.expire_all()
    lines = s.execute(select(Charge.id, Charge.stay_id, Charge.guest_id, Charge.awaited_confirmation_number))
    stays = s.execute(select(Stay.id, Stay.updated_at))
    return sorted(tuple(r) for r in lines) + sorted(tuple(r) for r in stays)


def test_repost_posts_a_line_stored_before_0054_to_the_stay_imported_after_it(
    engine: Engine, demo_group: Session, db_url: str, tmp_path: Path
) -> None:
    s = demo_group
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_stays.csv", STAYS), source="pms")
    _folio(engine, "8104", "L-1", "321.00")  # the POS file first: no stay 8104 yet
    _folio(engine, "8199", "L-2", "45.00")  # a stay that never came
    _folio(engine, "", "L-3", "12.00")  # a bar bill naming no stay
    _folio(engine, "8106", "L-4", "80.00")  # its record erased below
    _folio(engine, "8101", "L-5", "66.00")  # its stay was there: posted at import
    _stored_before_0054(s)
    s.execute(update(Charge).where(Charge.source_record_id.in_(_record("L-4"))).values(source_record_id=None))
    s.commit()
    _folio(engine, "8106", "L-6", "70.00")  # and another line of a record erased below
    s.execute(
        update(Charge)
        .where(Charge.source_record_id.in_(_record("L-6")))
        .values(awaited_confirmation_number=None)
    )
    s.commit()
    late = [_row("8104", 4, "2026/10/02", "2026/10/03"), _row("8106", 6, "2026/10/07", "2026/10/08")]
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_late.csv", late), source="pms")
    identity.resolve_all(factory(engine))
    erased_record, erased = s.execute(
        select(SourceRecord.id, SourceRecord.guest_id).where(SourceRecord.id.in_(_record("L-6")))
    ).one()
    assert erased is not None  # the line's person resolved to a guest of its own, now erased
    privacy.erase_guest(s, guest_id=erased, now=ERASED_AT)
    s.commit()
    assert s.get(SourceRecord, erased_record).status == RecordStatus.ERASED  # type: ignore[union-attr]
    stay_id = s.scalar(select(Stay.id).where(Stay.confirmation_number == "8104"))
    guest_id = _primary(s, "8104")
    assert stay_id is not None and guest_id is not None
    assert _line(s, "L-1") == (None, None, None)  # the stay's import found nothing waiting for it
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    metrics = s.get(GuestMetrics, guest_id)
    assert metrics is not None and metrics.fnb_spend == 0

    counts = _repost(db_url, tmp_path)
    assert _line(s, "L-1") == (stay_id, guest_id, None)  # posted to the stay and its primary guest
    assert _line(s, "L-2") == (None, None, "8199")  # waits for its stay's import
    assert _line(s, "L-3") == (None, None, None)
    erased_line = select(Charge.stay_id, Charge.awaited_confirmation_number)
    assert s.execute(erased_line.where(Charge.source_record_id == erased_record)).one() == (None, None)
    assert counts == {
        "examined": "5",
        "posted to their stay now": "1",
        "still waiting for their stay": "1",
        "of erased records (skipped)": "1",
        "no number to wait for: named no confirmation number": "1",
        "no number to wait for: no source record": "1",
        "numbers recovered from their records": "2",
        "reconciles": "yes",
    }

    quick = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    incremental = _figures(s)
    metrics = s.get(GuestMetrics, guest_id)
    assert metrics is not None and metrics.fnb_spend == Decimal("321.00")
    profile = profiles.get_profile(s, scope=GROUP, public_id=_public_id(s, guest_id))
    (stay,) = profile.stays
    assert stay.spend == {"fnb": Decimal("321.00")}
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    assert _figures(s) == incremental

    before = _state(s)
    again = _repost(db_url, tmp_path)  # nothing more to post, nothing changed
    assert _state(s) == before
    assert again == {
        **counts,
        "examined": "4",
        "posted to their stay now": "0",
        "numbers recovered from their records": "0",
    }
    runs = select(AuditEventRow.actor_username).where(AuditEventRow.action == "ingest.folio_repost")
    assert [u.startswith("cli:") for u in s.scalars(runs)] == [True, True]  # each run, by its operator
