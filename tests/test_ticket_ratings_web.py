"""Rating a resolved ticket over real HTTP on both databases: the agent resolves a guest's self-service
request through the API, the guest gets the link by e-mail (aiosmtpd) and rates on the public page
(CSRF, one answer, forged links 404), a low score reopens the ticket; the rating is in the ticket's
JSON and page, the guest's profile and the SLA dashboard; the self-service page offers the same rating
once the request is done again; another hotel's agent sees nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, ServiceTicket
from tests.auth_helpers import browser_like, csrf_of
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import smtp_peer

EVIL = "<img src=x onerror=alert(1)> still broken"


def _send_links(session: Session, live: LiveServer) -> str:
    """Run the rating sender against a real SMTP peer; the one link it mailed."""
    with smtp_peer() as (collector, port):
        smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
        policy = feedback.RatingPolicy(
            engage.EngagePolicy(smtp, 5, timedelta(days=7), live.base_url, b"k" * 32)
        )
        report = feedback.send_rating_links(session, policy=policy, clock=lambda: datetime.now(UTC))
        assert report.sent == 1, report
        [mail] = collector.received
    found = re.search(r"(http://\S+/t/[A-Za-z0-9_-]+\?lang=zh_CN)", mail.text())
    assert found, mail.text()
    return found.group(1)


def test_the_guest_rates_a_resolved_request_and_a_low_score_reopens_it(
    live: LiveServer, demo_group: Session
) -> None:
    a, b = list(demo_group.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    guest = make_guest(demo_group, full_name="周杰", email="zhou@example.com")
    make_stay(demo_group, a, guest, departure=datetime.now(UTC).date())
    demo_group.commit()
    with live.client(role="service_agent", scope=scope_a) as agent:
        issued = agent.post(f"/api/v1/guests/{guest.public_id}/self-service-links", json={"hotel_code": a})
        self_url = issued.json()["url"].replace(live.settings.public_base_url.rstrip("/"), live.base_url)
        with browser_like(live) as phone:
            page = phone.get(self_url)
            filed = phone.post(
                self_url, data={"csrf_token": csrf_of(page.text), "kind": "repair", "text": "Lamp"}
            )
            assert filed.status_code == 200
        ticket_id = demo_group.scalars(select(ServiceTicket.id)).one()
        assert (
            agent.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": "resolved"}).status_code == 200
        )
        waiting = agent.get(f"/api/v1/tickets/{ticket_id}").json()["ratings"]
        assert [(r["state"], r["sent_at"], r["score"]) for r in waiting] == [("waiting", None, None)]

    demo_group.expire_all()
    link = _send_links(demo_group, live)
    with browser_like(live) as phone:
        form = phone.get(link)
        assert form.status_code == 200 and 'data-state="open"' in form.text
        assert "您对我们处理「报修」的方式满意吗？" in form.text  # zh-CN by default
        assert "周杰" not in form.text and "zhou@" not in form.text and guest.public_id not in form.text
        assert phone.post(link, data={"score": "2"}).status_code == 403  # no anti-forgery token
        token = csrf_of(form.text)
        done = phone.post(link, data={"csrf_token": token, "score": "2", "comment": EVIL})
        assert done.status_code == 200 and 'data-state="thanks"' in done.text and "重新受理" in done.text
        twice = phone.post(link, data={"csrf_token": token, "score": "5"})
        assert twice.status_code == 409 and 'data-state="rated"' in twice.text
        assert phone.get(link).status_code == 200
        forged = phone.get(link.replace("/t/", "/t/x").split("?")[0])
        assert forged.status_code == 404 and 'data-state="invalid"' in forged.text
        english = phone.get(link.replace("lang=zh_CN", "lang=en"))
        assert "Already answered" in english.text and "2/5" in english.text

    with live.client(role="service_agent", scope=scope_a) as agent:
        body = agent.get(f"/api/v1/tickets/{ticket_id}").json()
        assert body["status"] == "open" and body["resolved_at"] is None
        assert [(r["state"], r["score"], r["comment"]) for r in body["ratings"]] == [("rated", 2, EVIL)]
        rated = [e for e in body["history"] if e["kind"] == "rating"]
        assert [(e["actor"], e["text"]) for e in rated] == [(None, f"guest rated 2/5: {EVIL}")]
        page = agent.get(f"/service/tickets/{ticket_id}")
        assert 'id="ratings"' in page.text and 'data-score="2"' in page.text
        assert EVIL not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    with live.client(role="service_agent", scope=DataScope.hotels(hotel(demo_group, b).id)) as elsewhere:
        assert elsewhere.get(f"/api/v1/tickets/{ticket_id}").status_code == 404
    with live.client(role="test_everything", scope=scope_a) as manager:
        [row] = [r for r in manager.get("/api/v1/service/sla").json() if r["category"] == "room"]
        assert (row["ratings"], row["average_rating"]) == (1, 2.0)
        assert 'data-rating="2.0"' in manager.get("/service/sla").text
        profile = manager.get(f"/api/v1/guests/{guest.public_id}").json()
        assert [i["kind"] for i in profile["interactions"]].count("rating") == 1

    # resolved again: the self-service page offers the new rating; rated there, it is the same rating
    with live.client(role="service_agent", scope=scope_a) as agent:
        assert (
            agent.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": "resolved"}).status_code == 200
        )
    with browser_like(live) as phone:
        page = phone.get(self_url + "?lang=en")
        found = re.search(r'href="(/r/[^"]+/rate/(\d+))\?lang=en">Rate how we did<', page.text)
        assert found, page.text
        rate_url = live.base_url + found.group(1)
        form = phone.get(rate_url)
        assert form.status_code == 200 and "报修" in form.text
        done = phone.post(rate_url, data={"csrf_token": csrf_of(form.text), "score": "5"})
        assert done.status_code == 200 and 'id="back-to-requests"' in done.text
        assert "You rated it 5/5" in phone.get(self_url + "?lang=en").text
        other = phone.get(self_url.rsplit("/", 1)[0] + "/" + "A" * 32 + f"/rate/{found.group(2)}")
        assert other.status_code == 404
    demo_group.expire_all()
    assert demo_group.get_one(ServiceTicket, ticket_id).status == "resolved"
