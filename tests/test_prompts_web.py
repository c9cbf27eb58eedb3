"""Service prompts and recommendations over real HTTP on both databases: the day's prompts by
department, tick-off through the API and the HTMX form (anti-forgery token, one audit event), a
hotel-A user who cannot see or tick hotel B's prompts (404, like a prompt that does not exist), the
rule API and who may use it, rules of one hotel through the API and the form (a hotel manager sees
group-wide rules read-only, cannot reach another hotel's rule and cannot write a group-wide one),
recommendations in the profile's JSON and page, badges on arrivals, and `guestgraph prompts generate`
as a real process."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from guestgraph import audit, prompts
from guestgraph.access import DataScope
from guestgraph.db import make_engine
from guestgraph.db.models import AuditEventRow, GuestTag, PromptRule, PromptStatus, ServicePrompt, StayStatus
from guestgraph.frontdesk import hotel_today
from guestgraph.paging import PageRequest
from tests.conftest import BACKENDS, LiveServer
from tests.factories import hotel, make_guest, make_interaction, make_preference, make_stay
from tests.test_cli import run

DAY = date(2026, 12, 10)


def _two_hotels(s: Session) -> tuple[int, int, str, str]:
    """A prompt at SHA01 and one at SHA02 (allergies), generated; returns their ids and guests."""
    prompts.ensure_default_rules(s)
    here, there = make_guest(s), make_guest(s)
    for g, code in ((here, "SHA01"), (there, "SHA02")):
        make_preference(s, g, "allergy", "peanuts")
        make_stay(s, code, g, arrival=DAY, status=StayStatus.BOOKED, room_type="豪华大床房")
    prompts.generate(s, first=DAY, now=datetime.now(UTC))
    s.commit()
    ids = {gid: pid for pid, gid in s.execute(select(ServicePrompt.id, ServicePrompt.guest_id))}
    return ids[here.id], ids[there.id], here.public_id, there.public_id


def test_a_hotel_sees_and_ticks_off_only_its_own_prompts(live: LiveServer, demo_group: Session) -> None:
    mine, theirs, here, _there = _two_hotels(demo_group)
    sha01 = DataScope.hotels(hotel(demo_group, "SHA01").id)
    with live.client(role="front_desk", scope=sha01) as c:
        day = c.get("/api/v1/prompts", params={"hotel": "SHA01", "date": DAY.isoformat()})
        assert day.status_code == 200, day.text
        (dept,) = day.json()["departments"]
        assert dept["code"] == "food_beverage"
        assert [(p["id"], p["reason"], p["guest_public_id"]) for p in dept["prompts"]] == [
            (mine, "Allergy: peanuts", here)
        ]
        assert "王*明" in {p["guest_name"] for p in dept["prompts"]}  # masked
        hidden = c.get("/api/v1/prompts", params={"hotel": "SHA02", "date": DAY.isoformat()})
        assert hidden.status_code == 404 and hidden.json()["error"] == "hotel_not_found"
        assert c.get(f"/prompts?hotel=SHA02&date={DAY}").status_code == 404
        refused = c.post(f"/api/v1/prompts/{theirs}/done")
        missing = c.post("/api/v1/prompts/987654321/done")
        assert refused.status_code == missing.status_code == 404
        assert (
            refused.json().keys() == missing.json().keys() and refused.json()["error"] == "prompt_not_found"
        )
        assert c.post(f"/prompts/{theirs}/done", headers={"HX-Request": "true"}).status_code == 404
        done = c.post(f"/api/v1/prompts/{mine}/done")
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["done_by"]) == ("done", "Test front_desk")
        again = c.post(f"/api/v1/prompts/{mine}/done")
        assert again.status_code == 409 and again.json()["error"] == "prompt_not_open"
    demo_group.expire_all()
    statuses = dict(demo_group.execute(select(ServicePrompt.id, ServicePrompt.status)).all())
    assert statuses == {mine: PromptStatus.DONE, theirs: PromptStatus.OPEN}
    events = demo_group.scalars(select(AuditEventRow).where(AuditEventRow.action == "prompt.done")).all()
    assert [(e.guest_public_id, e.actor_username) for e in events] == [(here, events[0].actor_username)]
    assert events[0].actor_username and events[0].outcome == "ok"


def test_the_reason_detail_is_sealed_yet_the_page_and_api_show_it(
    live: LiveServer, demo_group: Session
) -> None:
    """CR-01: the allergy and complaint texts a prompt quotes are not in `service_prompt` in the clear
    (a raw SELECT of every column), while the prompts page and API show them as before."""
    s = demo_group
    prompts.ensure_default_rules(s)
    allergic, complained = make_guest(s), make_guest(s)
    make_preference(s, allergic, "allergy", "花生 peanuts")
    make_stay(s, "SHA01", complained, arrival=date(2026, 10, 1))
    sha01 = hotel(s, "SHA01").id
    make_interaction(s, complained, "Cockroach in the bathroom", kind="complaint", hotel_id=sha01,
                     occurred_at=datetime(2026, 10, 2, tzinfo=UTC))  # fmt: skip
    for g in (allergic, complained):
        make_stay(s, "SHA01", g, arrival=DAY, status=StayStatus.BOOKED)
    prompts.generate(s, first=DAY, now=datetime.now(UTC))
    s.commit()
    raw = s.execute(text("SELECT * FROM service_prompt")).all()
    assert len(raw) == 2 and all(r.reason_detail_enc and r.key_ref for r in raw)
    dumped = repr(raw)
    assert "peanuts" not in dumped and "花生" not in dumped and "Cockroach" not in dumped
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(s, "SHA01").id)) as c:
        day = c.get("/api/v1/prompts", params={"hotel": "SHA01", "date": DAY.isoformat()}).json()
        reasons = {p["reason"]: p["reason_detail"] for d in day["departments"] for p in d["prompts"]}
        assert reasons == {
            "Allergy: 花生 peanuts": "花生 peanuts",
            "Complaint on the last stay: Cockroach in the bathroom": "Cockroach in the bathroom",
        }
        page = c.get("/prompts", params={"hotel": "SHA01", "date": DAY.isoformat()})
        assert "过敏：花生 peanuts" in page.text and "Cockroach in the bathroom" in page.text


def test_the_page_ticks_off_with_htmx_and_the_form_token(live: LiveServer, demo_group: Session) -> None:
    _mine, theirs, _here, there = _two_hotels(demo_group)
    sha02 = DataScope.hotels(hotel(demo_group, "SHA02").id)
    with live.client(role="hotel_manager", scope=sha02) as c:
        page = c.get("/prompts", params={"hotel": "SHA02", "date": DAY.isoformat()})
        assert page.status_code == 200
        assert 'id="dept-food_beverage"' in page.text and "过敏：peanuts" in page.text
        token = c.headers.pop("X-CSRF-Token")
        forged = c.post(f"/prompts/{theirs}/done", headers={"HX-Request": "true"})
        assert forged.status_code == 403  # no anti-forgery token: refused, nothing changed
        row = c.post(f"/prompts/{theirs}/done", headers={"HX-Request": "true", "X-CSRF-Token": token})
        assert row.status_code == 200 and 'data-status="done"' in row.text and "<html" not in row.text
        arrivals = c.get("/arrivals", params={"hotel": "SHA02", "day": "today"})
        assert arrivals.status_code == 200
    with live.client(role="marketing") as c:  # no prompts.view
        assert c.get(f"/api/v1/prompts?hotel=SHA02&date={DAY}").status_code == 403
    demo_group.expire_all()
    assert (
        demo_group.scalar(select(ServicePrompt.status).where(ServicePrompt.id == theirs)) == PromptStatus.DONE
    )
    assert there


def test_rules_api_and_who_may_change_rules(live: LiveServer, demo_group: Session) -> None:
    prompts.ensure_default_rules(demo_group)
    demo_group.commit()
    rule = {
        "code": "crib",
        "name_zh": "婴儿床",
        "name_en": "Baby cot",
        "department": "housekeeping",
        "condition": {"type": "mentions", "words": ["crib", "婴儿床"]},
    }
    with live.client(role="front_desk") as c:
        assert c.post("/api/v1/prompt-rules", json=rule).status_code == 403
    with live.client(role="data_steward") as c:
        made = c.post("/api/v1/prompt-rules", json=rule)
        assert made.status_code == 201, made.text
        bad = c.post("/api/v1/prompt-rules", json={**rule, "code": "crib2", "condition": {"type": "moon"}})
        assert bad.status_code == 400 and "condition" in bad.json()["message"]
        assert c.post("/api/v1/prompt-rules", json=rule).status_code == 409
        retired = c.post(f"/api/v1/prompt-rules/{made.json()['id']}/retire")
        assert retired.status_code == 200 and retired.json()["active"] is False
        codes = {r["code"] for r in c.get("/api/v1/prompt-rules").json()["items"]}
        assert {"crib", "pet_bed", "allergy_notice"} <= codes
        assert c.get("/prompts/rules").status_code == 200
    actions = set(
        demo_group.scalars(select(AuditEventRow.action).where(AuditEventRow.action.like("prompt_rule.%")))
    )
    assert actions == {"prompt_rule.create", "prompt_rule.retire"}


def test_rules_of_one_hotel_over_the_api_and_the_form(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    prompts.ensure_default_rules(s)
    s.commit()
    rule = {
        "code": "parrot_hgh",
        "name_zh": "鹦鹉架",
        "name_en": "Parrot perch",
        "department": "housekeeping",
        "condition": {"type": "mentions", "words": ["parrot"]},
        "hotel": "HGH01",
    }
    with live.client(role="data_steward") as c:  # group scope: any hotel, or all of them
        made = c.post("/api/v1/prompt-rules", json=rule)
        assert made.status_code == 201, made.text
        assert (made.json()["hotel"], made.json()["editable"]) == ("HGH01", True)
        page = c.get("/prompts/rules")
        assert '<option value="" selected>全部酒店</option>' in page.text
        assert 'data-rule="parrot_hgh" data-active="yes" data-hotel="HGH01" data-editable="yes"' in page.text
        form = {"code": "crib_hgh", "name_zh": "婴儿床", "name_en": "Crib", "department": "housekeeping",
                "condition": '{"type": "children"}', "hotel": "HGH01"}  # fmt: skip
        assert c.post("/prompts/rules", data=form, follow_redirects=False).status_code == 303
        group_wide = c.post("/prompts/rules", data={**form, "code": "crib_all", "hotel": ""})
        assert group_wide.status_code == 303
        hotels = {r["code"]: r["hotel"] for r in c.get("/api/v1/prompt-rules").json()["items"]}
        assert (hotels["crib_hgh"], hotels["crib_all"], hotels["pet_bed"]) == ("HGH01", None, None)
    hgh_id = made.json()["id"]
    sha01 = DataScope.hotels(hotel(s, "SHA01").id)
    with live.client(role="hotel_manager", scope=sha01) as c:
        items = c.get("/api/v1/prompt-rules").json()["items"]
        seen = {r["code"]: (r["hotel"], r["editable"]) for r in items}
        assert seen["pet_bed"] == (None, False) and seen["crib_all"] == (None, False)
        assert "parrot_hgh" not in seen and "crib_hgh" not in seen
        everywhere = c.post("/api/v1/prompt-rules", json={**rule, "code": "parrot_all", "hotel": None})
        assert everywhere.status_code == 403 and everywhere.json()["error"] == "prompt_rule_group_wide"
        assert "one of your hotels" in everywhere.json()["hint"]
        elsewhere = c.post("/api/v1/prompt-rules", json={**rule, "code": "parrot_x"})
        assert elsewhere.status_code == 404 and elsewhere.json()["error"] == "hotel_not_found"
        hidden = c.put(f"/api/v1/prompt-rules/{hgh_id}", json={**rule, "hotel": "SHA01"})
        missing = c.put("/api/v1/prompt-rules/987654321", json={**rule, "hotel": "SHA01"})
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json() | {"message": hidden.json()["message"]}
        assert hidden.json()["error"] == "prompt_rule_not_found"
        assert c.post(f"/api/v1/prompt-rules/{hgh_id}/retire").status_code == 404
        assert c.post(f"/prompts/rules/{hgh_id}/retire", follow_redirects=False).status_code == 404
        pet_bed = s.scalar(select(PromptRule.id).where(PromptRule.code == "pet_bed"))
        assert c.post(f"/api/v1/prompt-rules/{pet_bed}/retire").status_code == 403

        page = c.get("/prompts/rules")
        assert page.status_code == 200
        assert 'data-rule="pet_bed" data-active="yes" data-hotel="" data-editable="no"' in page.text
        assert "集团通用：只读" in page.text and "parrot_hgh" not in page.text
        assert '<option value=""' not in page.text and '<option value="HGH01"' not in page.text
        assert '<option value="SHA01"' in page.text
        condition = '{"type": "mentions", "words": ["parrot"]}'
        form = {"code": "parrot_sha", "name_zh": "鹦鹉架", "name_en": "Parrot perch",
                "department": "housekeeping", "condition": condition}  # fmt: skip
        refused = c.post("/prompts/rules", data={**form, "hotel": ""})
        assert refused.status_code == 403
        assert "只有集团范围的员工可以编写适用于集团所有酒店的规则。" in refused.text
        assert 'value="parrot_sha"' in refused.text  # the form keeps what was typed
        saved = c.post("/prompts/rules", data={**form, "hotel": "SHA01"}, follow_redirects=False)
        assert saved.status_code == 303
        listed = {r["code"]: r["hotel"] for r in c.get("/api/v1/prompt-rules").json()["items"]}
        assert listed["parrot_sha"] == "SHA01"
    s.expire_all()
    rows = dict(s.execute(select(PromptRule.code, PromptRule.hotel_id)).all())
    assert rows["parrot_sha"] == hotel(s, "SHA01").id and rows["parrot_hgh"] == hotel(s, "HGH01").id
    assert "parrot_all" not in rows and s.scalar(select(PromptRule.active).where(PromptRule.id == hgh_id))
    found = audit.search_events(s, action="prompt_rule.create", paging=PageRequest(page=1, size=100)).items
    made_by = {r.event.object_id: r.event.details.get("hotel") for r in found}
    assert (made_by["parrot_sha"], made_by["crib_all"]) == ("SHA01", None)


def test_recommendations_on_the_profile_and_badges_on_arrivals(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    prompts.ensure_default_rules(s)
    guest = make_guest(s)
    for _ in range(2):
        make_stay(s, "SHA01", guest, room_type="行政大床房")
    s.add(GuestTag(guest_id=guest.id, tag="spa_user", kind="rule", since=datetime.now(UTC)))
    day = hotel_today(hotel(s, "SHA01"))
    make_stay(s, "SHA01", guest, arrival=day, status=StayStatus.BOOKED, children=1)
    prompts.generate(s, first=day, now=datetime.now(UTC))
    s.commit()
    sha01 = DataScope.hotels(hotel(s, "SHA01").id)
    with live.client(role="front_desk", scope=sha01) as c:
        profile = c.get(f"/api/v1/guests/{guest.public_id}").json()
        assert [(r["code"], r["reason_en"]) for r in profile["recommendations"]] == [
            ("room_type", "2 of 2 stays in a 行政大床房"),
            ("spa_package", "spent 0 at the spa"),
        ]
        page = c.get(f"/guests/{guest.public_id}")
        assert 'id="recommended"' in page.text and "2 次入住中有 2 次住行政大床房" in page.text
        arrivals = c.get("/arrivals", params={"hotel": "SHA01", "day": "today"})
        assert 'data-prompt-badge="family_kids_amenities"' in arrivals.text
        assert 'data-recommendation="room_type"' in arrivals.text


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_generate_command(backend: str, scratch_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    done = run("prompts", "generate", "--date", "2026-12-10", "--days", "2", env=env)
    assert done.returncode == 0 and "0 new prompt(s)" in done.stderr, done.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        from guestgraph.db.models import PromptRule

        assert len(conn.execute(select(PromptRule.code)).all()) == 6  # the shipped rules, inserted
    engine.dispose()
    bad = run("prompts", "generate", "--date", "10.12.2026", env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
