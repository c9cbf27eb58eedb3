"""Guest self-service over real HTTP on both databases: staff issue a guest's link, the guest files
a request on the public page (it becomes a ticket) and follows its status as the agent works it;
a link shows only the requests filed through it, forged links are 404, and open requests are capped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import service
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, ServiceTicket
from tests.auth_helpers import browser_like, csrf_of
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay


def _file(c, url: str, kind: str, text: str = ""):  # type: ignore[no-untyped-def]
    page = c.get(url)
    return c.post(url, data={"csrf_token": csrf_of(page.text), "kind": kind, "text": text})


def test_a_guest_files_and_follows_a_request_by_their_link(live: LiveServer, demo_group: Session) -> None:
    a, b = list(demo_group.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    mine = make_guest(demo_group, full_name="周杰", email="zhou@example.com")
    other = make_guest(demo_group, full_name="吴敏", email="wu@example.com")
    for g in (mine, other):
        make_stay(demo_group, a, g, departure=datetime.now(UTC).date())
    demo_group.commit()
    with live.client(role="service_agent", scope=scope_a) as agent:
        issued = agent.post(f"/api/v1/guests/{mine.public_id}/self-service-links", json={"hotel_code": a})
        assert issued.status_code == 201, issued.text
        url = issued.json()["url"].replace(live.settings.public_base_url.rstrip("/"), live.base_url)
        other_url = (
            agent.post(f"/api/v1/guests/{other.public_id}/self-service-links", json={"hotel_code": a})
            .json()["url"]
            .replace(live.settings.public_base_url.rstrip("/"), live.base_url)
        )
        refused = agent.post(f"/api/v1/guests/{mine.public_id}/self-service-links", json={"hotel_code": b})
        assert refused.status_code == 404  # hotel b is outside the agent's scope
    with browser_like(live) as phone:
        page = phone.get(url + "?lang=en")
        assert page.status_code == 200 and 'data-state="ok"' in page.text and "No requests yet." in page.text
        assert "周杰" not in page.text and "zhou@" not in page.text and mine.public_id not in page.text
        filed = _file(phone, url + "?lang=en", "towels", "Two bath towels please")
        assert filed.status_code == 200 and 'id="request-filed"' in filed.text
        assert (
            '<li data-status="received"><b>towels</b>' in filed.text
            and "Two bath towels please" in filed.text
        )
        theirs = phone.get(other_url)
        assert "Two bath towels please" not in theirs.text and "暂无需求" in theirs.text
        forged = phone.get(url[:-3] + ("xyz" if not url.endswith("xyz") else "abc"))
        assert forged.status_code == 404 and 'data-state="invalid"' in forged.text
    demo_group.expire_all()
    ticket = demo_group.scalars(select(ServiceTicket)).one()
    assert (ticket.guest_id, ticket.category) == (mine.id, "cleaning")
    assert service.ticket_titles(demo_group, [ticket]) == ["Extra towels"]
    with live.client(role="service_agent", scope=scope_a) as agent:
        assert (
            agent.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "in_progress"}).status_code
            == 200
        )
        with browser_like(live) as phone:
            assert 'data-status="in_progress"' in phone.get(url).text
        assert (
            agent.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "resolved"}).status_code == 200
        )
    with browser_like(live) as phone:
        assert 'data-status="done"' in phone.get(url).text
        for n in range(5):
            assert _file(phone, url, "repair", f"lamp {n}").status_code == 200
        busy = _file(phone, url, "other", "one more")
        assert busy.status_code == 429 and 'id="request-busy"' in busy.text
        assert _file(phone, url, "weather").status_code == 400


def test_staff_issue_the_link_with_its_qr_code_from_the_guests_profile(
    live: LiveServer, demo_group: Session
) -> None:
    a = list(demo_group.scalars(select(Hotel.code).order_by(Hotel.code)))[0]
    guest = make_guest(demo_group, full_name="周杰")
    make_stay(demo_group, a, guest)
    demo_group.commit()
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    with live.client(role="service_agent", scope=scope_a) as agent:
        panel = agent.get(f"/service/guests/{guest.public_id}")
        assert 'id="issue-self-service"' in panel.text
        issued = agent.post(f"/service/guests/{guest.public_id}/self-service-link", data={"hotel": a})
        assert issued.status_code == 200 and "<svg" in issued.text
        url = re.search(r'<code id="self-service-url">([^<]+)</code>', issued.text)
        assert url and "/r/" in url.group(1)
    with browser_like(live) as phone:
        page = phone.get(url.group(1).replace(live.settings.public_base_url.rstrip("/"), live.base_url))
        assert page.status_code == 200 and 'data-state="ok"' in page.text
    with live.client(role="front_desk", scope=scope_a) as desk:  # sees the tickets, cannot issue links
        assert 'id="issue-self-service"' not in desk.get(f"/service/guests/{guest.public_id}").text
        assert (
            desk.post(f"/service/guests/{guest.public_id}/self-service-link", data={"hotel": a}).status_code
            == 403
        )
