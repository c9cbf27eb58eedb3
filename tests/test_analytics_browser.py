"""Building a segment and viewing the dashboard in a real browser (Debian's Chromium)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.conftest import LiveServer
from tests.test_analytics_web import _seed

pytestmark = pytest.mark.browser


def test_build_a_segment_with_a_live_count_then_save_it(
    page: Page,
    live: LiveServer,
    demo_group: Session,
) -> None:
    _seed(live, demo_group)
    page.goto(live.base_url + "/segments?lang=en")
    expect(page.locator("#segment-count")).to_have_text("5")  # no condition: every guest with metrics
    page.check("input[name=stage][value=at_risk]")
    expect(page.locator("#segment-count")).to_have_text("1")
    expect(page.locator("#segment-guests")).to_contain_text("王*明")
    page.fill("#segment-name", "At risk")
    page.click("#save-segment")
    expect(page.locator("h1")).to_have_text("At risk")
    expect(page.locator("#segment-count")).to_have_text("1")


def test_dashboard_shows_figures_and_bars(page: Page, live: LiveServer, demo_group: Session) -> None:
    _seed(live, demo_group)
    page.goto(live.base_url + "/reports?lang=en")
    expect(page.locator("#churn-count")).to_have_text("1")
    expect(page.locator("#lifecycle meter")).to_have_count(4)
    page.fill("input[name=since]", (date.today() - timedelta(days=200)).isoformat())
    page.select_option("#dashboard-hotel", "SHA01")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#fig-stays td").first).to_have_text("2")  # the big spender's two stays at SHA01
    expect(page.locator("#fig-stays td").nth(1)).to_have_text("1")  # and one in the 200 days before
    expect(page.locator("#dashboard-hotel")).to_have_value("SHA01")
    page.click("a[href='/reports/churn']")
    expect(page.locator("#churn-list")).to_contain_text("60")
    expect(page.locator("#churn-list a")).to_have_count(1)


def test_set_and_clear_a_guest_field_on_the_profile(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    ids = _seed(live, demo_group)
    page.goto(f"{live.base_url}/guests/{ids['regular']}?lang=en")
    expect(page.locator("#fields li.empty")).to_have_count(1)
    page.fill("#field-form input[name=name]", "survey_followup")
    page.fill("#field-form input[name=value]", "call_back")
    page.click("#field-form button[type=submit]")
    expect(page.locator("#fields [data-field=survey_followup]")).to_contain_text("call_back")
    page.fill("#field-form input[name=name]", "survey_followup")
    page.click("#field-form button[type=submit]")  # an empty value clears the field
    expect(page.locator("#fields [data-field]")).to_have_count(0)
    expect(page.locator("#fields li.empty")).to_have_count(1)
