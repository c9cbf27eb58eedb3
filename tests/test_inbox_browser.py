"""The inbox in a real browser on a phone-sized screen: a guest's SMS arrives, the agent opens it,
fills a reply template (HTMX) and sends it, and turns the conversation into a ticket; nothing
scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlalchemy.orm import Session

from guestgraph import inbox
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.gateway_peer import GatewayPeer, gateway_peer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sms_gateway(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewayPeer]:
    with gateway_peer("browser-secret") as peer:
        monkeypatch.setattr(live.settings, "gateway_secret", SecretStr("browser-secret"))
        monkeypatch.setattr(live.settings, "sms_gateway_url", peer.url)
        yield peer


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_reply_with_a_template_and_make_a_ticket_on_a_phone(
    page: Page, live: LiveServer, demo_group: Session, sms_gateway: GatewayPeer
) -> None:
    peer = sms_gateway
    guest = make_guest(
        demo_group, phone="+8613844445555", full_name="Amy Lo", family_name="Lo", gender="F", language="en"
    )
    make_stay(demo_group, "SHA01", guest)
    message = inbox.Inbound(
        "sms", "SHA01", "+8613844445555", "Could we get a late check-out tomorrow?", "b-1", datetime.now(UTC)
    )
    got = inbox.receive(demo_group, message, default_hours="00:00-24:00")
    demo_group.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live.base_url}/inbox?lang=en")
    row = page.locator(f"li[data-conversation='{got.conversation_id}']")
    expect(row).to_contain_text("+86138****5555")
    _no_sideways_scroll(page)
    row.locator("a").click()
    expect(page.locator("#messages li.message.in")).to_contain_text("late check-out tomorrow")
    page.select_option("#reply-template", "late_checkout")
    expect(page.locator("#reply-text")).to_contain_text("Dear Ms Lo")
    _no_sideways_scroll(page)
    page.click("#reply button")
    expect(page.locator("#messages li.message.out")).to_contain_text("late check-out for you until 2 pm")
    assert [m["to"] for m in peer.received] == ["+8613844445555"]
    page.click("#make-ticket button")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "open")
    _no_sideways_scroll(page)
