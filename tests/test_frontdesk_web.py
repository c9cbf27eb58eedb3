"""The front desk over real HTTP on both databases: preferences, interactions, arrivals and stay
operations through the API and the pages, with the data scope of a hotel's front desk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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


def _booked_then_primary_erased(
    live: LiveServer, session: Session, hotel_code: str, conf: str
) -> dict[str, str]:
    """Ctrip books `conf` for 司马辰逸 with 欧阳可欣 as companion and 张伟 as booker; he is erased. The
    public IDs of those left, by role."""
    from guestgraph import privacy
    from guestgraph.db import make_session_factory
    from guestgraph.db.models import Guest, StayGuest
    from tests.test_frontdesk import _ctrip_books

    today = datetime.now(ZoneInfo(hotel(session, hotel_code).timezone)).date()
    him = {"full_name": "司马辰逸", "phone": "+8613700981001"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700981002"}
    booker = {"full_name": "张伟", "phone": "+8613700981003"}
    factory = make_session_factory(live.engine)
    _ctrip_books(
        factory, hotel_code, conf, 1, today, 2, ("primary", him), ("additional", her), ("booker", booker)
    )
    session.expire_all()
    links = session.execute(
        select(Guest.id, Guest.public_id, StayGuest.role)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.confirmation_number == conf)
    ).all()
    by_role = {role.value: (guest_id, public_id) for guest_id, public_id, role in links}
    privacy.erase_guest(session, guest_id=by_role["primary"][0], now=datetime.now(UTC))
    session.commit()
    return {role: public_id for role, (_id, public_id) in by_role.items() if role != "primary"}


def test_naming_the_primary_guest_of_a_stay_after_an_erasure_over_the_api(
    live: LiveServer, demo_group: Session
) -> None:
    a, b, scope_a, _today = _setup(demo_group)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    left = _booked_then_primary_erased(live, demo_group, a, "CT-981")
    stays = f"/api/v1/hotels/{a}/stays"
    named = f"{stays}/CT-981/primary-guest"
    body = {"guest_id": left["additional"], "reason": "primary guest erased; companion at the desk"}
    with live.client(role="front_desk", scope=scope_a) as c:
        refused = c.post(f"{stays}/CT-981/cancel")
        assert refused.status_code == 409, refused.text
        answer = refused.json()
        assert (answer["error"], answer["hotel_code"], answer["confirmation_number"]) == (
            "stay_without_primary_guest", a, "CT-981",
        )  # fmt: skip
        assert f"/api/v1/hotels/{a}/stays/CT-981/primary-guest" in answer["hint"]
        choices = c.get(named)  # who is left on the stay, names masked
        assert choices.status_code == 200, choices.text
        assert {(x["guest_public_id"], x["role"]) for x in choices.json()} == {
            (public_id, role) for role, public_id in left.items()
        }
        assert all("*" in (x["guest_name"] or "*") for x in choices.json())
        assert c.get(f"{stays}/NOPE/primary-guest").json()["error"] == "stay_not_found"
        assert c.post(named, json={**body, "reason": ""}).status_code == 422
        unknown = c.post(named, json={**body, "guest_id": "GNOSUCHGUEST"})
        assert unknown.status_code == 404 and unknown.json()["error"] == "guest_not_found"
        assert c.post(f"{stays}/NOPE/primary-guest", json=body).json()["error"] == "stay_not_found"
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(demo_group, b).id)) as c:
        assert c.post(named, json=body).status_code == 404  # hotel B's desk cannot reach hotel A's stay
        assert c.get(named).status_code == 404
    with live.client(role="regional_manager") as c:  # reads guests, does not operate stays
        assert c.post(named, json=body).status_code == 403
        assert c.get(named).status_code == 403
    with live.client(role="front_desk", scope=scope_a) as c:
        done = c.post(named, json=body)
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["guest_public_id"]) == ("booked", left["additional"])
        again = c.post(named, json=body)
        assert again.status_code == 409 and again.json()["error"] == "stay_has_primary_guest"
        cancelled = c.post(f"{stays}/CT-981/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-981")).one()
    assert stay.status is StayStatus.CANCELLED


def test_the_refusal_page_offers_the_form_naming_the_primary_guest(
    live: LiveServer, demo_group: Session
) -> None:
    a, b, scope_a, _today = _setup(demo_group)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    left = _booked_then_primary_erased(live, demo_group, a, "CT-982")
    with live.client(role="front_desk", scope=scope_a) as c:
        page = c.post(f"/stays/{a}/CT-982/cancel", data={"next": "/arrivals"}, params={"lang": "en"})
        assert page.status_code == 409
        assert f'hx-get="/stays/{a}/CT-982/primary-guest"' in page.text
        form = c.get(f"/stays/{a}/CT-982/primary-guest", headers={"HX-Request": "true"})
        assert form.status_code == 200 and 'id="primary-guest-form"' in form.text
        assert left["additional"] in form.text and "欧**欣" in form.text and "欧阳可欣" not in form.text
        assert left["booker"] in form.text
        unchosen = c.post(
            f"/stays/{a}/CT-982/primary-guest",
            data={"guest_id": left["additional"], "reason": " "},
            headers={"HX-Request": "true"},
        )
        assert unchosen.status_code == 200 and 'id="form-error"' in unchosen.text
        done = c.post(
            f"/stays/{a}/CT-982/primary-guest",
            data={"guest_id": left["additional"], "reason": "companion shows her ID"},
            headers={"HX-Request": "true"},
        )
        assert (
            done.status_code == 200 and done.headers["HX-Redirect"] == f"/guests/{left['additional']}#stays"
        )
        assert c.post(f"/stays/{a}/CT-982/cancel", data={"next": "/arrivals"}).status_code == 303
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(demo_group, b).id)) as c:
        assert c.get(f"/stays/{a}/CT-982/primary-guest", headers={"HX-Request": "true"}).status_code == 404
