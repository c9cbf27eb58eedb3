"""A folio line imported after its stay's guest was resolved counts for that guest at once (issue 8):
the import gives it the stay's primary guest, so the incremental refresh run before the next resolve
pass recomputes the guest (RFM monetary, outlet spend, dashboard distribution) as a full refresh does,
and the guest page (stay spend, RFM) shows it. Resolution later agrees: after a merge and its undoing
the line follows its stay's guest; a line for an erased guest's stay carries no guest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import analytics, identity, ingest, privacy, profiles
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Charge,
    DashboardDay,
    DashboardDistribution,
    DashboardOutletDay,
    Guest,
    GuestMetrics,
    RecordType,
    SourceRecord,
    Stay,
    StayGuest,
)
from tests.ingest_helpers import factory, good_row, write_pms_cn

AS_OF = date(2026, 11, 1)
SETTINGS = analytics.AnalyticsSettings()
EXACT = analytics.Margins(ids=0, time=timedelta(0))  # no margin: only what the marks find is recomputed
GROUP = DataScope.group()


def _row(conf: str, n: int, arrival: str, departure: str) -> dict[str, str]:
    """A checked-out booking of guest `n` (a person of their own: name, phone and e-mail)."""
    person = {"姓名": f"客人{n}", "证件号码": "", "手机": f"139{n:08d}", "邮箱": f"guest{n}@example.cn"}
    return good_row(conf, **person, 到店日期=arrival, 离店日期=departure)


STAYS = [
    _row("8101", 1, "2026/10/01", "2026/10/03"),
    _row("8102", 2, "2026/10/02", "2026/10/04"),
    _row("8103", 3, "2026/10/05", "2026/10/06"),
]


def _stays(engine: Engine, tmp_path: Path) -> None:
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_stays.csv", STAYS), source="pms")
    identity.resolve_all(factory(engine))


def _folio(engine: Engine, conf: str, line: str, outlet: str, amount: str) -> None:
    """A folio line posted to the stay `conf`, imported without a resolve pass after it."""
    record = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=f"SHA01:folio:{line}",
        location="item 1",
        raw="",
        raw_format="api",
        fields={
            "confirmation_number": conf,
            "outlet": outlet,
            "amount": amount,
            "currency": "CNY",
            "posted_at": "2026-10-02T20:15:00+08:00",
        },
        persons=[{"role": "primary", "full_name": "客人"}],
        source_version=1,
        hotel_code="SHA01",
    )
    request = ingest.ImportRequest(source="pms", channel="api", format="api", hotel_code="SHA01")
    ingest.run_import(factory(engine), [record], request)


def _primary(s: Session, conf: str) -> int | None:
    s.expire_all()
    query = (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.confirmation_number == conf, StayGuest.role == "primary")
    )
    return s.scalars(query).one_or_none()


def _line_guest(s: Session, line: str) -> int | None:
    s.expire_all()
    records = select(SourceRecord.id).where(SourceRecord.external_id == f"SHA01:folio:{line}")
    return s.scalars(select(Charge.guest_id).where(Charge.source_record_id.in_(records))).one()


def _figures(s: Session) -> dict[str, Any]:
    s.expire_all()
    columns = [c for c in GuestMetrics.__table__.c if c.name != "computed_on"]
    rollups: list[tuple[Any, ...]] = []
    for table in (DashboardDay, DashboardOutletDay, DashboardDistribution):
        kept = [c for c in table.__table__.c if c.name != "id"]
        rollups += [(table.__tablename__, *r) for r in s.execute(select(*kept)).all()]
    return {
        "metrics": sorted(tuple(r) for r in s.execute(select(*columns)).all()),
        "rollups": sorted(rollups, key=repr),
    }


def _public_id(s: Session, guest_id: int | None) -> str:
    assert guest_id is not None
    public_id = s.scalar(select(Guest.public_id).where(Guest.id == guest_id))
    assert public_id is not None
    return public_id


def test_a_late_folio_line_counts_in_the_incremental_refresh_before_the_next_resolve(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    _stays(engine, tmp_path)
    _folio(engine, "8101", "L-1", "fnb", "180.50")
    identity.resolve_all(factory(engine))
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    guest_id = _primary(s, "8101")
    assert guest_id is not None and _line_guest(s, "L-1") == guest_id
    before = s.get(GuestMetrics, guest_id)
    assert before is not None
    spent = before.monetary  # the room and the 180.50 F&B line

    _folio(engine, "8101", "L-2", "spa", "2400.00")  # after the stay's guest was linked; no resolve pass
    assert _line_guest(s, "L-2") == guest_id  # the import gave it the stay's guest
    quick = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    incremental = _figures(s)
    metrics = s.get(GuestMetrics, guest_id)
    assert metrics is not None and (metrics.monetary, metrics.spa_spend) == (spent + 2400, Decimal(2400))

    public_id = _public_id(s, guest_id)
    profile = profiles.get_profile(s, scope=GROUP, public_id=public_id)
    (stay,) = profile.stays
    assert stay.spend == {"fnb": Decimal("180.50"), "spa": Decimal("2400.00")}
    rules = analytics.load_rules()
    insight = analytics.guest_insight(s, scope=GROUP, public_id=public_id, rules=rules, locale="en")
    assert insight.monetary == spent + 2400

    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    assert _figures(s) == incremental
    identity.resolve_all(factory(engine))  # the next pass agrees with the import
    assert _line_guest(s, "L-2") == guest_id


def test_a_late_folio_line_follows_its_stays_guest_through_a_merge_and_its_undoing(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    _stays(engine, tmp_path)
    one, two = _primary(s, "8101"), _primary(s, "8102")
    assert one is not None and two is not None and one != two
    outcome = identity.merge_guests(
        factory(engine),
        scope=GROUP,
        guest_public_id=_public_id(s, one),
        other_public_id=_public_id(s, two),
        decided_by="steward",
        reason="same passport on both cards",
    )
    survivor = _primary(s, "8102")
    assert survivor == _primary(s, "8101")
    _folio(engine, "8102", "L-3", "minibar", "88.00")
    assert _line_guest(s, "L-3") == survivor  # the merged stay's guest: the survivor

    merged = outcome.merge.merged_public_id
    identity.unmerge_guest(
        factory(engine), scope=GROUP, merged_public_id=merged, decided_by="steward", reason="two people"
    )
    assert _primary(s, "8102") != survivor
    assert _line_guest(s, "L-3") == _primary(s, "8102")  # back with the stay's own guest
    _folio(engine, "8102", "L-4", "fnb", "66.00")
    assert _line_guest(s, "L-4") == _primary(s, "8102")


def test_a_folio_line_for_an_erased_guests_stay_carries_no_guest(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    _stays(engine, tmp_path)
    guest_id = _primary(s, "8103")
    assert guest_id is not None
    privacy.erase_guest(s, guest_id=guest_id, now=datetime(2026, 11, 1, 9, tzinfo=UTC))
    s.commit()
    _folio(engine, "8103", "L-5", "fnb", "120.00")  # the PMS still sends a line under the old number
    assert _line_guest(s, "L-5") is None
    assert s.scalar(select(Charge.guest_id).where(Charge.guest_id == guest_id)) is None
