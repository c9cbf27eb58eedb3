"""The front desk over real HTTP on both databases: preferences, interactions, arrivals and stay
operations through the API and the pages, with the data scope of a hotel's front desk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Charge, Hotel, Preference, Stay, StayStatus
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_mention, make_stay, without_pms_feed

VALID_ID = "11010519491231002X"


def _setup(session: Session) -> tuple[str, str, DataScope, date]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    today = datetime.now(ZoneInfo(hotel(session, a).timezone)).date()
    return a, b, DataScope.hotels(hotel(session, a).id), today


def test_preferences_api_add_retire_and_scope(live: LiveServer, demo_group: Session) -> None:
    a, b, scope_a, _today = _setup(demo_group)
    here, there = make_guest(demo_group), make_guest(demo_group)
    make_stay(demo_group, a, here)
    make_stay(demo_group, b, there)
    demo_group.commit()
    with live.client(role="front_desk", scope=scope_a) as c:
        added = c.post(
            f"/api/v1/guests/{here.public_id}/preferences", json={"category": "allergy", "value": "nuts"}
        )
        assert added.status_code == 201, added.text
        body = added.json()
        assert (body["category"], body["value"], body["created_by"]) == ("allergy", "nuts", "Test front_desk")
        profile = c.get(f"/api/v1/guests/{here.public_id}").json()
        assert [p["value"] for p in profile["preferences"]] == ["nuts"]
        assert [x["kind"] for x in profile["alerts"]] == ["allergy"]
        hidden = c.post(
            f"/api/v1/guests/{there.public_id}/preferences", json={"category": "floor", "value": "high"}
        )
        assert hidden.status_code == 404 and hidden.json()["error"] == "guest_not_found"
        bad = c.post(f"/api/v1/guests/{here.public_id}/preferences", json={"category": "mood", "value": "x"})
        assert bad.status_code == 400
        retired = c.delete(f"/api/v1/guests/{here.public_id}/preferences/{body['id']}")
        assert retired.status_code == 200 and retired.json()["retired_at"]
        assert c.get(f"/api/v1/guests/{here.public_id}").json()["preferences"] == []
        assert c.delete(f"/api/v1/guests/{here.public_id}/preferences/999999").status_code == 404
    with live.client(role="regional_manager") as c:  # reads guests, does not operate stays
        answer = c.post(
            f"/api/v1/guests/{here.public_id}/preferences", json={"category": "floor", "value": "x"}
        )
        assert answer.status_code == 403
    demo_group.expire_all()
    assert demo_group.scalar(select(Preference.guest_id)) == here.id  # kept, retired


def test_interactions_api_and_hotel_scope(live: LiveServer, demo_group: Session) -> None:
    a, b, scope_a, _today = _setup(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest)
    make_stay(demo_group, b, guest)
    demo_group.commit()
    scope_b = DataScope.hotels(hotel(demo_group, b).id)
    with live.client(role="front_desk", scope=scope_a) as c:
        made = c.post(
            f"/api/v1/guests/{guest.public_id}/interactions", json={"kind": "complaint", "text": "Cold"}
        )
        assert made.status_code == 201, made.text
        assert (made.json()["hotel"], made.json()["author"]) == (a, "Test front_desk")
        refused = c.post(
            f"/api/v1/guests/{guest.public_id}/interactions",
            json={"kind": "note", "text": "x", "hotel_code": b},
        )
        assert refused.status_code == 404
    with live.client(role="front_desk", scope=scope_b) as c:
        assert c.get(f"/api/v1/guests/{guest.public_id}").json()["interactions"] == []
    with live.client(role="front_desk") as c:  # group scope
        (seen,) = c.get(f"/api/v1/guests/{guest.public_id}").json()["interactions"]
        assert (seen["kind"], seen["text"]) == ("complaint", "Cold")


def test_arrivals_api_and_page_in_scope(live: LiveServer, demo_group: Session) -> None:
    a, b, scope_a, today = _setup(demo_group)
    guest = make_guest(demo_group, full_name="欧阳娜娜", loyalty_tier="gold")
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="ARR1")
    make_stay(
        demo_group, a, make_guest(demo_group), arrival=today + timedelta(days=1), status=StayStatus.BOOKED
    )
    demo_group.commit()
    with live.client(role="front_desk", scope=scope_a) as c:
        listed = c.get(f"/api/v1/hotels/{a}/arrivals").json()
        assert listed["date"] == today.isoformat()
        (line,) = listed["lines"]
        assert (line["confirmation_number"], line["guest_name"]) == ("ARR1", "欧**娜")
        assert [x["kind"] for x in line["alerts"]] == ["vip_arriving"]
        assert len(c.get(f"/api/v1/hotels/{a}/arrivals", params={"day": "tomorrow"}).json()["lines"]) == 1
        assert c.get(f"/api/v1/hotels/{b}/arrivals").status_code == 404
        assert c.get(f"/api/v1/hotels/{a}/arrivals", params={"day": "yesterday"}).status_code == 422
        page = c.get("/arrivals", params={"lang": "en"})
        assert page.status_code == 200 and "ARR1" in page.text and "vip_arriving" in page.text
        assert c.get("/arrivals", params={"hotel": b}).status_code == 404


def test_stay_operations_api(live: LiveServer, demo_group: Session) -> None:
    a, b, scope_a, today = _setup(demo_group)
    guest = make_guest(demo_group, full_name="王小明", phone="+8613812345678")
    make_mention(demo_group, guest, full_name="王小明", name_key="wangxiaoming", phone="+8613812345678")
    make_stay(demo_group, a, guest)
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="OTA-9")
    demo_group.commit()
    stays = f"/api/v1/hotels/{a}/stays"
    book = {"guest_id": guest.public_id, "arrival": str(today), "departure": str(today + timedelta(days=1))}
    with live.client(role="front_desk", scope=scope_a) as c:  # the demo hotels have a PMS feed
        fed = c.post(stays, json=book)
        assert fed.status_code == 409 and fed.json()["error"] == "hotel_has_pms_feed", fed.text
        assert c.post(f"{stays}/OTA-9/no-show").status_code == 409
        assert c.put(f"/api/v1/hotels/{a}/pms-feed", json={"pms_feed": False}).status_code == 403
        page = c.get("/arrivals", params={"hotel": a})
        assert 'id="pms-feed-note"' in page.text and "/OTA-9/no-show" not in page.text
    with live.client(role="admin") as admin:
        turned = admin.put(f"/api/v1/hotels/{a}/pms-feed", json={"pms_feed": False})
        assert turned.json() == {"hotel_code": a, "pms_feed": False}
        assert admin.put(f"/api/v1/hotels/{a}/pms-feed", json={"pms_feed": "maybe"}).status_code == 422
    with live.client(role="front_desk", scope=scope_a) as c:
        page = c.get("/arrivals", params={"hotel": a})
        assert 'id="pms-feed-note"' not in page.text and "/OTA-9/no-show" in page.text
        booked = c.post(
            stays,
            json={
                "guest_id": guest.public_id,
                "arrival": str(today),
                "departure": str(today + timedelta(days=1)),
            },
        )
        assert booked.status_code == 201, booked.text
        conf = booked.json()["confirmation_number"]
        assert c.post(f"{stays}/{conf}/check-out").status_code == 409
        no_doc = c.post(f"{stays}/{conf}/check-in", json={"room_number": "801"})
        assert no_doc.status_code == 400
        checked_in = c.post(
            f"{stays}/{conf}/check-in",
            json={"room_number": "801", "id_type": "cn_resident_id", "id_number": VALID_ID},
        )
        assert checked_in.status_code == 200 and checked_in.json()["status"] == "in_house"
        charged = c.post(
            f"{stays}/{conf}/charges", json={"outlet": "fnb", "amount": "120.00", "description": "dinner"}
        )
        assert charged.status_code == 201, charged.text
        assert c.post(f"{stays}/{conf}/check-out").json()["status"] == "checked_out"
        assert c.post(f"{stays}/OTA-9/no-show").json()["status"] == "no_show"
        assert c.post(f"{stays}/NOPE/cancel").status_code == 404
        assert c.post(f"/api/v1/hotels/{b}/stays/{conf}/cancel").status_code == 404
        assert c.post(f"{stays}/{conf}/teleport").status_code == 422
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == conf)).one()
    assert (stay.status, stay.room_number) == (StayStatus.CHECKED_OUT, "801")
    assert demo_group.scalars(select(Charge.amount).where(Charge.stay_id == stay.id)).all() == [120]


def test_profile_page_forms_and_htmx_fragments(live: LiveServer, demo_group: Session) -> None:
    a, _b, scope_a, today = _setup(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="P1")
    without_pms_feed(demo_group, a)
    demo_group.commit()
    with live.client(role="front_desk", scope=scope_a) as c:
        page = c.get(f"/guests/{guest.public_id}", params={"lang": "en"})
        assert page.status_code == 200
        assert 'id="preference-form"' in page.text and 'action="/stays/' + a + '/P1/check-in"' in page.text
        fragment = c.post(
            f"/guests/{guest.public_id}/preferences",
            data={"category": "pillow", "value": "buckwheat"},
            headers={"HX-Request": "true"},
        )
        assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<section id="preferences">')
        assert "buckwheat" in fragment.text
        redirect = c.post(
            f"/guests/{guest.public_id}/interactions", data={"kind": "note", "text": "Late arrival"}
        )
        assert redirect.status_code == 303
        assert "Late arrival" in c.get(f"/guests/{guest.public_id}").text
    with live.client(role="regional_manager") as c:  # no stay.operate: no forms
        page = c.get(f"/guests/{guest.public_id}")
        assert (
            page.status_code == 200
            and 'id="preference-form"' not in page.text
            and "/check-in" not in page.text
        )
