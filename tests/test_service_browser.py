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
