"""The inbox over real HTTP on both databases: signed gateway webhooks in, replies out through a real
gateway peer (HTTP) and a real SMTP peer (aiosmtpd), e-mail in through our own inbound SMTP server,
the pages and the API, and data scope (another hotel's agent gets 404)."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from guestgraph import inbox
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.gateway_peer import gateway_peer
from tests.smtp_peer import free_port, smtp_peer

SECRET = "test-gateway-secret"


def _post(c, path: str, payload: dict[str, object], secret: str = SECRET):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    return c.post(
        path,
        content=body,
        headers={inbox.HEADER: inbox.sign(secret, body), "Content-Type": "application/json"},
    )


@pytest.fixture
def configured(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setattr(live.settings, "gateway_secret", SecretStr(SECRET))
    return live


def test_sms_in_by_webhook_and_the_reply_out_through_the_gateway(
    configured: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = configured
    guest = make_guest(demo_group, phone="+8613811112222", full_name="李娜", family_name="李", gender="F")
    make_stay(demo_group, "SHA01", guest)
    demo_group.commit()
    a, b = hotel(demo_group, "SHA01"), hotel(demo_group, "SHA02")
    message = {"from": "+86 138 1111 2222", "text": "能帮我订明早的出租车吗？", "id": "sms-1"}
    with live.client(role=None) as gw:
        refused = _post(gw, "/api/v1/inbox/webhooks/sms/SHA01", message, secret="wrong")
        assert refused.status_code == 401 and refused.json()["error"] == "signature_rejected"
        got = _post(gw, "/api/v1/inbox/webhooks/sms/SHA01", message)
        assert got.status_code == 200, got.text
        assert (got.json()["match"], got.json()["guest_public_id"]) == ("matched", guest.public_id)
        assert _post(gw, "/api/v1/inbox/webhooks/sms/SHA01", message).json()["duplicate"] is True
        bad = _post(gw, "/api/v1/inbox/webhooks/sms/SHA01", {"from": "+8613811112222", "id": "x"})
        assert bad.status_code == 400 and "webhook body" in bad.json()["message"]
    conversation = got.json()["conversation_id"]
    with gateway_peer(SECRET) as peer:
        monkeypatch.setattr(live.settings, "sms_gateway_url", peer.url)
        with live.client(role="service_agent", scope=DataScope.hotels(a.id)) as agent:
            listed = agent.get("/api/v1/inbox").json()
            assert [c["id"] for c in listed] == [conversation] and listed[0][
                "counterpart"
            ] == "+86138****2222"
            filled = agent.get(f"/api/v1/inbox/{conversation}/templates/received").json()["text"]
            assert filled.startswith("李女士您好")
            sent = agent.post(
                f"/api/v1/inbox/{conversation}/reply", json={"text": "好的，已为您预订7点的出租车。"}
            )
            assert sent.status_code == 200 and sent.json()["delivered"] is True
            assert peer.received == [
                {
                    "channel": "sms",
                    "to": "+8613811112222",
                    "text": "好的，已为您预订7点的出租车。",
                    "reference": peer.received[0]["reference"],
                }
            ]
            assert peer.signatures_ok == [True]
            peer.status = 500
            failed = agent.post(f"/api/v1/inbox/{conversation}/reply", json={"text": "再次确认"}).json()
            assert failed["delivered"] is False and "HTTP 500" in failed["message"]["error"]
            detail = agent.get(f"/api/v1/inbox/{conversation}").json()
            assert [m["delivery"] for m in detail["messages"]] == ["received", "sent", "failed"]
        with live.client(role="service_agent", scope=DataScope.hotels(b.id)) as elsewhere:
            assert elsewhere.get(f"/api/v1/inbox/{conversation}").status_code == 404
            assert (
                elsewhere.post(f"/api/v1/inbox/{conversation}/reply", json={"text": "x"}).status_code == 404
            )
            assert elsewhere.get("/api/v1/inbox").json() == []
        with live.client(role="front_desk", scope=DataScope.hotels(a.id)) as desk:
            assert desk.get("/api/v1/inbox").status_code == 403


def test_email_in_through_our_smtp_server_reply_out_and_the_guests_answer_threads(
    configured: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = configured
    guest = make_guest(
        demo_group,
        email="chen.jie@example.com",
        full_name="Chen Jie",
        family_name="Chen",
        gender="M",
        nationality="SG",
        language="en",
    )
    make_stay(demo_group, "SHA01", guest)
    demo_group.commit()
    policy = inbox.InboxPolicy.from_settings(live.settings)
    server = inbox.inbound_server(
        make_session_factory(live.engine), policy, host="127.0.0.1", port=free_port()
    )
    server.start()
    try:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = (
            "Chen Jie <chen.jie@example.com>",
            "service+sha01@localhost",
            "Noise",
        )
        mail["Message-ID"] = "<guest-1@example.com>"
        mail.set_content("The room next door was noisy all night, very disappointed.")
        with smtplib.SMTP("127.0.0.1", server.port) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.send_message(mail, to_addrs=["nobody@elsewhere.example"])
            smtp.send_message(mail)
        with smtp_peer() as (collector, port):
            monkeypatch.setattr(live.settings, "smtp_port", port)
            with live.client(
                role="service_agent", scope=DataScope.hotels(hotel(demo_group, "SHA01").id)
            ) as agent:
                [line] = agent.get("/api/v1/inbox").json()
                assert (line["guest_id"], line["subject"], line["channel"]) == (
                    guest.public_id,
                    "Noise",
                    "email",
                )
                assert line["ticket_id"] is not None  # a complaint opened a ticket
                ticket = agent.get(f"/api/v1/tickets/{line['ticket_id']}").json()
                assert ticket["priority"] == "high" and ticket["guest_id"] == guest.public_id
                reply = agent.post(
                    f"/api/v1/inbox/{line['id']}/reply",
                    json={"text": "We are sorry; we moved you to a quiet room."},
                )
                assert reply.json()["delivered"] is True
                [out] = collector.to("chen.jie@example.com")
                assert out.message["In-Reply-To"] == "<guest-1@example.com>"
                assert (
                    out.message["Subject"] == "Re: Noise" and "service+sha01@localhost" in out.message["From"]
                )
                assert "quiet room" in out.text()
                assert (
                    agent.get(f"/api/v1/tickets/{line['ticket_id']}").json()["first_response_at"] is not None
                )
                # the guest answers our reply: it threads into the same conversation
                answer = EmailMessage()
                answer["From"], answer["To"], answer["Subject"] = (
                    "chen.jie@example.com",
                    "service+sha01@localhost",
                    "Re: Noise",
                )
                answer["Message-ID"], answer["In-Reply-To"] = (
                    "<guest-2@example.com>",
                    out.message["Message-ID"],
                )
                answer.set_content("Thank you!")
                with smtplib.SMTP("127.0.0.1", server.port) as smtp:
                    smtp.send_message(answer)
                detail = agent.get(f"/api/v1/inbox/{line['id']}").json()
                assert [(m["direction"], m["text"][:9]) for m in detail["messages"]] == [
                    ("in", "The room "),
                    ("out", "We are so"),
                    ("in", "Thank you"),
                ]
    finally:
        server.stop()


def test_pages_log_a_call_make_a_ticket_and_close(configured: LiveServer, demo_group: Session) -> None:
    live = configured
    guest = make_guest(demo_group, phone="+8613822223333")
    make_stay(demo_group, "SHA01", guest)
    demo_group.commit()
    a = hotel(demo_group, "SHA01")
    with live.client(role="service_agent", scope=DataScope.hotels(a.id), follow_redirects=True) as c:
        page = c.get("/inbox")
        assert page.status_code == 200 and "log-call" in page.text
        logged = c.post(
            "/inbox/calls",
            data={"hotel": "SHA01", "phone": "13822223333", "direction": "in", "notes": "Wants a baby cot"},
        )
        assert (
            logged.status_code == 200 and "Wants a baby cot" in logged.text and guest.public_id in logged.text
        )
        conversation = int(str(logged.url).rsplit("/", 1)[1])
        made = c.post(f"/inbox/{conversation}/ticket", data={"category": "room", "priority": "normal"})
        assert made.status_code == 200 and "/service/tickets/" in str(made.url)
        assert c.get(f"/inbox/{conversation}").text.count("conversation-ticket") == 1
        closed = c.post(f"/inbox/{conversation}/status", data={"status": "closed"})
        assert closed.status_code == 200 and f'data-conversation="{conversation}"' not in closed.text
        fragment = c.get(
            f"/inbox/{conversation}/template", params={"key": "apology"}, headers={"HX-Request": "true"}
        )
        assert fragment.status_code == 200 and "<textarea" in fragment.text
