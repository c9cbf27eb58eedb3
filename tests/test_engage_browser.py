"""The campaign pages in a real browser: create, preview with a guest, send, see the results; an SMS
campaign with a coupon, through the gateway peer; a campaign scheduled for later in its hotel's time
zone, moved, and unscheduled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import offers, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import Campaign, CampaignMessage, ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.gateway_peer import gateway_peer
from tests.smtp_peer import Collector, smtp_peer

pytestmark = pytest.mark.browser


@pytest.fixture
def peer(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        yield collector


def test_create_preview_and_send_a_campaign(
    page: Page,
    live: LiveServer,
    demo_group: Session,
    peer: Collector,
) -> None:
    guest, unknown = make_guest(demo_group, gender="F"), make_guest(demo_group)
    make_stay(demo_group, "SHA01", guest, unknown, arrival=date(2026, 9, 1))
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    privacy.record_consent(demo_group, guest_id=guest.id, entry=entry, recorded_by_id=None, now=yesterday)
    demo_group.commit()
    page.goto(f"{live.base_url}/campaigns")
    page.fill("#new-campaign input[name=name]", "国庆回馈")
    page.select_option("#new-campaign select[name=hotel]", "SHA01")
    page.fill("#new-campaign input[name=subject_zh]", "{{ name }}，您好")
    page.fill("#new-campaign textarea[name=body_zh]", "尊敬的{{ name }}：欢迎再次光临{{ hotel }}。")
    page.fill("#new-campaign input[name=subject_en]", "Hello {{ name }}")
    page.fill("#new-campaign textarea[name=body_en]", "Dear {{ name }}")
    page.click("#new-campaign button")
    expect(page.locator("h1")).to_have_text("国庆回馈")
    page.fill("#preview-form input[name=guest]", guest.public_id)
    page.click("#preview-form button")
    expect(page.locator("#preview-subject")).to_have_text("王女士，您好")
    page.click("#send-form button")
    for _ in range(50):
        if page.locator('tr[data-status="sent"] td').nth(1).inner_text() == "1":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator('tr[data-status="sent"] td').nth(1)).to_have_text("1")
    expect(page.locator('tr[data-reason="no consent recorded"] td').nth(1)).to_have_text("1")
    assert peer.recipients() == [guest.email]


def test_an_sms_campaign_with_a_coupon_from_form_to_results(
    page: Page, live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, now = demo_group, datetime.now(UTC)
    guest = make_guest(s)
    make_stay(s, "SHA01", guest, arrival=date(2026, 9, 1))
    entry = ConsentInput(Purpose.MARKETING, Channel.SMS, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=now - timedelta(days=1)
    )
    spec = offers.OfferInput(
        "早餐券",
        "Breakfast",
        "fnb_credit",
        "amount",
        "88",
        now.date(),
        now.date() + timedelta(days=30),
        "CNY",
    )
    offer = offers.create_offer(s, scope=DataScope.group(), spec=spec, created_by_id=None, now=now)
    s.commit()
    with gateway_peer("browser-gateway-secret") as gateway:
        monkeypatch.setattr(live.settings, "gateway_secret", SecretStr(gateway.secret))
        monkeypatch.setattr(live.settings, "sms_gateway_url", gateway.url)
        page.goto(f"{live.base_url}/campaigns")
        page.fill("#new-campaign input[name=name]", "早餐短信")
        page.select_option("#new-campaign select[name=channel]", "sms")
        page.select_option("#new-campaign select[name=hotel]", "SHA01")
        page.fill("#new-campaign textarea[name=body_zh]", "{{ name }}，早餐券码 {{ coupon }}")
        page.fill("#new-campaign textarea[name=body_en]", "{{ name }}, breakfast code {{ coupon }}")
        page.click("#new-campaign button")
        expect(page.locator("#campaign-channel")).to_have_attribute("data-channel", "sms")
        page.select_option("#offer-form select[name=offer]", str(offer.id))
        page.click("#offer-form button")
        page.fill("#preview-form input[name=guest]", guest.public_id)
        page.click("#preview-form button")
        shown = "王先生，早餐券码 XXXXX-XXXXX\n回复TD退订"  # the code's place, nothing issued
        expect(page.locator("#preview-text")).to_have_text(shown)
        expect(page.locator("#preview-length")).to_have_text(f"{len(shown)} 个字符")
        page.click("#send-form button")
        for _ in range(50):
            if page.locator('tr[data-status="sent"] td').nth(1).inner_text() == "1":
                break
            page.wait_for_timeout(200)
            page.reload()
        expect(page.locator('tr[data-status="sent"] td').nth(1)).to_have_text("1")
        expect(page.locator('#coupon-results tr[data-figure="issued"] td')).to_have_text("1")
        (sms,) = gateway.received
    assert sms["to"] == guest.phone and re.fullmatch(
        r"王先生，早餐券码 [0-9A-Z]{5}-[0-9A-Z]{5}\n回复TD退订", sms["text"]
    )


def test_schedule_move_and_unschedule_a_campaign(page: Page, live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    page.goto(f"{live.base_url}/campaigns")
    page.fill("#new-campaign input[name=name]", "圣诞预告")
    page.select_option("#new-campaign select[name=hotel]", "HKG01")
    page.fill("#new-campaign input[name=subject_zh]", "{{ name }}，您好")
    page.fill("#new-campaign textarea[name=body_zh]", "尊敬的{{ name }}：圣诞快乐。")
    page.fill("#new-campaign input[name=subject_en]", "Hello {{ name }}")
    page.fill("#new-campaign textarea[name=body_en]", "Dear {{ name }}")
    page.click("#new-campaign button")
    expect(page.locator("h1")).to_have_text("圣诞预告")
    cid = int(page.url.rsplit("/", 1)[1])
    status = page.locator("#campaign-status")
    expect(status).to_have_attribute("data-status", "draft")
    expect(page.locator("#scheduled-for")).to_have_count(0)
    # typed in the hotel's time zone (Hong Kong, UTC+8), stored in UTC, shown as typed
    hk = ZoneInfo("Asia/Hong_Kong")
    when = (datetime.now(hk) + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    page.fill("#schedule-form input[name=at]", when.strftime("%Y-%m-%dT%H:%M"))
    expect(page.locator("#schedule-form")).to_contain_text("Asia/Hong_Kong")
    page.click("#schedule-form button")
    expect(status).to_have_attribute("data-status", "scheduled")
    expect(status).to_have_text("已定时")
    shown = page.locator("#scheduled-for time")
    expect(shown).to_have_text(when.strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("#scheduled-for")).to_contain_text("Asia/Hong_Kong")
    expect(page.locator("#schedule-form input[name=at]")).to_have_value(when.strftime("%Y-%m-%dT%H:%M"))

    def stored() -> datetime | None:
        s.expire_all()
        at = s.scalar(select(Campaign.scheduled_at).where(Campaign.id == cid))
        return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at

    assert stored() == when.astimezone(UTC)  # 09:30 in Hong Kong is 01:30 UTC
    # the list shows it as scheduled
    page.goto(f"{live.base_url}/campaigns")
    expect(page.locator(f"#campaigns tr[data-campaign='{cid}'] td").nth(2)).to_have_text("已定时")
    # moved to the next day
    page.click(f"#campaigns tr[data-campaign='{cid}'] a")
    later = when + timedelta(days=1, hours=2)
    page.fill("#schedule-form input[name=at]", later.strftime("%Y-%m-%dT%H:%M"))
    page.click("#schedule-form button")
    expect(shown).to_have_text(later.strftime("%Y-%m-%d %H:%M"))
    assert stored() == later.astimezone(UTC)
    # unscheduled: a plain draft again, nothing queued
    page.click("#unschedule-form button")
    expect(status).to_have_attribute("data-status", "draft")
    expect(status).to_have_text("草稿")
    expect(page.locator("#scheduled-for")).to_have_count(0)
    expect(page.locator("#unschedule-form")).to_have_count(0)
    expect(page.locator("#schedule-form input[name=at]")).to_have_value("")
    assert stored() is None
    assert s.scalar(select(func.count()).where(CampaignMessage.campaign_id == cid)) == 0
    page.goto(f"{live.base_url}/campaigns")
    expect(page.locator(f"#campaigns tr[data-campaign='{cid}'] td").nth(2)).to_have_text("草稿")
