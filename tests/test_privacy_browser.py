"""The consent panel on the guest profile, in a real browser: record, see it in force, withdraw all."""

from __future__ import annotations

import pytest
from playwright.sync_api import LocatorAssertions, Page, expect
from sqlalchemy.orm import Session

from tests.conftest import LiveServer
from tests.factories import make_guest

pytestmark = pytest.mark.browser


def test_record_and_withdraw_consent_on_the_profile(
    page: Page,
    live: LiveServer,
    demo_group: Session,
) -> None:
    guest = make_guest(demo_group, full_name="欧阳娜娜")
    demo_group.commit()
    page.goto(f"{live.base_url}/guests/{guest.public_id}")

    def decision(topic: str) -> LocatorAssertions:
        return expect(page.locator(f'tr[data-topic="{topic}"] td[data-decision]'))

    decision("marketing:email").to_have_attribute("data-decision", "unknown")
    page.select_option("#consent-form select[name=topic]", "marketing:email")
    page.fill("#consent-form input[name=evidence]", "signed registration card")
    page.click("#consent-form button")
    decision("marketing:email").to_have_attribute("data-decision", "granted")
    decision("marketing:sms").to_have_attribute("data-decision", "unknown")
    page.click("#withdraw-all button")
    decision("marketing:email").to_have_attribute("data-decision", "withdrawn")
    expect(page.locator("#consent-history tbody tr")).to_have_count(2)
