"""The campaign pages in a real browser: create, preview with a guest, send, see the results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.db.models import ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import Collector, smtp_peer

pytestmark = pytest.mark.browser


@pytest.fixture
def peer(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        yield collector


def test_create_preview_and_send_a_campaign(
    page: Page,
    live: LiveServer,
    demo_group: Session,
    peer: Collector,
) -> None:
    guest, unknown = make_guest(demo_group, gender="F"), make_guest(demo_group)
    make_stay(demo_group, "SHA01", guest, unknown, arrival=date(2026, 9, 1))
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    privacy.record_consent(demo_group, guest_id=guest.id, entry=entry, recorded_by_id=None, now=yesterday)
    demo_group.commit()
    page.goto(f"{live.base_url}/campaigns")
    page.fill("#new-campaign input[name=name]", "国庆回馈")
    page.select_option("#new-campaign select[name=hotel]", "SHA01")
    page.fill("#new-campaign input[name=subject_zh]", "{{ name }}，您好")
    page.fill("#new-campaign textarea[name=body_zh]", "尊敬的{{ name }}：欢迎再次光临{{ hotel }}。")
    page.fill("#new-campaign input[name=subject_en]", "Hello {{ name }}")
    page.fill("#new-campaign textarea[name=body_en]", "Dear {{ name }}")
    page.click("#new-campaign button")
    expect(page.locator("h1")).to_have_text("国庆回馈")
    page.fill("#preview-form input[name=guest]", guest.public_id)
    page.click("#preview-form button")
    expect(page.locator("#preview-subject")).to_have_text("王女士，您好")
    page.click("#send-form button")
    for _ in range(50):
        if page.locator('tr[data-status="sent"] td').nth(1).inner_text() == "1":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator('tr[data-status="sent"] td').nth(1)).to_have_text("1")
    expect(page.locator('tr[data-reason="no consent recorded"] td').nth(1)).to_have_text("1")
    assert peer.recipients() == [guest.email]
