"""Loyalty over real HTTP on both databases: the guest's panel and API within the clerk's data scope,
redemption and adjustment by form (CSRF, the panel shows a refusal) and by API (audited, never below
zero), the Loyalty page's schemes and member lookup, and permissions; one browser test of the
profile panel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import loyalty
from guestgraph.access import DataScope
from guestgraph.db.models import AuditEventRow, EntryKind, Guest, LoyaltyEntry
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay


def _member(s: Session) -> Guest:
    """A group member with 1,280 points from one Shanghai stay."""
    now = datetime.now(UTC)
    loyalty.load_schemes(s, now=now)
    guest = make_guest(s, loyalty_number="GG8800001", loyalty_tier="silver")
    make_stay(s, "SHA01", guest, arrival=date(2026, 9, 1), amount=Decimal("1280.00"))
    loyalty.run_jobs(s, now=now)
    s.commit()
    return guest


def test_the_panel_api_and_redemption_within_the_clerks_scope(live: LiveServer, demo_group: Session) -> None:
    guest = _member(demo_group)
    sha01 = DataScope.hotels(hotel(demo_group, "SHA01").id)
    pek01 = DataScope.hotels(hotel(demo_group, "PEK01").id)
    with live.client(role="front_desk", scope=sha01) as c:
        panel = c.get(f"/guests/{guest.public_id}/loyalty")
        assert panel.status_code == 200 and "GG8800001" in panel.text and 'data-points="1280"' in panel.text
        data = c.get(f"/api/v1/guests/{guest.public_id}/loyalty").json()
        assert data["balance"] == 1280 and [m["member_number"] for m in data["memberships"]] == ["GG8800001"]
        assert data["entries"][0]["kind"] == "earn" and data["entries"][0]["outlet"] == "room"
        # too many points: the form's panel says why (HTMX swaps only a 2xx), the API answers 409
        refused = c.post(
            f"/guests/{guest.public_id}/loyalty/redeem",
            data={"points": "5000", "reason": "suite upgrade", "scheme": "GG"},
            headers={"HX-Request": "true"},
        )
        assert refused.status_code == 200 and 'id="form-error"' in refused.text
        typo = c.post(f"/guests/{guest.public_id}/loyalty/redeem", data={"points": "5O0", "reason": "spa"})
        assert typo.status_code == 400 and "兑换积分必须是整数" in typo.text
        too_many = c.post(
            f"/api/v1/guests/{guest.public_id}/loyalty/redeem", json={"points": 1281, "reason": "x"}
        )
        assert too_many.status_code == 409 and too_many.json()["error"] == "loyalty_not_enough_points"
        assert (
            c.post(
                f"/api/v1/guests/{guest.public_id}/loyalty/redeem", json={"points": 0, "reason": "x"}
            ).status_code
            == 422
        )
        done = c.post(
            f"/guests/{guest.public_id}/loyalty/redeem",
            data={"points": "1000", "reason": "dinner", "scheme": "GG"},
        )
        assert done.status_code == 200 and 'data-points="280"' in done.text
        api = c.post(
            f"/api/v1/guests/{guest.public_id}/loyalty/redeem", json={"points": 280, "reason": "spa"}
        )
        assert api.status_code == 200 and api.json()["balance"] == 0
        # the Loyalty page: schemes and tiers, and the member found by number (spaces ignored)
        page = c.get("/loyalty", params={"number": "gg 8800001"})
        assert page.status_code == 200 and f'href="/guests/{guest.public_id}"' in page.text
        assert 'data-scheme="GG"' in page.text and 'data-tier="platinum"' in page.text
        # the CSRF token is required for the form
        bare = c.post(
            f"/guests/{guest.public_id}/loyalty/redeem",
            data={"points": "1", "reason": "x"},
            headers={"X-CSRF-Token": ""},
        )
        assert bare.status_code == 403
    events = demo_group.scalars(select(AuditEventRow).where(AuditEventRow.action == "loyalty.redeem")).all()
    assert len(events) == 2
    with live.client(role="front_desk", scope=pek01) as c:  # another hotel's clerk: like no guest at all
        hidden = c.get(f"/api/v1/guests/{guest.public_id}/loyalty")
        missing = c.get("/api/v1/guests/G0000000000000/loyalty")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"] == missing.json()["error"]
        assert c.get("/api/v1/loyalty/members/GG8800001").status_code == 404
    with live.client(role="marketing") as c:  # may look, may not redeem
        assert c.get(f"/api/v1/guests/{guest.public_id}/loyalty").status_code == 200
        assert (
            c.post(
                f"/api/v1/guests/{guest.public_id}/loyalty/redeem", json={"points": 1, "reason": "x"}
            ).status_code
            == 403
        )
    with live.client(role="data_steward") as c:  # no loyalty permission at all
        assert c.get("/loyalty").status_code == 403
    assert (
        demo_group.scalar(
            select(func.count()).select_from(AuditEventRow).where(AuditEventRow.action == "loyalty.redeem")
        )
        == 2
    )


def test_adjustment_by_form_and_api_within_the_clerks_scope(live: LiveServer, demo_group: Session) -> None:
    guest = _member(demo_group)  # 1,280 points
    sha01 = DataScope.hotels(hotel(demo_group, "SHA01").id)
    form_url = f"/guests/{guest.public_id}/loyalty/adjust"
    api_url = f"/api/v1/guests/{guest.public_id}/loyalty/adjust"
    with live.client(role="front_desk", scope=sha01) as c:
        # the panel offers the form (in Chinese by default)
        panel = c.get(f"/guests/{guest.public_id}/loyalty")
        assert 'id="adjust-points"' in panel.text and "调整积分" in panel.text
        # below zero: the panel says why and names the balance (HTMX swaps only a 2xx); nothing written
        refused = c.post(
            form_url,
            data={"points": "-2000", "reason": "double-counted", "scheme": "GG"},
            headers={"HX-Request": "true"},
        )
        assert refused.status_code == 200 and 'id="form-error"' in refused.text and "1,280" in refused.text
        assert 'data-points="1280"' in refused.text
        not_a_number = c.post(form_url, data={"points": "5O0", "reason": "x"})
        assert not_a_number.status_code == 400 and "调整积分必须是整数" in not_a_number.text
        no_reason = c.post(form_url, data={"points": "5", "reason": "  "})
        assert no_reason.status_code == 400 and "请说明调整积分的原因" in no_reason.text
        added = c.post(form_url, data={"points": "+220", "reason": "late checkout goodwill", "scheme": "GG"})
        assert added.status_code == 200 and 'data-points="1500"' in added.text
        assert 'id="loyalty-adjusted"' in added.text and "+220" in added.text
        assert 'data-kind="adjust"' in added.text and "late checkout goodwill" in added.text
        taken = c.post(form_url, data={"points": "\N{MINUS SIGN}500", "reason": "minibar billed twice"})
        assert taken.status_code == 200 and 'data-points="1000"' in taken.text
        # the API: 409 below zero, 422 for 0 or no reason, then down to exactly zero
        too_many = c.post(api_url, json={"points": -1001, "reason": "x"})
        assert too_many.status_code == 409 and too_many.json()["error"] == "loyalty_not_enough_points"
        assert "1,000" in too_many.json()["message"]
        assert c.post(api_url, json={"points": 0, "reason": "x"}).status_code == 422
        assert c.post(api_url, json={"points": 5, "reason": ""}).status_code == 422
        blank = c.post(api_url, json={"points": 5, "reason": "   "})
        assert blank.status_code == 400 and blank.json()["error"] == "invalid_input"
        assert c.post(api_url, json={"points": 5, "reason": "x", "scheme": "RESORT"}).status_code == 404
        done = c.post(api_url, json={"points": -1000, "reason": "duplicate membership", "scheme": "gg"})
        assert done.status_code == 200
        assert done.json() == {
            "guest_public_id": guest.public_id, "scheme": "GG", "member_number": "GG8800001",
            "points": -1000, "balance": 0,
        }  # fmt: skip
        assert c.get(f"/api/v1/guests/{guest.public_id}/loyalty").json()["balance"] == 0
        # the CSRF token is required for the form
        assert (
            c.post(form_url, data={"points": "1", "reason": "x"}, headers={"X-CSRF-Token": ""}).status_code
            == 403
        )
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(demo_group, "PEK01").id)) as c:
        hidden = c.post(api_url, json={"points": 1, "reason": "x"})
        missing = c.post("/api/v1/guests/G0000000000000/loyalty/adjust", json={"points": 1, "reason": "x"})
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"] == missing.json()["error"]
        assert c.post(form_url, data={"points": "1", "reason": "x"}).status_code == 404
    with live.client(role="marketing") as c:  # may look, may not adjust
        assert c.post(api_url, json={"points": 1, "reason": "x"}).status_code == 403
        assert c.post(form_url, data={"points": "1", "reason": "x"}).status_code == 403
    demo_group.expire_all()
    entries = demo_group.scalars(select(LoyaltyEntry).where(LoyaltyEntry.kind == EntryKind.ADJUST)).all()
    assert sorted(e.points for e in entries) == [-1000, -500, 220]
    assert all(e.staff_id is not None for e in entries)
    events = demo_group.execute(
        select(AuditEventRow.actor_user_id, AuditEventRow.guest_public_id).where(
            AuditEventRow.action == "loyalty.adjust"
        )
    ).all()
    assert len(events) == 3 and {row.guest_public_id for row in events} == {guest.public_id}
    assert {row.actor_user_id for row in events} == {entries[0].staff_id}


@pytest.mark.browser
def test_the_profile_panel_enrols_redeems_and_adjusts_in_the_browser(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    guest = _member(demo_group)
    page.goto(f"{live.base_url}/guests/{guest.public_id}")
    expect(page.locator("#loyalty-balance")).to_have_text("1,280")
    expect(page.locator("#memberships tr[data-scheme=GG]")).to_have_attribute("data-tier", "member")
    page.select_option("#enrol-member select[name=scheme]", "RESORT")
    page.fill("#enrol-member input[name=member_number]", "R-5550001")
    page.click("#enrol-member button")
    expect(page.locator("#memberships tr[data-scheme=RESORT] td.mono")).to_have_text("R5550001")
    page.fill("#redeem-points input[name=points]", "280")
    page.fill("#redeem-points input[name=reason]", "spa")
    page.click("#redeem-points button")
    expect(page.locator("#loyalty-redeemed")).to_be_visible()
    expect(page.locator("#loyalty-balance")).to_have_text("1,000")
    # a correction by staff: taking off more than the balance is refused on the panel, then -250 goes
    page.fill("#adjust-points input[name=points]", "-1001")
    page.fill("#adjust-points input[name=reason]", "minibar billed twice")
    page.click("#adjust-points button")
    expect(page.locator("#form-error")).to_contain_text("1,000")
    expect(page.locator("#loyalty-balance")).to_have_text("1,000")
    page.fill("#adjust-points input[name=points]", "-250")
    page.fill("#adjust-points input[name=reason]", "minibar billed twice")
    page.select_option("#adjust-points select[name=scheme]", "GG")
    page.click("#adjust-points button")
    expect(page.locator("#loyalty-adjusted")).to_contain_text("-250")
    expect(page.locator("#loyalty-balance")).to_have_text("750")
    page.click("#loyalty-entries summary")
    adjusted = page.locator("#loyalty-entries tr[data-kind=adjust]")
    expect(adjusted).to_have_count(1)
    expect(adjusted).to_contain_text("minibar billed twice")
