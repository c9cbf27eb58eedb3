"""The app over real HTTP (uvicorn on a loopback port), on each backend."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from guestgraph import org
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay


def test_healthz_reports_database_and_schema(live: LiveServer) -> None:
    with live.client() as c:
        body = c.get("/healthz").json()
    assert body["status"] == "ok" and body["schema_current"] is True
    assert body["database"] == ("sqlite" if live.db_url.startswith("sqlite") else "postgresql")


def test_hotels_api_lists_the_group(live: LiveServer, group_spec: org.GroupSpec) -> None:
    with live.client() as c:
        hotels = c.get("/api/v1/hotels").json()
        one = c.get(f"/api/v1/hotels/{group_spec.hotels[0].code}").json()
    assert [h["code"] for h in hotels] == sorted(
        (h.code for h in group_spec.hotels), key=lambda code: (_region(group_spec, code), code)
    )
    assert one["name_zh"] == group_spec.hotels[0].name_zh


def _region(spec: org.GroupSpec, code: str) -> str:
    return next(h.region for h in spec.hotels if h.code == code)


def test_unknown_hotel_is_a_json_404_under_api_and_a_page_elsewhere(live: LiveServer) -> None:
    with live.client() as c:
        api = c.get("/api/v1/hotels/NOPE")
        page = c.get("/hotels/NOPE")
    assert api.status_code == 404 and api.json()["error"] == "hotel_not_found"
    assert "NOPE" in api.json()["message"]
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text and "NOPE" in page.text


def test_guest_api_pages_and_validates(
    live: LiveServer, demo_group: Session, group_spec: org.GroupSpec
) -> None:
    guests = [make_guest(demo_group) for _ in range(7)]
    make_stay(demo_group, group_spec.hotels[0].code, guests[0])
    demo_group.commit()
    with live.client() as c:
        first = c.get("/api/v1/guests", params={"size": 5}).json()
        second = c.get("/api/v1/guests", params={"size": 5, "page": 2}).json()
        at_hotel = c.get("/api/v1/guests", params={"hotel": group_spec.hotels[0].code}).json()
        bad = c.get("/api/v1/guests", params={"size": 0})
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (7, 2, 5, 2)
    assert [g["public_id"] for g in at_hotel["items"]] == [guests[0].public_id]
    assert re.fullmatch(r"\+86138\*+\d{4}", first["items"][0]["phone"])
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "query.size"


def test_pages_default_to_chinese_and_switch_to_english(live: LiveServer, group_spec: org.GroupSpec) -> None:
    with live.client(follow_redirects=True) as c:
        home = c.get("/")
        assert '<html lang="zh-CN">' in home.text and "概览" in home.text
        assert group_spec.hotels[0].name_zh in home.text
        english = c.get("/lang/en", params={"next": "/hotels"})
        assert english.url.path == "/hotels"
        assert '<html lang="en">' in english.text and group_spec.hotels[0].name_en in english.text
        assert c.get("/guests").text.count("Guests") >= 2


def test_language_switch_refuses_offsite_redirects(live: LiveServer) -> None:
    with live.client() as c:
        r = c.get("/lang/en", params={"next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_security_headers_and_openapi(live: LiveServer) -> None:
    with live.client() as c:
        home = c.get("/")
        spec = c.get("/api/openapi.json").json()
        docs = c.get("/api/docs")
    assert home.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert {"/api/v1/hotels", "/api/v1/guests", "/healthz"} <= set(spec["paths"])
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text


def test_coming_sections_say_so_honestly(live: LiveServer) -> None:
    from guestgraph.web._nav import COMING

    with live.client() as c:
        c.cookies.set("gg_locale", "en")
        for key, item in COMING.items():
            r = c.get(f"/soon/{key}")
            assert r.status_code == 200 and "not built yet" in r.text and f"issue {item.issue}" in r.text
        assert c.get("/soon/no-such-section").status_code == 404


def test_vendored_assets_are_served_with_their_licences(live: LiveServer) -> None:
    with live.client() as c:
        for path in (
            "/static/vendor/htmx/htmx.min.js",
            "/static/vendor/htmx/LICENSE",
            "/static/vendor/swagger-ui/LICENSE",
            "/static/css/app.css",
        ):
            assert c.get(path).status_code == 200, path


def test_guest_profile_page_and_api(live: LiveServer, demo_group: Session, group_spec: org.GroupSpec) -> None:
    from decimal import Decimal

    from guestgraph.db.models import Charge, GuestStatus, Outlet

    guest = make_guest(demo_group, full_name="王小明", phone="+8613812345678")
    stay = make_stay(demo_group, group_spec.hotels[0].code, guest, channel="CTRIP")
    demo_group.add(
        Charge(
            hotel_id=stay.hotel_id,
            stay_id=stay.id,
            guest_id=guest.id,
            outlet=Outlet.FNB,
            amount=Decimal("320.00"),
            currency="CNY",
        )
    )
    old = make_guest(demo_group, status=GuestStatus.MERGED, merged_into_id=guest.id)
    demo_group.commit()
    with live.client() as c:
        c.cookies.set("gg_locale", "zh_CN")
        page = c.get(f"/guests/{guest.public_id}")
        redirect = c.get(f"/guests/{old.public_id}")
        api = c.get(f"/api/v1/guests/{old.public_id}").json()
        missing = c.get("/api/v1/guests/GNOPE")
    assert page.status_code == 200 and "王*明" in page.text and "+86138****5678" in page.text
    assert "13812345678" not in page.text  # masked everywhere, the page source included
    assert 'id="lt-nights">2<' in page.text and "餐饮 320.00" in page.text
    assert redirect.status_code == 301 and redirect.headers["location"] == f"/guests/{guest.public_id}"
    assert api["public_id"] == guest.public_id and api["merged_ids"] == [old.public_id]
    assert api["lifetime"]["stays"] == 1 and api["lifetime"]["revenue"] == "1600.00"
    assert missing.status_code == 404 and missing.json()["error"] == "guest_not_found"
