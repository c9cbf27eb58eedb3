"""An incremental refresh after an import gives the dashboard the same roll-ups as a full refresh, also
when a booking's newer version moves its arrival day or hotel, a stay is cancelled or no-show, or a guest
with stays is erased, or a folio line's newer version names another stay (issue 8): the day
a stay was last counted under is rebuilt with its new one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from guestgraph import analytics, identity, ingest, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import (
    AnalyticsRun,
    Charge,
    DashboardDay,
    DashboardDistribution,
    DashboardOutletDay,
    RecordType,
    Stay,
    StayGuest,
)
from tests.ingest_helpers import factory, good_row, write_pms_cn

AS_OF = date(2026, 11, 1)
SETTINGS = analytics.AnalyticsSettings()
EXACT = analytics.Margins(ids=0, time=timedelta(0))  # no margin: only what the marks find is rebuilt
ROLLUPS_MARK = "dashboard_rollups"  # in analytics_run.marks: the version of the roll-ups a run kept
PERIOD = {"since": date(2026, 9, 1), "until": AS_OF}  # covers the old and the new arrival days


def _row(conf: str, n: int, arrival: str, departure: str, **overrides: str) -> dict[str, str]:
    """A booking of guest `n` (a person of their own: name, phone and e-mail)."""
    person = {"姓名": f"客人{n}", "证件号码": "", "手机": f"139{n:08d}", "邮箱": f"guest{n}@example.cn"}
    dates = {"到店日期": arrival, "离店日期": departure}
    return good_row(conf, **person, **dates, **overrides)


FIRST = [
    _row("8001", 1, "2026/10/01", "2026/10/03"),
    _row("8002", 2, "2026/10/01", "2026/10/04", 渠道="ctrip"),
    _row("8003", 3, "2026/10/02", "2026/10/03"),
    _row("8004", 4, "2026/10/06", "2026/10/08", 房费="880.00"),
    _row("8005", 5, "2026/10/06", "2026/10/07"),
]


def _import(engine: Engine, tmp_path: Path, name: str, rows: list[dict[str, str]]) -> None:
    path = write_pms_cn(tmp_path / name, rows)
    ingest.import_file(factory(engine), path, source="pms")
    identity.resolve_all(factory(engine))


def _moved(engine: Engine, tmp_path: Path) -> None:
    """Newer versions of two bookings: one arrives four days later, one five days earlier and longer."""
    _import(
        engine,
        tmp_path,
        "SHA01_stays_v2.csv",
        [_row("8001", 1, "2026/10/05", "2026/10/07"), _row("8004", 4, "2026/10/01", "2026/10/04")],
    )


def _moved_hotel(engine: Engine, tmp_path: Path) -> None:
    """The booking sent again by another hotel's PMS, on another day."""
    _import(engine, tmp_path, "SHA02_stays.csv", [_row("8002", 2, "2026/10/09", "2026/10/10")])


def _cancelled(engine: Engine, tmp_path: Path) -> None:
    """One booking cancelled, one a no-show: both stop counting on their day."""
    _import(
        engine,
        tmp_path,
        "SHA01_stays_v2.csv",
        [
            _row("8003", 3, "2026/10/02", "2026/10/03", 状态="取消"),
            _row("8005", 5, "2026/10/06", "2026/10/07", 状态="未到"),
        ],
    )


def _cancelled_and_moved(engine: Engine, tmp_path: Path) -> None:
    """A booking moved to another day and cancelled in one newer version."""
    _import(
        engine, tmp_path, "SHA01_stays_v2.csv", [_row("8002", 2, "2026/10/20", "2026/10/21", 状态="取消")]
    )


def _folio(engine: Engine, conf: str, version: int, amount: str | None) -> None:
    """Version `version` of one folio line the PMS sends again when it changes (its own ID)."""
    fields = {"confirmation_number": conf, "outlet": "fnb", "amount": amount, "currency": "CNY"}
    line = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id="SHA01:folio:F-1",
        location="item 1",
        raw="",
        raw_format="api",
        fields={**fields, "posted_at": "2026-10-02T20:15:00+08:00"},
        persons=[{"role": "primary", "full_name": "客人1"}],
        source_version=version,
        hotel_code="SHA01",
    )
    request = ingest.ImportRequest(source="pms", channel="api", format="api", hotel_code="SHA01")
    ingest.run_import(factory(engine), [line], request)
    identity.resolve_all(factory(engine))  # links the line to the stay's guest, as after every import


