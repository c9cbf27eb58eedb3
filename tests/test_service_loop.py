"""The service loop end to end, as the issue tells it, on both databases with real parts only: a guest
e-mails a complaint to the inbound address (our SMTP server) → it is matched to the guest and becomes
a ticket → the SLA breaches (injected clock) and the manager is e-mailed (aiosmtpd) → the agent
replies and the guest receives it → resolving sends a rating link → a score of 2 reopens the ticket."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback, inbox, service
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import ServiceTicket
from tests.auth_helpers import browser_like, csrf_of, make_staff
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import free_port, smtp_peer


def test_complaint_email_to_ticket_breach_escalation_reply_rating_and_reopen(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha01 = hotel(demo_group, "SHA01")
    guest = make_guest(demo_group, email="li.lei@example.com", full_name="李雷", family_name="李", gender="M")
    make_stay(demo_group, "SHA01", guest, departure=datetime.now(UTC).date())
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(sha01.id))
    manager.email = "duty.manager@hotel.example"
    demo_group.commit()
    receiver = inbox.inbound_server(
        make_session_factory(live.engine), inbox.InboxPolicy.from_settings(live.settings),
        host="127.0.0.1", port=free_port(),
    )  # fmt: skip
    receiver.start()
    try:
        with smtp_peer() as (mailbox, port):
            monkeypatch.setattr(live.settings, "smtp_port", port)
            smtp = engage.SmtpConfig(
                "127.0.0.1", port, None, None, False, "guestgraph <sla@hotel.example>", 10
            )

            # 1. the guest e-mails a complaint to the hotel's inbound address
            complaint = EmailMessage()
            complaint["From"], complaint["To"] = "李雷 <li.lei@example.com>", "service+sha01@localhost"
            complaint["Subject"], complaint["Message-ID"] = "空调坏了", "<complaint-1@example.com>"
            complaint.set_content("房间空调坏了，整晚很吵，非常失望。")
            with smtplib.SMTP("127.0.0.1", receiver.port) as client:
                client.send_message(complaint)

            # 2. matched to the guest, it became a high-priority ticket at the hotel
            demo_group.expire_all()
            ticket = demo_group.scalars(select(ServiceTicket)).one()
            assert (ticket.guest_id, ticket.hotel_id, ticket.priority) == (guest.id, sha01.id, "high")

            # 3. nobody answers: past the respond deadline the manager gets one e-mail
            late = ticket.respond_due_at + timedelta(seconds=1)
            service.check_breaches(demo_group, late)
            demo_group.commit()
            sent = service.send_escalations(
                demo_group, smtp=smtp, base_url=live.base_url + "/", clock=lambda: late
            )
            assert sent.sent == 1
            [escalation] = mailbox.to("duty.manager@hotel.example")
            assert f"/service/tickets/{ticket.id}" in escalation.text()

            # 4. the agent replies from the inbox; the guest receives it in the same thread
            with live.client(role="service_agent", scope=DataScope.hotels(sha01.id)) as agent:
                [conversation] = agent.get("/api/v1/inbox").json()
                assert conversation["ticket_id"] == ticket.id and conversation["guest_id"] == guest.public_id
                reply = agent.post(
                    f"/api/v1/inbox/{conversation['id']}/reply",
                    json={"text": "李先生，非常抱歉，工程部已在修理，并为您升级了房间。"},
                )
                assert reply.json()["delivered"] is True
                [answer] = mailbox.to("li.lei@example.com")
                assert (
                    answer.message["In-Reply-To"] == "<complaint-1@example.com>" and "升级" in answer.text()
                )

                # 5. resolving the ticket sends the guest a rating link
                resolved = agent.post(f"/api/v1/tickets/{ticket.id}/status", json={"status": "resolved"})
                assert resolved.json()["status"] == "resolved"
            demo_group.expire_all()
            policy = feedback.RatingPolicy(
                engage.EngagePolicy(smtp, 5, timedelta(days=7), live.base_url, b"k" * 32)
            )
            report = feedback.send_rating_links(demo_group, policy=policy, clock=lambda: datetime.now(UTC))
            assert report.sent == 1, report
            rating_mail = [m for m in mailbox.to("li.lei@example.com") if "/t/" in m.text()]
            [link] = re.findall(r"(http://\S+/t/[A-Za-z0-9_-]+\?lang=\w+)", rating_mail[0].text())

        # 6. the guest scores it 2: the ticket is open again, with the rating in its history
        with browser_like(live) as phone:
            form = phone.get(link)
            done = phone.post(
                link, data={"csrf_token": csrf_of(form.text), "score": "2", "comment": "还是很吵"}
            )
            assert done.status_code == 200
        with live.client(role="service_agent", scope=DataScope.hotels(sha01.id)) as agent:
            after = agent.get(f"/api/v1/tickets/{ticket.id}").json()
            assert after["status"] == "open"
            assert [r["score"] for r in after["ratings"]] == [2]
            assert any("2/5" in (e["text"] or "") for e in after["history"])
    finally:
        receiver.stop()
