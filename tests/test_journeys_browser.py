"""The journey pages in a real browser: create a journey from a template, edit it, activate it, let the
worker run it, see the figures and each guest's reason, pause it; add a coupon step through its form and
a branch through the editor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from guestgraph import journeys, offers
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import Collector, smtp_peer

pytestmark = pytest.mark.browser


@pytest.fixture
def peer(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        yield collector


def test_create_activate_watch_and_pause_a_journey(
    page: Page, live: LiveServer, demo_group: Session, peer: Collector
) -> None:
    t = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0)
    guest = make_guest(demo_group)
    make_stay(
        demo_group,
        "SHA01",
        guest,
        arrival=t.date() - timedelta(days=3),
        departure=t.date() - timedelta(days=1),
    )
    demo_group.commit()
    page.goto(f"{live.base_url}/journeys")
    page.check("#new-journey input[value=post_stay]")
    page.select_option("#new-journey select[name=hotel]", "SHA01")
    page.click("#new-journey button")
    expect(page.locator("h1")).to_have_text("离店感谢与满意度调查")
    expect(page.locator("#journey-status")).to_have_attribute("data-status", "draft")
    expect(page.locator('#steps tr[data-step="thanks"]')).to_contain_text("发送邮件")
    # the editor (a broken definition is refused: tests/test_journeys_web.py)
    definition = json.loads(json.dumps(journeys.TEMPLATES["post_stay"].definition))
    definition["steps"][1]["subject_zh"] = "谢谢您，{{ name }}"
    page.fill("#edit-form input[name=name]", "离店感谢（改）")
    page.fill("#edit-form textarea[name=definition]", json.dumps(definition, ensure_ascii=False))
    page.click("#edit-form button")
    expect(page.locator("h1")).to_have_text("离店感谢（改）")
    expect(page.locator('#steps tr[data-step="thanks"]')).to_contain_text("谢谢您，{{ name }}")
    page.click("#activate-form button")
    expect(page.locator("#journey-status")).to_have_attribute("data-status", "active")

    policy = journeys.JourneyPolicy.from_settings(live.settings)
    journeys.run_pass(make_session_factory(live.engine), policy=policy, clock=lambda: t)
    page.reload()
    expect(page.locator('#steps tr[data-step="thanks"] td').nth(2)).to_have_text("1")  # waiting a day there
    journeys.run_pass(
        make_session_factory(live.engine), policy=policy, clock=lambda: t + timedelta(days=1, hours=1)
    )
    page.reload()
    expect(page.locator('tr[data-reason="no consent recorded"] td').nth(1)).to_have_text("1")
    expect(page.locator(f'tr[data-guest="{guest.public_id}"] td.reason')).to_have_text("未记录同意")
    assert peer.received == []
    page.click("#pause-form button")
    expect(page.locator("#journey-status")).to_have_attribute("data-status", "paused")
    expect(page.locator("#activate-form button")).to_be_visible()


def test_add_a_coupon_step_and_a_branch_to_a_win_back_draft(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    today = datetime.now(UTC).date()
    spec = offers.OfferInput(
        "回归礼遇", "Welcome back", "room_upgrade", "percent", "100", today, today + timedelta(days=60)
    )
    offer = offers.create_offer(
        demo_group, scope=DataScope.group(), spec=spec, created_by_id=None, now=datetime.now(UTC)
    )
    demo_group.commit()
    page.goto(f"{live.base_url}/journeys")
    page.check("#new-journey input[value=win_back]")
    page.click("#new-journey button")
    expect(page.locator("h1")).to_have_text("沉睡高价值客户唤醒")
    # a coupon step through its form, after the tag (the template's mails then carry the code)
    page.select_option("#coupon-step-form select[name=offer]", str(offer.id))
    page.select_option("#coupon-step-form select[name=after]", "tag")
    page.click("#coupon-step-form button")
    coupon = page.locator('#steps tr[data-step="coupon"]')
    expect(coupon).to_contain_text("发放优惠券")
    expect(coupon.locator("a")).to_have_attribute("href", f"/offers/{offer.id}")
    # a branch through the editor: only VIP guests go on to the reminder
    definition = json.loads(page.input_value("#edit-form textarea[name=definition]"))
    keys = [s["key"] for s in definition["steps"]]
    assert keys == ["tag", "coupon", "offer", "wait", "still_away", "reminder"]
    vip = {"type": "attribute", "field": "vip_level", "op": "present"}
    definition["steps"].insert(5, {"key": "vip", "type": "condition", "condition": vip, "otherwise": "exit"})
    page.fill("#edit-form textarea[name=definition]", json.dumps(definition, ensure_ascii=False))
    page.click("#edit-form button")
    expect(page.locator("#steps tbody tr")).to_have_count(7)
    expect(page.locator('#steps tr[data-step="vip"]')).to_contain_text("条件 → 否则 退出")
    expect(page.locator('#coupon-results tr[data-figure="issued"] td')).to_have_text("0")
    page.click("#activate-form button")
    expect(page.locator("#journey-status")).to_have_attribute("data-status", "active")
    expect(page.locator("#edit-form")).to_have_count(0)  # an active journey's steps no longer change
    expect(page.locator("#coupon-step-form")).to_have_count(0)
