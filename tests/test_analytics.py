"""RFM, lifecycle, churn warning, stage history and tags against a hand-computed fixture (both DBs)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMetrics,
    GuestStageHistory,
    GuestTag,
    Interaction,
    StayStatus,
)
from guestgraph.errors import Conflict, InvalidInput
from guestgraph.org import GroupSpec
from tests.factories import hotel, make_guest, make_stay

AS_OF = date(2026, 11, 1)
SETTINGS = analytics.AnalyticsSettings()


def _stay(session: Session, g: Guest, arrival: date, departure: date, amount: str, **kw: object) -> int:
    code = str(kw.pop("hotel", "SHA01"))
    stay = make_stay(session, code, g, arrival=arrival, departure=departure, amount=Decimal(amount), **kw)
    return stay.id


def _charge(session: Session, g: Guest, stay_id: int | None, outlet: str, amount: str) -> None:
    session.add(
        Charge(
            hotel_id=hotel(session, "SHA01").id,
            stay_id=stay_id,
            guest_id=g.id,
            outlet=outlet,
            amount=Decimal(amount),
            currency="CNY",
        )
    )


@pytest.fixture
def fixture_guests(demo_group: Session, group_spec: GroupSpec) -> dict[str, int]:
    """Six guests whose RFM scores and stages are worked out by hand in the test below."""
    s = demo_group
    g = {k: make_guest(s, full_name=f"客人{k}") for k in "ABCDEF"}
    a1 = _stay(
        s, g["A"], date(2026, 10, 1), date(2026, 10, 3), "1000", channel="CORPORATE"
    )  # Thu, Fri nights
    _stay(s, g["A"], date(2026, 6, 1), date(2026, 6, 4), "1500", channel="携程")  # Mon-Wed nights
    _charge(s, g["A"], a1, "fnb", "200")
    _stay(s, g["B"], date(2026, 9, 10), date(2026, 9, 11), "500", channel="ctrip")
    lost = _stay(s, g["B"], date(2026, 10, 20), date(2026, 10, 22), "9999", status=StayStatus.CANCELLED)
    _charge(s, g["B"], lost, "fnb", "300")  # on a cancelled stay: not revenue
    for arrival, departure, amount in (
        (date(2025, 1, 5), date(2025, 1, 7), "600"),
        (date(2025, 3, 5), date(2025, 3, 6), "400"),
        (date(2025, 5, 5), date(2025, 5, 6), "400"),
    ):
        _stay(s, g["C"], arrival, departure, amount)
    d1 = _stay(s, g["D"], date(2026, 5, 1), date(2026, 5, 8), "3500", children=1)
    _charge(s, g["D"], d1, "spa", "800")
    _stay(s, g["E"], date(2026, 12, 1), date(2026, 12, 3), "900", status=StayStatus.BOOKED)
    _stay(s, g["F"], date(2025, 6, 1), date(2025, 6, 2), "300")
    _stay(s, g["F"], date(2026, 10, 20), date(2026, 10, 22), "700")
    s.add(Interaction(guest_id=g["C"].id, channel="phone", direction="in", kind="complaint"))
    s.commit()
    return {k: v.id for k, v in g.items()}


def _metrics(session: Session, ids: dict[str, int]) -> dict[str, GuestMetrics]:
    session.expire_all()
    rows = {m.guest_id: m for m in session.scalars(select(GuestMetrics))}
    return {k: rows[v] for k, v in ids.items()}


def test_rfm_and_lifecycle_match_the_hand_computed_fixture(
    engine: Engine, demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    summary = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    m = _metrics(demo_group, fixture_guests)
    # Monetary: room revenue of primary stays + folio lines, without the cancelled stay and its line.
    assert {k: m[k].monetary for k in "ABCDEF"} == {
        "A": Decimal("2700.00"),  # 1000 + 1500 + 200
        "B": Decimal("500.00"),
        "C": Decimal("1400.00"),
        "D": Decimal("4300.00"),  # 3500 + spa 800
        "E": Decimal("0.00"),
        "F": Decimal("1000.00"),
    }
    # Five guests scored; score = 1 + floor(5 * (guests strictly below) / 5).
    # R by last check-out: C 2025-05-06 < D 05-08 < B 09-11 < A 10-03 < F 10-22 -> 1..5.
    # F by stays: B, D = 1 stay (0 below) -> 1; A, F = 2 (2 below) -> 3; C = 3 (4 below) -> 5.
    # M: B 500 < F 1000 < C 1400 < A 2700 < D 4300 -> 1..5.
    scores = {k: (m[k].r_score, m[k].f_score, m[k].m_score) for k in "ABCDF"}
    assert scores == {"A": (4, 3, 4), "B": (3, 1, 1), "C": (1, 5, 3), "D": (2, 1, 5), "F": (5, 3, 2)}
    assert m["E"].r_score is None and m["E"].rfm_group is None
    groups = {k: m[k].rfm_group for k in "ABCDF"}
    assert groups == {"A": "champions", "B": "promising", "C": "cant_lose", "D": "win_back", "F": "loyal"}
    # Stages on 2026-11-01: A active (29 days, usual interval 122); B new (51 days, one stay);
    # C churned (544 > 540 days); D at risk (177 > 120 days, one stay, not yet dormant at 180);
    # E prospect (only a booking); F won back (506-day gap before its stay of 2026-10-20).
    stages = {k: m[k].stage for k in "ABCDEF"}
    assert stages == {
        "A": "active",
        "B": "new",
        "C": "churned",
        "D": "at_risk",
        "E": "prospect",
        "F": "won_back",
    }
    assert (m["A"].usual_interval_days, m["C"].days_since, m["D"].days_since) == (122, 544, 177)
    assert [k for k in "ABCDEF" if m[k].churn_warning] == ["D"]  # at risk with M = 5
    assert m["A"].weekday_share == pytest.approx(0.8)  # 5 nights, one of them a Friday
    assert (m["A"].corporate_stays, m["A"].ota_stays, m["B"].ota_stays) == (1, 1, 1)
    assert (m["D"].longest_stay, m["D"].child_stays, m["C"].complaints) == (7, 1, 1)
    assert m["B"].bookings == 2 and m["B"].stays == 1
    assert summary.stages["at_risk"] == 1 and summary.guests == 6


def test_scores_within_each_home_hotel(
    engine: Engine, demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    s = demo_group
    b = s.get(Guest, fixture_guests["B"])
    assert b is not None
    _stay(s, b, date(2026, 9, 20), date(2026, 9, 22), "100", hotel="HGH01")
    _stay(s, b, date(2026, 9, 25), date(2026, 9, 26), "100", hotel="HGH01")
    s.commit()
    analytics.refresh(engine, settings=replace(SETTINGS, score_within="hotel"), as_of=AS_OF)
    m = _metrics(s, fixture_guests)
    assert m["B"].home_hotel_id == hotel(s, "HGH01").id
    assert (m["B"].r_score, m["B"].f_score, m["B"].m_score) == (1, 1, 1)  # alone at its hotel
    # The other four at SHA01: R C<D<A<F, F stays D1 A2 F2 C3, M F<C<A<D (n = 4).
    assert (m["A"].r_score, m["A"].f_score, m["A"].m_score) == (3, 2, 3)
    assert (m["D"].r_score, m["D"].f_score, m["D"].m_score) == (2, 1, 4)


def test_frequency_by_nights(engine: Engine, demo_group: Session, fixture_guests: dict[str, int]) -> None:
    analytics.refresh(engine, settings=replace(SETTINGS, frequency="nights"), as_of=AS_OF)
    m = _metrics(demo_group, fixture_guests)
    # Nights: B 1, F 3, C 4, A 5, D 7 -> 1..5
    assert [m[k].f_score for k in "BFCAD"] == [1, 2, 3, 4, 5]


def test_stage_changes_are_kept_as_history(
    engine: Engine, demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)  # no change: no new rows
    later = date(2027, 1, 15)  # B: 126 days since check-out -> at risk; D: 252 -> dormant
    summary = analytics.refresh(engine, settings=SETTINGS, as_of=later)
    demo_group.expire_all()
    rows = demo_group.scalars(
        select(GuestStageHistory)
        .where(GuestStageHistory.guest_id == fixture_guests["B"])
        .order_by(GuestStageHistory.id)
    ).all()
    assert [(r.stage, r.previous_stage, r.entered_on, r.left_on) for r in rows] == [
        ("new", None, AS_OF, later),
        ("at_risk", "new", later, None),
    ]
    d_stage = demo_group.scalars(
        select(GuestStageHistory.stage).where(
            GuestStageHistory.guest_id == fixture_guests["D"], GuestStageHistory.left_on.is_(None)
        )
    ).all()
    assert d_stage == ["dormant"]
    assert summary.stage_changes >= 2


def test_rule_tags_say_why_and_follow_the_data(
    engine: Engine, demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    s = demo_group
    tagged = {
        (gid, tag)
        for gid, tag in s.execute(
            select(GuestTag.guest_id, GuestTag.tag).where(GuestTag.retired_at.is_(None))
        )
    }
    ids = fixture_guests
    assert (
        (ids["D"], "long_stay") in tagged
        and (ids["D"], "spa_user") in tagged
        and (ids["D"], "family") in tagged
    )
    assert (ids["A"], "business") in tagged and (ids["B"], "ota_only") in tagged
    assert (ids["C"], "complained") in tagged and (ids["C"], "lapsed") in tagged
    assert (ids["D"], "high_value") in tagged and (ids["A"], "high_value") not in tagged
    public_d = s.get(Guest, ids["D"]).public_id  # type: ignore[union-attr]
    views = analytics.guest_tags(
        s, scope=DataScope.group(), public_id=public_d, rules=analytics.load_rules(), locale="zh_CN"
    )
    long_stay = next(v for v in views if v.code == "long_stay")
    assert long_stay.name == "长住客" and long_stay.facts == {"longest_stay": 7} and long_stay.kind == "rule"
    # D's spa line is corrected to 0: at the next refresh the tag is retired, not deleted.
    s.execute(Charge.__table__.update().where(Charge.guest_id == ids["D"]).values(amount=0))
    s.commit()
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    s.expire_all()
    spa = s.scalars(select(GuestTag).where(GuestTag.guest_id == ids["D"], GuestTag.tag == "spa_user")).one()
    assert spa.retired_at is not None and spa.retired_by == "rule"


def test_a_rule_that_reads_tags_sees_the_tags_of_the_rules_before_it(
    engine: Engine, demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    """Rules run in file order: a rule on another rule's tag sees it in the same refresh (PostgreSQL
    evaluates a rule set without tag conditions in one pass; with one it goes rule by rule)."""
    rules = analytics.load_rules()
    follower = analytics.TagRule(
        "long_stay_too", "长住客二", "Long stay too", analytics.TagCondition(tag="long_stay"), ()
    )
    summary = analytics.refresh(
        engine, settings=SETTINGS, as_of=AS_OF, rules=replace(rules, tags=(*rules.tags, follower))
    )
    assert summary.tags["long_stay_too"] == summary.tags["long_stay"] >= 1
    followers = demo_group.scalars(
        select(GuestTag.guest_id).where(GuestTag.tag == "long_stay_too", GuestTag.retired_at.is_(None))
    ).all()
    assert fixture_guests["D"] in followers


def test_manual_tags_have_author_and_time(demo_group: Session, fixture_guests: dict[str, int]) -> None:
    s = demo_group
    public_a = s.get(Guest, fixture_guests["A"]).public_id  # type: ignore[union-attr]
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    scope = DataScope.group()
    tag_id = analytics.add_manual_tag(
        s, scope=scope, public_id=public_a, tag="喜欢高楼层", by="lily", now=now
    )
    with pytest.raises(Conflict):
        analytics.add_manual_tag(s, scope=scope, public_id=public_a, tag="喜欢高楼层", by="lily", now=now)
    view = analytics.guest_tags(s, scope=scope, public_id=public_a, rules=analytics.load_rules(), locale="en")
    assert [(v.name, v.kind, v.added_by) for v in view] == [("喜欢高楼层", "manual", "lily")]
    analytics.retire_manual_tag(s, scope=scope, public_id=public_a, tag_id=tag_id, by="mike", now=now)
    row = s.get(GuestTag, tag_id)
    assert row is not None and (row.retired_by, row.retired_at is not None) == ("mike", True)
    with pytest.raises(InvalidInput):
        analytics.add_manual_tag(s, scope=scope, public_id=public_a, tag=" ", by="lily", now=now)


def test_a_refresh_on_a_connection_whose_temp_storage_is_in_use(scratch_db, group_spec, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite refuses `PRAGMA temp_store` inside a transaction once the connection's temporary storage
    is in use (found in CI: a pooled connection an earlier refresh had made temporary tables on). One
    pooled connection, a temporary table on it, then a refresh: it runs."""
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from guestgraph.config import Settings
    from guestgraph.db._migrate import upgrade
    from guestgraph.org import load_group
    from guestgraph.pii import open_engine

    url = scratch_db("sqlite")
    upgrade(url)
    settings = Settings(_env_file=None, env="test", database_url=url, data_dir=tmp_path)  # type: ignore[call-arg]
    engine = open_engine(settings, poolclass=StaticPool)
    try:
        with Session(engine) as s:
            load_group(s, group_spec)
            s.commit()
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TEMP TABLE held (x)")
            conn.exec_driver_sql("INSERT INTO held VALUES (1)")
            conn.commit()
        summary = analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=date(2026, 11, 1))
        assert summary.kind == "full"
    finally:
        engine.dispose()


