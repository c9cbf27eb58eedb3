"""The offer pages in a real browser: a marketer creates an offer and gives a guest a coupon from the
offer's page; the front desk checks the typed code and redeems it; the offer's report shows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

pytestmark = pytest.mark.browser


def test_create_an_offer_issue_a_coupon_and_redeem_it_at_the_front_desk(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    today = datetime.now(UTC).date()
    guest = make_guest(demo_group)
    make_stay(demo_group, "SHA01", guest)
    demo_group.commit()
    page.goto(f"{live.base_url}/offers")
    page.fill("#new-offer input[name=name_zh]", "下午茶抵用券")
    page.fill("#new-offer input[name=name_en]", "Afternoon tea credit")
    page.select_option("#new-offer select[name=kind]", "fnb_credit")
    page.fill("#new-offer input[name=value]", "150")
    page.fill("#new-offer input[name=valid_from]", (today - timedelta(days=1)).isoformat())
    page.fill("#new-offer input[name=valid_to]", (today + timedelta(days=30)).isoformat())
    page.select_option("#new-offer select[name=hotels]", ["SHA01"])
    page.click("#new-offer button")
    expect(page.locator("h1")).to_have_text("下午茶抵用券")
    expect(page.locator("#offer-status")).to_have_attribute("data-status", "active")
    offer_url = page.url

    page.fill("#issue-form input[name=guest]", guest.public_id)
    page.click("#issue-form button")
    expect(page.locator("#issued-code")).to_have_text(re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$"))
    code = page.locator("#issued-code").inner_text()

    # the front desk types it as the guest reads it out: lower case, no dash
    page.goto(f"{live.base_url}/offers/redeem")
    page.fill("#redeem-form input[name=code]", code.replace("-", "").lower())
    page.select_option("#redeem-form select[name=hotel]", "SHA01")
    page.click("#redeem-form button[value=check]")
    expect(page.locator("#redeemable")).to_be_visible()
    expect(page.locator("#coupon")).to_have_attribute("data-state", "issued")
    page.fill("#redeem-form input[name=amount]", "368")
    page.select_option("#redeem-form select[name=outlet]", "fnb")
    page.click("#redeem-form button[value=redeem]")
    expect(page.locator("#redeemed")).to_contain_text("368.00 CNY")

    page.goto(offer_url)
    expect(page.locator('#offer-totals tr[data-figure="redeemed"] td')).to_have_text("1")
    expect(page.locator('#offer-totals tr[data-revenue="CNY"] td')).to_have_text("368.00")
    expect(page.locator('#offer-hotels tr[data-hotel="SHA01"] td').nth(1)).to_have_text("1")
