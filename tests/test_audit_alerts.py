"""Anomaly alerts (LG-05): 60 full-value views in ten minutes raise exactly one alert for compliance;
an ordinary day raises none; a bulk export and off-hours access are flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.audit import AnomalyPolicy
from guestgraph.db.models import Hotel, SecurityAlert
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

ALL_DAY = AnomalyPolicy(working_hours=(0, 24))


def test_sixty_reveals_in_ten_minutes_raise_exactly_one_alert(live: LiveServer, demo_group: Session) -> None:
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.id)).first()
    guests = [make_guest(demo_group, full_name=f"客人{i}") for i in range(6)]
    for g in guests:
        make_stay(demo_group, code, g)
    demo_group.commit()
    with live.client(role="hotel_manager") as manager:
        for i in range(60):
            g = guests[i % len(guests)]
            answer = manager.post(
                f"/api/v1/guests/{g.public_id}/reveal", json={"field": "phone", "purpose": "guest_request"}
            )
            assert answer.status_code == 200
    with live.client(role="compliance_officer") as officer:
        alerts = [a for a in officer.get("/api/v1/audit/alerts").json() if a["rule"] == "many_reveals"]
        page = officer.get("/audit", params={"lang": "en"}).text
    assert len(alerts) == 1 and alerts[0]["facts"]["reveals_last_hour"] == 51
    assert 'data-rule="many_reveals"' in page


def test_an_ordinary_day_raises_nothing(session: Session) -> None:
    with audit.acting_as(audit.Actor(username="clerk.li", user_id=1, role="front_desk")):
        for _ in range(20):
            audit.log_event(session, "guest.reveal", guest_public_id="G0000000000AB", purpose="guest_request")
        for _ in range(40):
            audit.log_event(session, "guest.read", guest_public_id="G0000000000AB")
    noon = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=12).astimezone(UTC)
    assert audit.check_actor(session, "clerk.li", now=noon, policy=AnomalyPolicy()) == []
    assert audit.check_export(session, "clerk.li", 120, now=noon, policy=AnomalyPolicy()) is False
    assert session.scalar(select(SecurityAlert.id)) is None


def test_off_hours_and_bulk_exports_are_flagged_once_per_night(session: Session) -> None:
    three_am = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=3).astimezone(UTC)
    assert audit.check_actor(session, "night.owl", now=three_am, policy=AnomalyPolicy()) == ["off_hours"]
    assert audit.check_actor(session, "night.owl", now=three_am, policy=AnomalyPolicy()) == []
    assert audit.check_export(session, "marketing.wu", 5000, now=three_am, policy=ALL_DAY) is True
    rules = sorted(session.scalars(select(SecurityAlert.rule)))
    assert rules == ["bulk_export", "off_hours"]
