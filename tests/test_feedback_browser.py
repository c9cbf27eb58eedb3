"""The guest's survey page in a real browser at a phone-sized viewport: no sideways scrolling,
thumb-sized choices, answered with taps, and the link then says it was answered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import ConsentDecision, Hotel, Survey
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import smtp_peer

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}


def _survey_link(session: Session, live: LiveServer) -> str:
    code = session.scalars(select(Hotel.code).order_by(Hotel.code)).first()
    assert code is not None
    guest = make_guest(
        session, email="phone@example.com", language="en", nationality="GB", full_name="Amy Lo"
    )
    make_stay(session, code, guest, departure=datetime.now(UTC).date())
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        session,
        guest_id=guest.id,
        entry=entry,
        recorded_by_id=None,
        now=datetime.now(UTC) - timedelta(days=1),
    )
    session.commit()
    with smtp_peer() as (collector, port):
        smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
        policy = feedback.SurveyPolicy(
            engage.EngagePolicy(smtp, 5, timedelta(days=7), live.base_url, b"k" * 32), timedelta(days=30)
        )
        feedback.send_surveys(
            session, scope=DataScope.group(), since=datetime.now(UTC).date() - timedelta(days=1),
            policy=policy, clock=lambda: datetime.now(UTC),
        )  # fmt: skip
        [mail] = collector.received
    found = re.search(r"(http://\S+/s/\S+)", mail.text())
    assert found
    return found.group(1)


def test_the_survey_page_on_a_phone(anonymous_page: Page, live: LiveServer, demo_group: Session) -> None:
    link = _survey_link(demo_group, live)
    page = anonymous_page
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("How was your stay?")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    choices = page.locator("#survey-form .scale label")
    expect(choices).to_have_count(11 + 5)
    for n in range(16):
        box = choices.nth(n).bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    submit = page.locator("#survey-form button").bounding_box()
    assert submit is not None and submit["width"] >= 0.8 * PHONE["width"] - 40
    page.click("label:has(input[name=nps][value='8'])")
    page.click("label:has(input[name=csat][value='4'])")
    page.fill("#comment", "Lovely breakfast, thank you")
    page.click("#survey-form button")
    expect(page.locator("#survey")).to_have_attribute("data-state", "thanks")
    demo_group.expire_all()
    answered = demo_group.scalars(select(Survey)).one()
    assert (answered.nps, answered.csat, answered.sentiment, answered.topic) == (8, 4, "praise", "fnb")
    page.goto(link)
    expect(page.locator("#survey")).to_have_attribute("data-state", "answered")


def test_the_self_service_page_on_a_phone(
    anonymous_page: Page, live: LiveServer, demo_group: Session
) -> None:
    from guestgraph import selfservice

    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.code)).first()
    assert code is not None
    guest = make_guest(demo_group)
    issued = selfservice.issue_link(
        demo_group, scope=DataScope.group(), guest_public_id=guest.public_id, hotel_code=code,
        base_url=live.base_url, valid_for=timedelta(days=1), actor_id=None, now=datetime.now(UTC),
    )  # fmt: skip
    demo_group.commit()
    page = anonymous_page
    page.set_viewport_size(PHONE)
    page.goto(issued.url + "?lang=en")
    expect(page.locator("h1")).to_have_text("How can we help?")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    choice = page.locator("label:has(input[name=kind][value=repair])")
    box = choice.bounding_box()
    assert box is not None and box["height"] >= 44
    choice.click()
    page.fill("#request-text", "The desk lamp flickers")
    page.click("#request-form button")
    expect(page.locator("#request-filed")).to_be_visible()
    expect(page.locator("#requests li[data-status=received]")).to_contain_text("The desk lamp flickers")
