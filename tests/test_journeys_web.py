"""Journey pages and API over real HTTP: a marketer creates a journey from a template, activates it,
the worker runs it against aiosmtpd, and the page, the API and the guest's profile show what happened;
the journey mail's unsubscribe link withdraws consent; other roles and scopes are kept out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from guestgraph import journeys, privacy
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import smtp_peer


def test_journey_pages_api_timeline_and_unsubscribe(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    t = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0)  # 11:00 in Shanghai
    subscribed, unknown = make_guest(s, gender="M"), make_guest(s)
    for g in (subscribed, unknown):
        make_stay(s, "SHA01", g, arrival=t.date() - timedelta(days=3), departure=t.date() - timedelta(days=1))
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=subscribed.id, entry=entry, recorded_by_id=None, now=t - timedelta(days=9)
    )
    s.commit()
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        with live.client(role="marketing") as c:
            page = c.get("/journeys")
            assert (
                page.status_code == 200
                and 'value="post_stay"' in page.text
                and "离店感谢与满意度调查" in page.text
            )
            created = c.post("/journeys", data={"template": "post_stay", "hotel": ""}, follow_redirects=False)
            assert created.status_code == 303
            url = created.headers["location"]
            journey_id = int(url.rsplit("/", 1)[1])
            assert 'data-status="draft"' in c.get(url).text
            broken = c.post(f"{url}/edit", data={"name": "x", "definition": '{"trigger": '})
            assert broken.status_code == 422 and 'id="form-error"' in broken.text and "line 1" in broken.text
            assert c.post(f"{url}/activate", follow_redirects=False).status_code == 303

            policy = journeys.JourneyPolicy.from_settings(live.settings)
            factory = make_session_factory(live.engine)
            journeys.run_pass(factory, policy=policy, clock=lambda: t)
            journeys.run_pass(factory, policy=policy, clock=lambda: t + timedelta(days=1, minutes=1))

            assert collector.recipients() == [subscribed.email]
            detail = c.get(url).text
            assert '<tr data-figure="sent"><th>已发送</th><td>1</td>' in detail
            assert 'data-reason="no consent recorded"' in detail and "未记录同意" in detail
            assert f'data-guest="{unknown.public_id}"' in detail
            api = c.get(f"/api/v1/journeys/{journey_id}").json()
            assert api["counts"]["sent"] == 1 and api["counts"]["reasons"] == {"no consent recorded": 1}
            assert api["journey"]["status"] == "active"
            guests = {g["public_id"]: g for g in c.get(f"/api/v1/journeys/{journey_id}/guests").json()}
            assert guests[unknown.public_id]["reason"] == "no consent recorded"
            assert guests[subscribed.public_id]["last_outcome"] == "sent"
            assert "邮件已发送" in c.get(f"/guests/{subscribed.public_id}").text  # on the 360° timeline
            assert c.post(f"/api/v1/journeys/{journey_id}/pause").json()["status"] == "paused"
            assert c.post(f"/api/v1/journeys/{journey_id}/pause").status_code == 409

        (mail,) = collector.received
        link = re.search(r"<(http[^>]+/u/j[^>]+)>", str(mail.message["List-Unsubscribe"]))
        assert link is not None
        with live.client(role=None) as anyone:
            assert anyone.post(link.group(1).removeprefix(live.base_url)).status_code == 200
    s.expire_all()
    answer = privacy.may_use(s, subscribed.id, Purpose.MARKETING, Channel.EMAIL, now=datetime.now(UTC))
    assert answer.answer == "denied"


def test_journeys_are_for_marketing_and_scoped(live: LiveServer, demo_group: Session) -> None:
    with live.client(role="marketing") as c:
        made = c.post("/api/v1/journeys", json={"template": "vip_arrival", "hotel_code": "SHA01"})
        assert made.status_code == 201 and made.json()["hotel_code"] == "SHA01"
        bad = c.post(
            "/api/v1/journeys", json={"name": "x", "definition": {"trigger": {"type": "nope"}, "steps": []}}
        )
        assert bad.status_code == 422 and bad.json()["error"] == "journey_invalid"
        assert {t["code"] for t in c.get("/api/v1/journey-templates").json()} == set(journeys.TEMPLATES)
    journey_id = made.json()["id"]
    with live.client(role="marketing") as c:
        group_wide = c.post("/api/v1/journeys", json={"template": "birthday"}).json()["id"]
    sha01 = DataScope.hotels(hotel(demo_group, "SHA01").id)
    with live.client(role="marketing", scope=sha01) as c:
        assert [j["id"] for j in c.get("/api/v1/journeys").json()] == [journey_id]
        assert c.post(f"/api/v1/journeys/{group_wide}/activate").status_code == 404  # not theirs
    with live.client(role="data_steward") as c:
        definition = made.json()["definition"]
        edited = c.put(f"/api/v1/journeys/{journey_id}", json={"name": "VIP", "definition": definition})
        assert edited.status_code == 200 and edited.json()["name"] == "VIP"
        assert c.post(f"/api/v1/journeys/{journey_id}/activate").json()["status"] == "active"
        again = c.put(f"/api/v1/journeys/{journey_id}", json={"name": "VIP 2", "definition": definition})
        assert again.status_code == 409 and again.json()["error"] == "journey_state_conflict"
    with live.client(role="front_desk") as c:
        assert c.get("/journeys").status_code == 403
        assert c.get(f"/api/v1/journeys/{journey_id}").status_code == 403
    other = next(code for code in ("BJS01", "CAN01", "SZX01") if _exists(demo_group, code))
    elsewhere = DataScope.hotels(hotel(demo_group, other).id)
    with live.client(role="marketing", scope=elsewhere) as c:
        assert c.get(f"/api/v1/journeys/{journey_id}").status_code == 404
        assert c.get("/api/v1/journeys").json() == []


def _exists(s: Session, code: str) -> bool:
    try:
        hotel(s, code)
    except AssertionError:
        return False
    return True
