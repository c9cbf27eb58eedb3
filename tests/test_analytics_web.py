"""Segments, reports and churn warnings over real HTTP: permissions, scope, masking, saved segments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.ingest_helpers import good_row, write_pms_cn

TODAY = date.today()


def _seed(live: LiveServer, session: Session) -> dict[str, str]:
    """A big spender past her usual interval at SHA01, a new guest at HGH01, a prospect, and two
    guests who churned long ago (so that four are scored and the big spender's M is 4)."""
    vip = make_guest(session, full_name="王小明", loyalty_tier="gold")
    for days in (240, 180, 120):  # every 60 days; last check-out 118 days ago > 1.5 x 60 -> at risk
        make_stay(session, "SHA01", vip, arrival=TODAY - timedelta(days=days), amount=Decimal("9000"))
    regular = make_guest(session, full_name="李四", nationality="US")
    make_stay(
        session, "HGH01", regular, arrival=TODAY - timedelta(days=10), amount=Decimal("300"), channel="ctrip"
    )
    make_guest(session, full_name="张三")
    for name in ("赵一", "钱二"):
        gone = make_guest(session, full_name=name)
        make_stay(session, "HGH01", gone, arrival=TODAY - timedelta(days=800), amount=Decimal("100"))
    session.commit()
    analytics.refresh(live.engine, settings=analytics.AnalyticsSettings(), as_of=TODAY)
    return {"vip": vip.public_id, "regular": regular.public_id}


def test_segment_preview_api_is_scoped_masked_and_needs_segment_manage(
    live: LiveServer, demo_group: Session
) -> None:
    ids = _seed(live, demo_group)
    body = {"condition": {"type": "metric", "field": "stays", "op": ">=", "value": 1}}
    with live.client(role="marketing") as c:
        r = c.post("/api/v1/segments/preview", json=body)
        assert r.status_code == 200, r.text
        preview = r.json()
        assert preview["count"] == 4
        assert [g["public_id"] for g in preview["guests"]][:2] == [ids["vip"], ids["regular"]]  # by spend
        assert preview["guests"][0]["name"] == "王*明"
        bad = c.post(
            "/api/v1/segments/preview",
            json={"condition": {"type": "metric", "field": "salary", "op": "=", "value": 1}},
        )
        assert bad.status_code == 422
    sha = demo_group.scalars(select(Hotel.id).where(Hotel.code == "SHA01")).one()
    with live.client(role="marketing", scope=DataScope.hotels(sha)) as c:
        assert c.post("/api/v1/segments/preview", json=body).json()["count"] == 1  # only the SHA01 guest
    with live.client(role="front_desk") as c:
        assert c.post("/api/v1/segments/preview", json=body).status_code == 403
        assert c.get("/segments").status_code == 403


def test_saved_segments_crud_and_builder_page(live: LiveServer, demo_group: Session) -> None:
    ids = _seed(live, demo_group)
    definition = {
        "condition": {"type": "stay", "hotels": ["HGH01"], "arrival_from": str(TODAY - timedelta(days=30))}
    }
    with live.client(role="marketing") as c:
        r = c.post("/api/v1/segments", json={"name": "杭州住客", "kind": "frozen", "definition": definition})
        assert r.status_code == 201, r.text
        seg = r.json()
        assert (seg["kind"], seg["members"]) == ("frozen", 1) and seg["frozen_at"]
        got = c.get(f"/api/v1/segments/{seg['id']}").json()
        assert got["preview"]["guests"][0]["public_id"] == ids["regular"]
        assert c.patch(f"/api/v1/segments/{seg['id']}", json={"definition": definition}).status_code == 400
        assert c.get("/api/v1/segments").json()[0]["name"] == "杭州住客"
        page = c.get("/segments")
        assert page.status_code == 200 and "segment-builder" in page.text and "杭州住客" in page.text
        form = {"stage": ["new", "active"], "hotel": "HGH01", "name": "x"}
        fragment = c.post("/segments/preview", data=form, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and 'id="segment-count">1<' in fragment.text
        saved = c.post("/segments", data={**form, "name": "新客", "kind": "dynamic"}, follow_redirects=False)
        assert saved.status_code == 303
        assert "李*" in c.get(saved.headers["location"]).text
        assert c.delete(f"/api/v1/segments/{seg['id']}").status_code == 204
        assert c.get(f"/api/v1/segments/{seg['id']}").status_code == 404


def test_dashboard_churn_list_and_guest_page(live: LiveServer, demo_group: Session) -> None:
    ids = _seed(live, demo_group)
    with live.client(role="hotel_manager") as c:
        board = c.get(f"/api/v1/reports/dashboard?since={TODAY - timedelta(days=365)}").json()
        assert (board["guests"], board["stays"], board["churn_warnings"]) == (2, 4, 1)
        recent = c.get(
            "/api/v1/reports/dashboard"
        ).json()  # by default the last 30 days: the new guest's stay
        assert (recent["since"], recent["until"]) == (str(TODAY - timedelta(days=29)), str(TODAY))
        assert (recent["guests"], recent["stays"], recent["channel_groups"]) == (1, 1, {"ota": 1})
        assert board["stages"] == {"at_risk": 1, "new": 1, "prospect": 1, "churned": 2}
        assert board["channel_groups"] == {"other": 3, "ota": 1}  # the big spender's stays name no channel
        page = c.get("/reports?lang=en")
        assert page.status_code == 200 and "Repeat rate" in page.text and 'id="churn-count">1<' in page.text
        # the page and the API say how fresh the figures are: as of the refresh `_seed` ran
        assert board["from_rollups"] is True and board["refreshed_at"][:10] == str(datetime.now(UTC).date())
        as_of = page.text.split('id="dashboard-as-of">')[1].split("</p>")[0]
        assert f"as of the analytics refresh of {board['refreshed_at'][:10]}" in as_of
        assert "bookings imported since then count after the next refresh" in as_of
        assert "分析刷新" in c.get("/reports?lang=zh_CN").text
        churn = c.get("/api/v1/reports/churn").json()
        assert [i["public_id"] for i in churn["items"]] == [ids["vip"]]
        assert churn["items"][0]["usual_interval_days"] == 60
        html = c.get("/reports/churn?lang=en").text
        assert "Usually returns every 60 days" in html
        guest = c.get(f"/guests/{ids['vip']}?lang=en").text
        assert 'id="churn-warning"' in guest and "Champions" in guest and 'id="rfm">3-4-4<' in guest
    with live.client(role="marketing") as c:
        r = c.post(f"/api/v1/guests/{ids['regular']}/tags", json={"tag": "喜欢高楼层", "note": "花生过敏"})
        assert r.status_code == 201
        tags = c.get(f"/api/v1/guests/{ids['regular']}/tags").json()
        assert {t["code"] for t in tags} >= {"喜欢高楼层", "ota_only"}
        assert [t["note"] for t in tags if t["code"] == "喜欢高楼层"] == ["花生过敏"]  # opened, stored sealed
    with live.client(role="front_desk") as c:
        assert c.get("/reports").status_code == 403


def test_dashboard_compares_with_the_period_before_and_narrows_to_a_hotel(
    live: LiveServer, demo_group: Session
) -> None:
    _seed(live, demo_group)
    period = f"since={TODAY - timedelta(days=200)}&until={TODAY}"
    with live.client(role="regional_manager") as c:
        board = c.get(f"/api/v1/reports/dashboard?{period}").json()
        # the big spender's stays 180 and 120 days ago and the new guest's; before: the stay 240 days ago
        assert (board["guests"], board["stays"], board["new_guests"], board["hotel"]) == (2, 3, 1, None)
        before = board["previous"]
        assert (before["since"], before["until"]) == (
            str(TODAY - timedelta(days=401)),
            str(TODAY - timedelta(days=201)),
        )
        assert (before["guests"], before["stays"], before["new_guests"], before["room_revenue"]) == (
            1,
            1,
            1,
            "9000.00",
        )
        assert board["markets"] == {"CN": 1, "US": 1}
        sha = c.get(f"/api/v1/reports/dashboard?{period}&hotel=SHA01").json()
        assert (sha["hotel"], sha["guests"], sha["stays"], sha["markets"]) == ("SHA01", 1, 2, {"CN": 1})
        assert sha["stages"] == {"at_risk": 1} and sha["previous"]["stays"] == 1
        page = c.get(f"/reports?{period}&hotel=SHA01&lang=en")
        assert page.status_code == 200 and '<option value="SHA01" selected>' in page.text
        assert 'id="fig-stays"><th>Stays</th><td class="n">2</td><td class="n">1</td>' in page.text
        assert "+100.0%" in page.text and "China" in page.text
        assert c.get(f"/api/v1/reports/dashboard?{period}&hotel=NOPE").status_code == 404
        backwards = c.get(f"/api/v1/reports/dashboard?since={TODAY}&until={TODAY - timedelta(days=1)}")
        assert backwards.status_code == 400 and "Swap the dates" in backwards.text
    hgh = demo_group.scalars(select(Hotel.id).where(Hotel.code == "HGH01")).one()
    with live.client(role="hotel_manager", scope=DataScope.hotels(hgh)) as c:
        assert c.get(f"/api/v1/reports/dashboard?{period}&hotel=SHA01").status_code == 404  # not in scope
        own = c.get(f"/api/v1/reports/dashboard?{period}").json()
        assert (own["guests"], own["markets"], own["previous"]["stays"]) == (1, {"US": 1}, 0)


def test_dashboard_shows_the_quality_of_the_data_imported_in_the_period(
    live: LiveServer, tmp_path: Path
) -> None:
    rows = [good_row("7001", 手机="", 邮箱=""), good_row("7002"), good_row("7003", 离店日期="2026/09/01")]
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows)
    with live.client() as c:
        c.post("/imports", data={"source": "pms"}, files={"file": (path.name, path.read_bytes(), "text/csv")})
    with live.client(role="hotel_manager") as c:
        quality = c.get("/api/v1/reports/dashboard").json()["quality"]
        assert (quality["records"], quality["valid"], quality["persons"], quality["complete"]) == (
            3,
            2,
            3,
            2,
        )  # the quarantined row counts as a person
        assert (quality["validity"], quality["completeness"]) == (2 / 3, 2 / 3)
        assert c.get("/api/v1/reports/dashboard?hotel=HGH01").json()["quality"]["records"] == 0
        assert 'id="dashboard-quality"' in c.get("/reports?lang=en").text


def test_guest_fields_api_profile_form_and_scope(live: LiveServer, demo_group: Session) -> None:
    guest = make_guest(demo_group, full_name="孙七")
    make_stay(demo_group, "HGH01", guest, arrival=TODAY - timedelta(days=5))
    demo_group.commit()
    api = f"/api/v1/guests/{guest.public_id}/fields"
    with live.client(role="marketing") as c:
        r = c.put(f"{api}/survey_followup", json={"value": "call_back"})
        assert r.status_code == 200 and r.json() == {"changed": True}
        assert c.put(f"{api}/survey_followup", json={"value": "call_back"}).json() == {"changed": False}
        (field,) = c.get(api).json()
        assert (field["name"], field["value"]) == ("survey_followup", "call_back")
        assert field["set_by"] and not field["set_by"].startswith("journey:")  # the staff member
        bad = c.put(f"{api}/Bad-Name", json={"value": "x"})
        assert bad.status_code == 400 and "not a field name" in bad.text
        form = c.post(
            f"/guests/{guest.public_id}/fields",
            data={"name": "survey_followup", "value": "called"},
            follow_redirects=False,
        )
        assert form.status_code == 303 and form.headers["location"].endswith("#fields")
        page = c.get(f"/guests/{guest.public_id}?lang=en").text
        assert 'data-field="survey_followup"' in page and "<strong>called</strong>" in page
        assert c.put(f"{api}/survey_followup", json={"value": None}).json() == {"changed": True}
        assert c.get(api).json() == []
    sha = demo_group.scalars(select(Hotel.id).where(Hotel.code == "SHA01")).one()
    with live.client(role="marketing", scope=DataScope.hotels(sha)) as c:
        assert c.put(f"{api}/survey_followup", json={"value": "x"}).status_code == 404
        assert c.get(api).status_code == 404
    with live.client(role="front_desk") as c:
        assert c.get(api).status_code == 200
        assert c.put(f"{api}/survey_followup", json={"value": "x"}).status_code == 403
