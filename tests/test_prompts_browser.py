"""The prompts page in a real browser: a hotel's day by department, one prompt ticked off with HTMX
(the row changes in place, no reload), and it stays ticked off after a reload; a rule for one hotel
added on the rules page, which then prompts that hotel's arrival and not another hotel's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import prompts
from guestgraph.db.models import PromptRule, ServicePrompt, StayStatus
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_preference, make_stay

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


def test_adding_a_rule_for_one_hotel(page: Page, live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    prompts.ensure_default_rules(s)
    for code in ("SHA01", "HGH01"):
        guest = make_guest(s)
        make_preference(s, guest, "pet", "travels with a parrot")
        make_preference(s, guest, "allergy", "peanuts")  # shows generation ran
        make_stay(s, code, guest, arrival=DAY, status=StayStatus.BOOKED)
    s.commit()
    page.goto(f"{live.base_url}/prompts/rules")
    form = page.locator("#new-rule")
    expect(form.locator('select[name="hotel"] option[value=""]')).to_have_count(1)  # group scope: all hotels
    form.locator('input[name="code"]').fill("parrot_perch")
    form.locator('input[name="name_zh"]').fill("鹦鹉架")
    form.locator('input[name="name_en"]').fill("Parrot perch")
    form.locator('select[name="hotel"]').select_option("SHA01")
    form.locator('select[name="department"]').select_option("housekeeping")
    form.locator('textarea[name="condition"]').fill('{"type": "mentions", "words": ["parrot"]}')
    form.locator('button[type="submit"]').click()
    row = page.locator('#prompt-rules tr[data-rule="parrot_perch"]')
    expect(row.locator(".rule-hotel")).to_have_text("SHA01")
    expect(page.locator('#prompt-rules tr[data-rule="pet_bed"] .rule-hotel')).to_have_text("全部酒店")
    s.expire_all()
    assert (
        s.scalar(select(PromptRule.hotel_id).where(PromptRule.code == "parrot_perch")) == hotel(s, "SHA01").id
    )

    for code, expected in (("SHA01", 1), ("HGH01", 0)):
        page.goto(f"{live.base_url}/prompts?hotel={code}&date={DAY}")
        page.locator("#prompts-generate button").click()
        expect(page.locator('tr[data-rule="allergy_notice"]')).to_have_count(1)
        expect(page.locator('tr[data-rule="parrot_perch"]')).to_have_count(expected)
