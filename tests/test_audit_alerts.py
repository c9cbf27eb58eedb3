"""Anomaly alerts (LG-05): 60 full-value views in ten minutes raise exactly one alert for compliance;
an ordinary day raises none; more guest-data edits in an hour than the setting allows raise one
mass-edit alert, and off-hours use is flagged after any audited read or edit, not only a reveal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope
from guestgraph.audit import AnomalyPolicy
from guestgraph.db.models import Hotel, SecurityAlert
from tests.conftest import LiveServer, make_settings, serve
from tests.factories import hotel, make_guest, make_stay

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
    noon = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=12).astimezone(UTC)
    with audit.acting_as(audit.Actor(username="clerk.li", user_id=1, role="front_desk")):
        for n in range(20):
            audit.log_event(
                session,
                "guest.reveal",
                guest_public_id="G0000000000AB",
                purpose="guest_request",
                now=noon - timedelta(minutes=n),
            )
        for n in range(40):
            audit.log_event(
                session, "guest.read", guest_public_id="G0000000000AB", now=noon - timedelta(minutes=n)
            )
        for n in range(30):
            audit.log_event(
                session,
                "guest.preference.add",
                guest_public_id="G0000000000AB",
                now=noon - timedelta(minutes=n),
            )
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


EDITS = 5  # the edit limit of the strict server's settings


def _away_from(hour: int) -> str:
    """Working hours that leave out `hour` and the next (so the test may cross an hour)."""
    return f"{hour + 2:02d}-24" if hour <= 21 else f"00-{hour:02d}" if hour == 22 else "01-23"


@pytest.fixture(scope="module")
def strict(db_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with a low edit limit, and working hours that leave out the present hour."""
    hour = datetime.now(ZoneInfo("Asia/Shanghai")).hour
    settings = make_settings(
        tmp_path_factory.mktemp("strict"),
        db_url,
        audit_alert_edits_per_hour=EDITS,
        audit_alert_working_hours=_away_from(hour),
    )
    with serve(settings, engine) as server:
        yield server


def _alerts(officer, rule: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [a for a in officer.get("/api/v1/audit/alerts").json() if a["rule"] == rule]


def test_more_edits_in_an_hour_than_the_setting_raise_one_mass_edit_alert(
    strict: LiveServer, demo_group: Session
) -> None:
    limit = strict.settings.audit_alert_edits_per_hour
    assert limit == EDITS
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.id)).first()
    assert code
    guest = make_guest(demo_group)
    make_stay(demo_group, code, guest)
    demo_group.commit()
    scope = DataScope.hotels(hotel(demo_group, code).id)
    prefs = f"/api/v1/guests/{guest.public_id}/preferences"
    with (
        strict.client(role="front_desk", scope=scope) as clerk,
        strict.client(role="front_desk", scope=scope) as other,
        strict.client(role="compliance_officer") as officer,
    ):
        who = clerk.get("/api/v1/auth/me").json()["username"]
        added = [
            clerk.post(prefs, json={"category": "floor", "value": f"high {n}"}) for n in range(limit - 2)
        ]
        assert all(a.status_code == 201 for a in added)
        assert (
            clerk.delete(f"{prefs}/{added[0].json()['id']}").status_code == 200
        )  # edits of every kind count
        note = {"kind": "note", "text": "asked for a quiet room"}
        assert clerk.post(f"/api/v1/guests/{guest.public_id}/interactions", json=note).status_code == 201
        for _ in range(3):  # reads are no edits
            assert clerk.get(f"/api/v1/guests/{guest.public_id}").status_code == 200
        for n in range(limit):  # another user's edits are their own
            assert other.post(prefs, json={"category": "pillow", "value": f"soft {n}"}).status_code == 201
        assert _alerts(officer, "mass_edits") == []  # exactly the limit: nothing yet
        assert clerk.post(prefs, json={"category": "floor", "value": "one too many"}).status_code == 201
        assert clerk.post(prefs, json={"category": "floor", "value": "and more"}).status_code == 201
        raised = _alerts(officer, "mass_edits")
    assert len(raised) == 1, raised
    assert raised[0]["actor_username"] == who and raised[0]["facts"] == {"edits_last_hour": limit + 1}


def test_off_hours_use_is_flagged_after_a_read_or_an_edit_without_a_reveal(
    strict: LiveServer, demo_group: Session
) -> None:
    guest = make_guest(demo_group)
    demo_group.commit()
    with strict.client(role="data_steward") as steward, strict.client(role="compliance_officer") as officer:
        who = steward.get("/api/v1/auth/me").json()["username"]
        assert _alerts(officer, "off_hours") == []  # signing in and reading one's own account: not guest data
        assert steward.get(f"/api/v1/guests/{guest.public_id}").status_code == 200
        assert steward.get(f"/api/v1/guests/{guest.public_id}").status_code == 200
        flagged = [a for a in _alerts(officer, "off_hours") if a["actor_username"] == who]
    assert len(flagged) == 1, flagged


def test_working_hours_that_end_before_they_start_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        make_settings(tmp_path, "sqlite://", audit_alert_working_hours="23-06")
    with pytest.raises(ValueError, match="not a time zone"):
        make_settings(tmp_path, "sqlite://", audit_alert_timezone="Mars/Olympus")