def test_a_manual_tags_note_is_sealed_under_the_guests_key_and_shredded_on_erasure(
    demo_group: Session, fixture_guests: dict[str, int]
) -> None:
    """The note staff write with a tag may give a phone number or a health remark: the table holds it
    sealed under the guest's key; the guest's tags and export open it; after erasure a backup's copy of
    the row opens to nothing."""
    from types import SimpleNamespace

    from sqlalchemy import text

    from guestgraph import privacy

    s = demo_group
    guest = s.get_one(Guest, fixture_guests["A"])
    scope = DataScope.group()
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    note = "花生过敏; her daughter's phone 13812345678"
    tag_id = analytics.add_manual_tag(
        s, scope=scope, public_id=guest.public_id, tag="allergy_check", by="lily", now=now, note=note
    )
    dumped = repr(s.execute(text("SELECT * FROM guest_tag")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    row = s.get_one(GuestTag, tag_id)
    assert row.key_ref == guest.key_ref
    views = analytics.guest_tags(
        s, scope=scope, public_id=guest.public_id, rules=analytics.load_rules(), locale="en"
    )
    assert [v.note for v in views if v.id == tag_id] == [note]
    exported = privacy.export_guest(s, scope=scope, public_id=guest.public_id, actor_id=None, now=now)
    assert [t["note"] for t in exported["tables"]["guest_tag"] if t["id"] == tag_id] == [note]
    assert all("note_enc" not in t for t in exported["tables"]["guest_tag"])
    backup = SimpleNamespace(id=row.id, key_ref=row.key_ref, note_enc=row.note_enc)

    privacy.erase_guest(s, guest_id=guest.id, now=now)
    assert analytics.tag_notes(s, [backup]) == [None]
