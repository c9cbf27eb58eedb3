"""DG-01 for compliance staff: the retention page shows the schedule, what would go now and the last
runs; a period can be changed and the schedule applied, in a real browser and over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import audit, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import Interaction, RecipientKind
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay


def _seed(s: Session) -> None:
    g = make_guest(s)
    make_stay(s, "SHA01", g)  # a recent stay (2026-10): the guest stays
    now = datetime.now(UTC)
    for age in (40, 400, 1500):  # days; only the last is past the default three years
        s.add(
            Interaction(
                guest_id=g.id,
                channel="phone",
                direction="inbound",
                kind="call",
                occurred_at=now - timedelta(days=age),
            )
        )
    privacy.save_recipient(
        s,
        code="crm-sg",
        name="CRM",
        kind=RecipientKind.EXPORT_DESTINATION,
        country="SG",
        route=None,
        route_reference=None,
        actor_id=None,
    )
    s.commit()


@pytest.mark.browser
def test_compliance_sees_what_would_go_changes_a_period_and_applies(
    page: Page, live: LiveServer, demo_group: Session
) -> None:
    _seed(demo_group)
    page.goto(f"{live.base_url}/privacy")
    page.click("#retention-link")
    row = page.locator('#schedule tr[data-category="interaction"]')
    expect(row.locator("td.due")).to_have_text("1")
    expect(page.locator('#recipients tr[data-recipient="crm-sg"]')).to_contain_text(
        "无出境路径：禁止"
    )  # zh-CN by default
    expect(page.locator("#runs td.empty")).to_be_visible()
    row.locator("input[name=days]").fill("365")
    row.locator("input[name=note]").fill("group policy 2026")
    row.locator("button").click()
    expect(row.locator("td.period")).to_contain_text("365 天")
    expect(row.locator("td.due")).to_have_text("2")
    page.click("#run button")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    expect(page.locator("#runs td.run-total")).to_have_text("2")
    expect(row.locator("td.due")).to_have_text("0")
    demo_group.expire_all()
    assert demo_group.scalar(select(func.count()).select_from(Interaction)) == 1
    events = audit.search_events(
        demo_group, action="guest.retention", paging=PageRequest(page=1, size=5)
    ).items
    assert len(events) == 1 and events[0].event.details["interactions_deleted"] == 2


def test_only_group_wide_compliance_staff_may_use_it(live: LiveServer, demo_group: Session) -> None:
    _seed(demo_group)
    sha = hotel(demo_group, "SHA01").id
    with live.client(role="front_desk") as c:
        assert c.get("/privacy/retention").status_code == 403
        assert c.post("/privacy/retention/run").status_code == 403
    with live.client(role="compliance_officer", scope=DataScope.hotels(sha)) as c:
        assert c.get("/privacy/retention").status_code == 403
        assert c.post("/privacy/retention/run").status_code == 403
    with live.client(role="compliance_officer", scope=DataScope.group()) as c:
        page = c.get("/privacy/retention")
        assert page.status_code == 200 and 'data-category="unresolved_record"' in page.text
        bad = c.post("/privacy/retention/rules", data={"category": "interaction", "days": "soon"})
        assert bad.status_code == 400 and "not a number of days" in bad.text
    assert demo_group.scalar(select(func.count()).select_from(Interaction)) == 3  # nothing was applied
