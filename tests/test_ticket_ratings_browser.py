"""Rating a resolved request in a real browser at a phone-sized viewport: the e-mailed link's page
(no sideways scrolling, thumb-sized choices, answered with taps; a 2 reopens the request), then the
same request resolved again and rated from the guest's self-service page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback, selfservice, service
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, ServiceTicket, TicketRating
from tests.conftest import LiveServer
from tests.factories import make_guest
from tests.smtp_peer import smtp_peer

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}
GROUP = DataScope.group()


def _resolve(session: Session, ticket_id: int) -> None:
    service.change_status(
        session, scope=GROUP, ticket_id=ticket_id, to="resolved", actor_id=None, now=datetime.now(UTC)
    )
    session.commit()


def _fits(page: Page, choices: str, count: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    labels = page.locator(choices)
    expect(labels).to_have_count(count)
    for n in range(count):
        box = labels.nth(n).bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]


def test_rating_a_resolved_request_on_a_phone(
    anonymous_page: Page, live: LiveServer, demo_group: Session
) -> None:
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.code)).first()
    assert code is not None
    guest = make_guest(
        demo_group, email="phone@example.com", language="en", nationality="GB", full_name="Amy Lo"
    )
    now = datetime.now(UTC)
    issued = selfservice.issue_link(
        demo_group, scope=GROUP, guest_public_id=guest.public_id, hotel_code=code, base_url=live.base_url,
        valid_for=timedelta(days=1), actor_id=None, now=now,
    )  # fmt: skip
    ticket_id = selfservice.file_request(
        demo_group, issued.token, kind="towels", text="Two bath towels", now=now, default_hours="00:00-24:00"
    )
    _resolve(demo_group, ticket_id)
    with smtp_peer() as (collector, port):
        smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
        policy = feedback.RatingPolicy(
            engage.EngagePolicy(smtp, 5, timedelta(days=7), live.base_url, b"k" * 32)
        )
        feedback.send_rating_links(demo_group, policy=policy, clock=lambda: datetime.now(UTC))
        [mail] = collector.received
    found = re.search(r"(http://\S+/t/\S+)", mail.text())
    assert found
    page = anonymous_page
    page.set_viewport_size(PHONE)
    page.goto(found.group(1))
    expect(page.locator("h1")).to_have_text("How did we do?")
    expect(page.locator("#rating-question")).to_contain_text("towels")
    _fits(page, "#rating-form .scale label", 5)
    submit = page.locator("#rating-form button").bounding_box()
    assert submit is not None and submit["width"] >= 0.8 * PHONE["width"] - 40
    page.click("label:has(input[name=score][value='2'])")
    page.fill("#rating-comment", "Only one towel came")
    page.click("#rating-form button")
    expect(page.locator("#rating")).to_have_attribute("data-state", "thanks")
    expect(page.locator("#rating-done")).to_contain_text("taken your request up again")
    demo_group.expire_all()
    assert demo_group.get_one(ServiceTicket, ticket_id).status == "open"

    _resolve(demo_group, ticket_id)
    page.goto(issued.url + "?lang=en")
    rate = page.locator("#requests a.rate")
    expect(rate).to_have_text("Rate how we did")
    rate.click()
    expect(page.locator("#rating")).to_have_attribute("data-state", "open")
    _fits(page, "#rating-form .scale label", 5)
    page.click("label:has(input[name=score][value='5'])")
    page.click("#rating-form button")
    expect(page.locator("#rating")).to_have_attribute("data-state", "thanks")
    page.click("#back-to-requests")
    expect(page.locator("#requests li[data-status=done] .rated")).to_have_text("You rated it 5/5")
    demo_group.expire_all()
    scores = demo_group.scalars(select(TicketRating.score).order_by(TicketRating.id)).all()
    assert scores == [2, 5] and demo_group.get_one(ServiceTicket, ticket_id).status == "resolved"
