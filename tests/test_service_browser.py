"""Service tickets in a real browser: open a ticket from the board, take it, comment and resolve
it on its page without a reload, and see the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_create_take_comment_and_resolve_a_ticket(
    page: Page,
    live: LiveServer,
    demo_group: Session,
) -> None:
    page.goto(f"{live.base_url}/service?lang=en")
    page.fill("#ticket-title", "Air conditioning rattles")
    page.select_option("#ticket-category", "noise")
    page.select_option("#ticket-priority", "urgent")
    page.click("#new-ticket button")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "open")
    page.click("#take")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "assigned")
    page.fill("#comment-text", "Engineer sent")
    page.click("#ticket form:has(#comment-text) button")
    expect(page.locator("#history li[data-kind=comment]")).to_contain_text("Engineer sent")
    page.click("[data-move=resolved]")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#history li")).to_have_count(4)
    page.click("#back-to-board")
    expect(page.locator("#sla tr[data-category=noise]")).to_contain_text("1")


PHONE = {"width": 390, "height": 844}


def _fits(page: Page) -> None:
    """Nothing scrolls sideways: neither the page nor its main column (which would scroll a wide table
    inside itself) is wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width}px wide"
    inner = page.evaluate(
        "document.querySelector('main').scrollWidth - document.querySelector('main').clientWidth"
    )
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className)"
    )
    assert inner <= 0, f"the main column scrolls {inner}px sideways: {wide}"


def _tap_target(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"], box


def test_the_board_on_a_phone_take_and_resolve_in_one_tap_each(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from guestgraph import service
    from guestgraph.access import DataScope
    from guestgraph.db.models import Hotel, ServiceTicket

    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.code)).first()
    spec = service.NewTicket(
        "Shower drains slowly in the corner room on the twelfth floor, guest asked twice",
        "room",
        "high",
        code,
    )
    made = service.create_ticket(
        demo_group, scope=DataScope.group(), ticket=spec, actor_id=None, now=datetime.now(UTC),
        default_hours="00:00-24:00",
    )  # fmt: skip
    demo_group.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live.base_url}/service?lang=en")
    row = page.locator(f"#tickets tr[data-ticket='{made.id}']")
    expect(row).to_have_attribute("data-status", "open")
    _fits(page)
    _tap_target(page, f"#tickets tr[data-ticket='{made.id}'] [data-action=take]")
    _tap_target(page, f"#tickets tr[data-ticket='{made.id}'] [data-action=resolve]")
    _tap_target(page, f"#tickets tr[data-ticket='{made.id}'] [data-action=comment]")
    row.locator("[data-action=take]").click()
    expect(row).to_have_attribute("data-status", "assigned")
    expect(row.locator(".assignee")).not_to_have_text("–")
    row.locator("[data-action=resolve]").click()
    expect(row).to_have_attribute("data-status", "resolved")
    expect(row.locator("[data-action=take]")).to_have_count(0)
    _fits(page)
    demo_group.expire_all()
    stored = demo_group.get_one(ServiceTicket, made.id)
    assert stored.status == "resolved" and stored.assignee_id is not None
    # the comment is one tap away: the ticket page, its comment box, on the phone too
    row.locator("[data-action=comment]").click()
    expect(page.locator("#ticket")).to_have_attribute("data-status", "resolved")
    _fits(page)
    page.fill("#comment-text", "Plumber fixed the drain")
    page.click("#ticket form:has(#comment-text) button")
    expect(page.locator("#history li[data-kind=comment]")).to_contain_text("Plumber fixed the drain")
    _fits(page)


def test_the_ticket_page_on_a_phone_has_take_comment_and_resolve(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from guestgraph import service
    from guestgraph.access import DataScope
    from guestgraph.db.models import Hotel

    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.code)).first()
    spec = service.NewTicket("Minibar not restocked", "fnb", "normal", code, "Guest in 1208 " * 20)
    made = service.create_ticket(
        demo_group, scope=DataScope.group(), ticket=spec, actor_id=None, now=datetime.now(UTC),
        default_hours="00:00-24:00",
    )  # fmt: skip
    demo_group.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live.base_url}/service/tickets/{made.id}?lang=en")
    _fits(page)
    for selector in ("#take", "[data-move=resolved]", "#ticket form:has(#comment-text) button"):
        _tap_target(page, selector)
    page.click("#take")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "assigned")
    page.click("[data-move=resolved]")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "resolved")
    _fits(page)


def test_the_arrivals_list_on_a_phone_does_not_scroll_sideways(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from guestgraph.db.models import Hotel, StayStatus
    from tests.factories import make_guest, make_preference, make_stay, without_pms_feed

    first = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert first is not None
    code, today = first.code, datetime.now(ZoneInfo(first.timezone)).date()
    for n in range(3):
        guest = make_guest(
            demo_group, full_name="Maximilian Alexander Featherstonehaugh-Smythe", vip_level="VIP1"
        )
        make_preference(demo_group, guest, "room", "High floor, far from the lift, extra pillows")
        make_stay(
            demo_group, code, guest, arrival=today, status=StayStatus.BOOKED,
            confirmation_number=f"PHONE-CONFIRMATION-{n:04d}", room_type="Deluxe King Executive Club",
        )  # fmt: skip
    without_pms_feed(demo_group, code)
    demo_group.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live.base_url}/arrivals?hotel={code}&lang=en")
    expect(page.locator("#arrivals tr[data-conf]")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _fits(page)
    _tap_target(page, "#arrivals tr[data-conf='PHONE-CONFIRMATION-0000'] summary[data-op=check-in]")
    page.locator("#arrivals tr[data-conf='PHONE-CONFIRMATION-0000'] summary[data-op=check-in]").click()
    expect(page.locator("#arrivals tr[data-conf='PHONE-CONFIRMATION-0000'] form.check-in")).to_be_visible()
    _fits(page)
