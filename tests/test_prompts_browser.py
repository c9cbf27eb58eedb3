"""The prompts page in a real browser: a hotel's day by department, one prompt ticked off with HTMX
(the row changes in place, no reload), and it stays ticked off after a reload."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import prompts
from guestgraph.db.models import ServicePrompt, StayStatus
from tests.conftest import LiveServer
from tests.factories import make_guest, make_preference, make_stay

pytestmark = pytest.mark.browser
DAY = date(2026, 12, 10)


def test_ticking_a_prompt_off(page: Page, live: LiveServer, demo_group: Session) -> None:
    prompts.ensure_default_rules(demo_group)
    guest = make_guest(demo_group)
    make_preference(demo_group, guest, "allergy", "sesame")
    make_stay(demo_group, "SHA01", guest, arrival=DAY, status=StayStatus.BOOKED, children=2)
    prompts.generate(demo_group, first=DAY, now=datetime.now(UTC))
    demo_group.commit()
    allergy = demo_group.scalar(select(ServicePrompt.id).where(ServicePrompt.reason_kind == "allergy"))
    page.goto(f"{live.base_url}/prompts?hotel=SHA01&date={DAY}")
    expect(page.locator("section.department")).to_have_count(2)
    row = page.locator(f'tr[data-prompt="{allergy}"]')
    expect(row.locator(".reason")).to_have_text("过敏：sesame")  # zh-CN is the default UI language
    row.locator('button[data-action="done"]').click()
    expect(row).to_have_attribute("data-status", "done")
    expect(page.locator('#dept-housekeeping tr[data-status="open"]')).to_have_count(1)
    page.reload()
    expect(page.locator(f'tr[data-prompt="{allergy}"]')).to_have_attribute("data-status", "done")
