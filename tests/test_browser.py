"""A real browser (Debian's Chromium through Playwright) on the real app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from guestgraph import org
from tests.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium (apt-get install chromium).", pytrace=False
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def test_home_page_loads_in_chinese_and_switches_to_english(
    page: Page, live: LiveServer, group_spec: org.GroupSpec
) -> None:
    page.goto(live.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("概览")
    expect(page.locator("#hotel-count")).to_have_text(str(len(group_spec.hotels)))
    expect(page.locator("#hotels")).to_contain_text(group_spec.hotels[0].name_zh)

    page.click("[data-locale=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("#hotels")).to_contain_text(group_spec.hotels[0].name_en)

    page.click("[data-nav=hotels]")
    expect(page).to_have_url(live.base_url + "/hotels")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.click("[data-locale=zh_CN]")
    expect(page.locator("h1")).to_have_text("酒店")


def test_guest_list_filters_by_hotel_without_a_full_reload(
    page: Page, live: LiveServer, group_spec: org.GroupSpec
) -> None:
    page.goto(live.base_url + "/guests")
    expect(page.locator("#guest-total")).to_contain_text("0")
    page.select_option("select[name=hotel]", group_spec.hotels[1].code)
    expect(page).to_have_url(re.compile(rf"/guests\?(q=&)?hotel={group_spec.hotels[1].code}$"))
    assert page.locator("#guest-list").count() == 1


def test_search_as_you_type_then_open_the_profile(page: Page, live: LiveServer, demo_group) -> None:
    from tests.factories import make_guest, make_mention

    guest = make_guest(demo_group, full_name="欧阳娜娜", phone="+8613812345678")
    make_guest(demo_group, full_name="王小明")
    make_mention(demo_group, guest, name_key="ouyangnana", name_simplified="欧阳娜娜", phone="+8613812345678")
    demo_group.commit()
    page.goto(live.base_url + "/guests")
    page.fill("#guest-search", "ouyang na")
    expect(page.locator("#guests tbody tr")).to_have_count(1)
    expect(page.locator("#guests")).to_contain_text("欧**娜")
    page.fill("#guest-search", "5678")
    expect(page.locator("#guests")).to_contain_text(guest.public_id)
    page.click(f"text={guest.public_id}")
    expect(page).to_have_url(f"{live.base_url}/guests/{guest.public_id}")
    expect(page.locator("h1")).to_contain_text("欧**娜")