def _folio_moved(engine: Engine, _tmp_path: Path) -> None:
    """A folio line's newer version names another stay (on another day)."""
    _folio(engine, "8004", 2, "300.00")


def _erased(engine: Engine, _tmp_path: Path) -> None:
    """A guest with stays erased: the stays stay (for accounting) without them or their booking number."""
    with Session(engine) as s:
        guest_id = s.scalars(
            select(StayGuest.guest_id)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .where(Stay.confirmation_number == "8004")
        ).one()
        privacy.erase_guest(s, guest_id=guest_id, now=datetime(2026, 11, 1, 9, tzinfo=UTC))
        s.commit()


def _rollups(s: Session) -> list[tuple[Any, ...]]:
    s.expire_all()
    rows: list[tuple[Any, ...]] = []
    for table in (DashboardDay, DashboardOutletDay, DashboardDistribution):
        columns = [c for c in table.__table__.c if c.name != "id"]
        rows += [(table.__tablename__, *r) for r in s.execute(select(*columns)).all()]
    return sorted(rows, key=repr)


def _board(s: Session) -> analytics.Dashboard:
    s.expire_all()
    board = analytics.dashboard(s, scope=DataScope.group(), **PERIOD)  # type: ignore[arg-type]
    return replace(board, refreshed_at=None)


@pytest.mark.parametrize(
    "change",
    [_moved, _moved_hotel, _cancelled, _cancelled_and_moved, _erased, _folio_moved],
    ids=[
        "arrival-moved",
        "hotel-moved",
        "cancelled-no-show",
        "cancelled-and-moved",
        "guest-erased",
        "folio-line-moved",
    ],
)
def test_an_incremental_refresh_after_a_change_equals_a_full_one(
    engine: Engine, demo_group: Session, tmp_path: Path, change: Any
) -> None:
    s = demo_group
    _import(engine, tmp_path, "SHA01_stays.csv", FIRST)
    _folio(engine, "8001", 1, "180.50")
    assert s.scalar(select(func.count()).select_from(Charge)) == 1
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    before = _board(s)
    assert (before.stays, before.revenue_by_outlet["fnb"]) == (len(FIRST), Decimal("180.50"))

    change(engine, tmp_path)
    quick = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    incremental, board = _rollups(s), _board(s)
    direct = analytics.dashboard(s, scope=DataScope.group(), **PERIOD, from_rollups=False)  # type: ignore[arg-type]
    assert board == replace(direct, refreshed_at=None, from_rollups=True)  # as the stays say

    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    assert _rollups(s) == incremental
    assert _board(s) == board


def _rollup_day(s: Session, conf: str) -> date | None:
    s.expire_all()
    return s.scalars(select(Stay.rollup_day).where(Stay.confirmation_number == conf)).one()


def test_a_stay_moved_twice_is_counted_under_its_day_each_time(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """The refresh brings the day a moved stay is counted under up to its arrival, so moving it back
    rebuilds the day it was counted under since, not the one of before."""
    s = demo_group
    _import(engine, tmp_path, "SHA01_stays.csv", FIRST)
    assert _rollup_day(s, "8001") == date(2026, 10, 1)  # the import's: the day it will be counted under
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    _moved(engine, tmp_path)
    assert _rollup_day(s, "8001") == date(2026, 10, 1)  # a newer version keeps it
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert _rollup_day(s, "8001") == date(2026, 10, 5)
    _import(engine, tmp_path, "SHA01_stays_v3.csv", [_row("8001", 1, "2026/10/01", "2026/10/02")])
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert _rollup_day(s, "8001") == date(2026, 10, 1)
    incremental = _rollups(s)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    assert _rollups(s) == incremental


def test_the_first_refresh_after_the_upgrade_rebuilds_every_day(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """Roll-ups kept by a refresh before 0053 knew no stay's day: the next incremental refresh rebuilds
    all days, then the refreshes after it only the changed ones."""
    s = demo_group
    _import(engine, tmp_path, "SHA01_stays.csv", FIRST)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    last = s.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc())).first()
    assert last is not None and last.marks[ROLLUPS_MARK] > 1
    s.execute(update(Stay).values(rollup_day=None, updated_at=Stay.updated_at))  # as after the migration
    s.execute(
        update(AnalyticsRun)
        .where(AnalyticsRun.id == last.id)
        .values(marks={**last.marks, ROLLUPS_MARK: 1})  # as written before it
    )
    s.commit()
    _moved(engine, tmp_path)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert s.scalar(select(func.count()).where(Stay.rollup_day.is_(None))) == 0
    incremental = _rollups(s)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    assert _rollups(s) == incremental
