"""A report in a real browser (Debian's Chromium): open it from the Reports page, change the dates,
and download the Excel file."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.conftest import LiveServer
from tests.report_fixture import SINCE, UNTIL, seed

pytestmark = pytest.mark.browser


def test_open_a_report_and_export_it(page: Page, live: LiveServer, demo_group: Session) -> None:
    seed(demo_group)
    page.goto(live.base_url + "/reports")  # zh-CN, the default
    page.click("#report-list a[href='/reports/channels']")
    expect(page.locator("h1")).to_have_text("渠道贡献")
    page.fill("input[name=since]", SINCE.isoformat())
    page.fill("input[name=until]", UNTIL.isoformat())
    page.click("#report-filters button")
    expect(page.locator("#section-groups tbody tr")).to_have_count(3)
    expect(page.locator("#section-groups")).to_contain_text("2,200.00")
    expect(page.locator("#section-groups meter")).to_have_count(3)
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = download.value.path()
    cells = list(openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    assert cells[1][0] == "渠道贡献"
    ota = next(row for row in cells if row[0] == "OTA")
    assert ota[:3] == ("OTA", 2, 4)  # stays and nights of the whole group in October
