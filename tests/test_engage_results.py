"""What happens to a campaign around its send, on both databases with real peers: a scheduled campaign
goes out when due and not before (injected clock), a bounce report (RFC 3464 DSN) to the VERP bounce
address through the inbound SMTP server marks the message bounced and keeps that address out of later
campaigns, SMS gateway receipts mark messages delivered or failed (signed webhook), bookings are
attributed last-touch within the window, and the campaign page and API show all of it over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from guestgraph import engage, inbox, pii, privacy
from guestgraph.access import DataScope
from guestgraph.config import Settings
from guestgraph.db import make_session_factory
from guestgraph.db.models import CampaignMessage, ConsentDecision, Guest, Hotel, StayStatus
from guestgraph.errors import InvalidInput
from guestgraph.gateway import HEADER, sign
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.gateway_peer import gateway_peer
from tests.smtp_peer import Collector, free_port, smtp_peer
from tests.test_cli import TEST_KEYS

GROUP = DataScope.group()
KEY = b"k" * 32
BOUNCE = "bounce@mail.hotel.example"
SECRET = "gateway-secret-for-tests"
T0 = datetime.now(UTC).replace(microsecond=0)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def policy_for(port: int) -> engage.EngagePolicy:
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <news@hotel.example>", 10)
    return engage.EngagePolicy(smtp, 5, timedelta(days=7), "https://gg.example", KEY, bounce_address=BOUNCE)


def subscribed(s: Session, channel: Channel = Channel.EMAIL, **values: Any) -> Guest:
    guest = make_guest(s, **values)
    entry = ConsentInput(Purpose.MARKETING, channel, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=T0 - timedelta(days=30)
    )
    return guest


def campaign(s: Session, **overrides: Any) -> engage.CampaignRow:
    values: dict[str, Any] = {
        "name": "Spring",
        "subject_zh": "{{ name }}，您好",
        "subject_en": "{{ name }}, hello",
        "body_zh": "尊敬的{{ name }}：欢迎再次光临{{ hotel }}。",
        "body_en": "Dear {{ name }}, welcome back to {{ hotel }}.",
        **overrides,
    }
    return engage.create_campaign(
        s, scope=GROUP, spec=engage.CampaignInput(**values), created_by_id=None, now=T0
    )


def send(engine: Engine, port: int, at: datetime, **kwargs: Any) -> engage.SendReport:
    return engage.send_queued(
        make_session_factory(engine), policy=policy_for(port), clock=lambda: at, **kwargs
    )


def message_of(s: Session, campaign_id: int, guest: Guest) -> CampaignMessage:
    s.expire_all()
    return s.scalars(
        select(CampaignMessage).where(
            CampaignMessage.campaign_id == campaign_id, CampaignMessage.guest_id == guest.id
        )
    ).one()


def test_a_scheduled_campaign_goes_out_when_due_to_the_audience_of_then(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    early = subscribed(s)
    make_stay(s, "SHA01", early)
    c = campaign(s, hotel_code="SHA01")
    zone = s.scalar(select(Hotel.timezone).where(Hotel.code == "SHA01"))
    assert zone
    due = (T0 + timedelta(days=2)).replace(second=0)
    local = due.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")  # as typed on the page
    at = engage.local_time(local, zone)
    assert at == due
    with pytest.raises(InvalidInput):
        engage.schedule_campaign(s, c.id, scope=GROUP, at=T0 - timedelta(minutes=1), now=T0)
    row = engage.schedule_campaign(s, c.id, scope=GROUP, at=at, now=T0)
    assert row.scheduled and row.scheduled_at == due
    s.commit()

    assert send(engine, port, due - timedelta(minutes=1)).released == {}
    assert collector.received == [] and engage.get_campaign(s, c.id, scope=GROUP).status == "draft"

    late = subscribed(s)  # stays at the hotel after the campaign was scheduled: taken at send time
    make_stay(s, "SHA01", late)
    s.commit()
    report = send(engine, port, due + timedelta(seconds=30))
    assert report.released == {c.id: 2} and report.sent == 2
    assert sorted(collector.recipients()) == sorted([str(early.email), str(late.email)])
    assert all(r.mail_from.startswith("bounce+") and r.mail_from.endswith("@mail.hotel.example")
               for r in collector.received)  # fmt: skip
    s.expire_all()
    assert engage.get_campaign(s, c.id, scope=GROUP).status == "queued"
    assert send(engine, port, due + timedelta(minutes=5)).released == {}  # released once
    assert len(collector.received) == 2

    other = campaign(s, name="Later")
    engage.schedule_campaign(s, other.id, scope=GROUP, at=due, now=T0)
    assert not engage.unschedule_campaign(s, other.id, scope=GROUP, now=T0).scheduled
    s.commit()
    assert send(engine, port, due + timedelta(hours=1)).released == {}  # unscheduled: never sent


def _dsn(to: str, final: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    b = "dsn-boundary"
    return (
        f"From: MAILER-DAEMON@mx.example\r\nTo: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\r\n'
        f"\r\n--{b}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        f"--{b}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {final}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{final}>: user unknown\r\n\r\n"
        f"--{b}\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: Spring\r\n\r\n--{b}--\r\n"
    ).encode()


def test_a_bounce_report_marks_the_message_bounced_and_keeps_the_address_out(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    gone, fine, slow = subscribed(s), subscribed(s), subscribed(s)
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=T0, guest_ids=[gone.id, fine.id, slow.id])
    s.commit()
    assert send(engine, port, T0).sent == 3
    verp = {r.rcpt_tos[0]: r.mail_from for r in collector.received}

    settings = Settings(_env_file=None, env="test", campaign_bounce_address=BOUNCE)  # type: ignore[call-arg]
    policy = inbox.InboxPolicy.from_settings(settings)
    policy = inbox.InboxPolicy(**{**policy.__dict__, "bounces": policy_for(port)})
    server = inbox.inbound_server(make_session_factory(engine), policy, host="127.0.0.1", port=free_port())
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port) as mx:
            mx.sendmail("", [verp[str(gone.email)]], _dsn(verp[str(gone.email)], str(gone.email)))
            mx.sendmail("", [verp[str(slow.email)]], _dsn(verp[str(slow.email)], str(slow.email),
                                                           action="delayed", status="4.4.7"))  # fmt: skip
            forged = verp[str(fine.email)].replace("bounce+", "bounce+9")
            mx.sendmail("", [forged], _dsn(forged, str(fine.email)))  # accepted, names no message
            mx.sendmail("", [verp[str(fine.email)]], b"Subject: Out of office\r\n\r\nBack on Monday.\r\n")
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                mx.sendmail("", ["bounce+1.abc@elsewhere.example"], b"Subject: x\r\n\r\nx\r\n")
    finally:
        server.stop()

    bounced = message_of(s, c.id, gone)
    assert (bounced.delivery, bounced.delivery_detail) == ("bounced", "5.1.1")
    assert bounced.bounced_bidx == gone.email_bidx
    assert message_of(s, c.id, fine).delivery == message_of(s, c.id, slow).delivery == "delivered"
    results = engage.campaign_results(s, c.id, scope=GROUP)
    assert (results.delivered, results.bounced, results.hard_bounced) == (2, 1, 1)

    again = campaign(s, name="Summer")
    engage.queue_campaign(s, again.id, scope=GROUP, now=T0, guest_ids=[gone.id, fine.id])
    s.commit()
    send(engine, port, T0 + timedelta(minutes=1))
    assert engage.campaign_results(s, again.id, scope=GROUP).reasons == {"address bounced": 1}
    assert len(collector.to(str(gone.email))) == 1

    # the guest's address is corrected: the old bounce no longer keeps them out
    sealed = pii.seal_person(pii.vault_of(s), str(gone.key_ref), "guest", gone.public_id,
                             pii.Sensitive(email="new.address@example.com"))  # fmt: skip
    s.execute(update(Guest).where(Guest.id == gone.id).values(email_enc=sealed["email_enc"],
                                                               email_bidx=sealed["email_bidx"]))  # fmt: skip
    third = campaign(s, name="Autumn")
    engage.queue_campaign(s, third.id, scope=GROUP, now=T0, guest_ids=[gone.id])
    s.commit()
    assert send(engine, port, T0 + timedelta(minutes=2)).sent == 1
    assert len(collector.to("new.address@example.com")) == 1


def test_bookings_are_attributed_to_the_last_campaign_touch_within_the_window(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (_, port) = demo_group, peer
    inside, outside, before, cancelled, moved_on, bounced, elsewhere = (subscribed(s) for _ in range(7))
    first = campaign(s, attribution_days=10)
    everyone = [inside, outside, before, cancelled, moved_on, bounced, elsewhere]
    engage.queue_campaign(s, first.id, scope=GROUP, now=T0, guest_ids=[g.id for g in everyone])
    s.commit()
    assert send(engine, port, T0).sent == 7
    second = campaign(s, name="Second")
    engage.queue_campaign(s, second.id, scope=GROUP, now=T0, guest_ids=[moved_on.id])
    s.commit()
    assert send(engine, port, T0 + timedelta(days=2)).sent == 1
    s.execute(
        update(CampaignMessage).where(CampaignMessage.guest_id == bounced.id).values(delivery="bounced")
    )

    def booking(g: Guest, days: float, amount: str, **values: Any) -> None:
        values.setdefault("status", StayStatus.BOOKED)
        make_stay(s, values.pop("hotel_code", "SHA01"), g, created_at=T0 + timedelta(days=days),
                  amount=Decimal(amount), **values)  # fmt: skip

    booking(inside, 3, "1000.00")
    booking(inside, 9.9, "200.00", currency="USD")  # a second booking in the window, another currency
    booking(outside, 10.5, "3000.00")
    booking(before, -1, "4000.00")
    booking(cancelled, 1, "5000.00", status=StayStatus.CANCELLED)
    booking(moved_on, 4, "6000.00")  # the second campaign touched them last: its booking
    booking(bounced, 1, "7000.00")  # the message never reached them
    booking(elsewhere, 2, "800.00", hotel_code="PEK01")
    s.commit()

    results = engage.campaign_results(s, first.id, scope=GROUP)
    assert (results.bookings, results.revenue) == (3, {"CNY": Decimal("1800.00"), "USD": Decimal("200.00")})
    later = engage.campaign_results(s, second.id, scope=GROUP)
    assert (later.bookings, later.revenue) == (1, {"CNY": Decimal("6000.00")})
    # a viewer of one hotel counts only the bookings at that hotel
    pek = DataScope.hotels(hotel(s, "PEK01").id)
    assert engage.campaign_results(s, first.id, scope=pek).bookings == 1


def _wait(c: httpx.Client, campaign_id: int, done: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        results: dict[str, Any] = c.get(f"/api/v1/campaigns/{campaign_id}").json()["results"]
        counts = results["counts"]
        if sum(counts.get(k, 0) for k in ("sent", "skipped", "failed")) >= done:
            return results
        assert time.monotonic() < deadline, results
        time.sleep(0.1)


def test_sms_receipts_schedule_and_results_over_http(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    reached, lost = (subscribed(s, Channel.SMS) for _ in range(2))
    for g in (reached, lost):
        make_stay(s, "SHA01", g, created_at=T0 - timedelta(days=40))
    s.commit()
    body = {
        "name": "SMS",
        "channel": "sms",
        "body_zh": "{{ name }}，春季礼遇。",
        "body_en": "{{ name }}, spring offer.",
    }
    with gateway_peer(SECRET) as gw_peer:
        monkeypatch.setattr(live.settings, "gateway_secret", SecretStr(SECRET))
        monkeypatch.setattr(live.settings, "sms_gateway_url", gw_peer.url)
        with live.client(role="marketing") as c:
            made = c.post("/api/v1/campaigns", json={**body, "hotel_code": "SHA01", "attribution_days": 7})
            assert made.status_code == 201 and made.json()["attribution_days"] == 7
            cid = made.json()["id"]
            assert c.post(f"/api/v1/campaigns/{cid}/send").json() == {"queued": 2}
            _wait(c, cid, 2)
        refs = {r["to"]: r["reference"] for r in gw_peer.received}

    def receipt(payload: dict[str, Any], secret: str = SECRET) -> httpx.Response:
        raw = json.dumps(payload).encode()
        headers = {HEADER: sign(secret, raw), "Content-Type": "application/json"}
        with live.client(role=None) as gw:
            return gw.post("/api/v1/campaigns/receipts/sms", content=raw, headers=headers)

    ok = {"reference": refs[str(reached.phone)], "status": "delivered", "id": "gw-1"}
    assert receipt(ok, secret="wrong").status_code == 401
    assert message_of(s, cid, reached).delivery is None  # refused: nothing recorded
    assert receipt(ok).json() == {"recorded": True}
    failed = {"reference": refs[str(lost.phone)], "status": "failed", "error": "UNDELIV"}
    assert receipt(failed).json() == {"recorded": True}
    assert receipt({**ok, "reference": f"campaign-{cid}.message-999999"}).json() == {"recorded": False}
    assert receipt({**ok, "status": "read"}).status_code == 400
    assert message_of(s, cid, lost).delivery_detail == "UNDELIV"

    with live.client(role="marketing") as c:
        results = c.get(f"/api/v1/campaigns/{cid}").json()["results"]
        assert (results["delivered"], results["undelivered"], results["counts"]) == (1, 1, {"sent": 2})
        page = c.get(f"/campaigns/{cid}").text
        assert '<tr data-figure="delivered"><td>已送达</td><td>1</td></tr>' in page
        assert '<tr data-figure="undelivered"><td>未送达</td><td>1</td></tr>' in page
        assert 'id="attribution-note"' in page and "7 天内" in page

        form = {**body, "hotel": "SHA01", "attribution_days": "14"}
        draft = c.post("/campaigns", data=form, follow_redirects=False)
        url = draft.headers["location"]
        did = int(url.rsplit("/", 1)[1])
        past = c.post(f"{url}/schedule", data={"at": "2020-01-01T09:00"})
        assert past.status_code == 400 and 'id="form-error"' in past.text
        when = (datetime.now(UTC) + timedelta(days=3)).astimezone(ZoneInfo("Asia/Shanghai"))
        typed = when.strftime("%Y-%m-%dT%H:%M")
        assert c.post(f"{url}/schedule", data={"at": typed}, follow_redirects=False).status_code == 303
        page = c.get(url).text
        assert 'data-status="scheduled"' in page and "已定时" in page
        assert f"{when:%Y-%m-%d %H:%M}" in page and 'id="snapshot-note"' in page
        assert (
            c.get(f"/api/v1/campaigns/{did}")
            .json()["campaign"]["scheduled_at"]
            .startswith(when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
        )
        assert c.post(f"{url}/unschedule", follow_redirects=False).status_code == 303
        assert 'id="scheduled-for"' not in c.get(url).text
        api = c.post(f"/api/v1/campaigns/{did}/schedule", json={"at": "2099-01-01T09:00:00+08:00"})
        assert api.status_code == 400  # more than a year ahead
        at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        done = c.post(f"/api/v1/campaigns/{did}/schedule", json={"at": at.isoformat()})
        assert done.status_code == 200 and done.json()["scheduled_at"].startswith(
            at.strftime("%Y-%m-%dT%H:%M")
        )
        assert c.delete(f"/api/v1/campaigns/{did}/schedule").json()["scheduled_at"] is None
    with live.client(role="front_desk") as c:
        assert c.post(f"/api/v1/campaigns/{did}/schedule", json={"at": at.isoformat()}).status_code == 403

    # an e-mail campaign's page: a bounce and an attributed booking (recorded as the tests above do)
    mail = campaign(s, name="Mail")
    engage.queue_campaign(s, mail.id, scope=GROUP, now=T0, guest_ids=[reached.id, lost.id])
    sent = {"status": "sent", "sent_at": T0 - timedelta(days=1), "delivery": "delivered"}
    s.execute(update(CampaignMessage).where(CampaignMessage.campaign_id == mail.id).values(**sent))
    s.execute(
        update(CampaignMessage)
        .where(CampaignMessage.campaign_id == mail.id, CampaignMessage.guest_id == lost.id)
        .values(delivery="bounced", delivery_detail="5.1.1")
    )
    make_stay(s, "SHA01", reached, created_at=T0, amount=Decimal("2680.00"), status=StayStatus.BOOKED)
    s.commit()
    with live.client(role="marketing") as c:
        page = c.get(f"/campaigns/{mail.id}").text
        assert '<tr data-figure="bounced"><td>退信</td><td>1 (永久性: 1)</td></tr>' in page
        assert '<tr data-figure="bookings"><td>归因预订</td><td>1</td></tr>' in page
        assert '<tr data-booking-revenue="CNY"><td>预订收入 (CNY)</td><td>2680.00</td></tr>' in page


class _SlowPeer(Collector):
    """An SMTP peer that takes 10 ms per message, so a sender can be killed mid-campaign."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def test_a_sender_process_killed_mid_campaign_never_sends_a_mail_twice(
    demo_group: Session, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The issue's test: kill -9 the worker mid-campaign, restart it: every guest gets the mail at
    most once; what the dead worker had claimed is reported interrupted once its lease is over."""
    s = demo_group
    guests = [subscribed(s) for _ in range(60)]
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=T0, guest_ids=[g.id for g in guests])
    s.commit()
    collector = _SlowPeer()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_") or k in TEST_KEYS}
    env |= {
        "GUESTGRAPH_DATABASE_URL": db_url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_SMTP_PORT": str(controller.port),
        "GUESTGRAPH_PUBLIC_BASE_URL": "https://gg.example",
    }
    command = [sys.executable, "-m", "guestgraph.cli", "campaigns", "send", "--batch", "10"]
    try:
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(collector.received) < 15:
            assert worker.poll() is None and time.monotonic() < deadline, "the sender finished too early"
            time.sleep(0.01)
        worker.kill()
        worker.wait(timeout=10)
        killed_at = len(collector.received)
        assert killed_at < len(guests)
        restarted = engage.send_queued(
            make_session_factory(engine), policy=policy_for(controller.port), clock=now
        )
        assert restarted.sent > 0 and restarted.interrupted == 0  # the dead worker's claim is still leased
    finally:
        controller.stop()

    got = collector.recipients()
    assert len(got) == len(set(got)), "a guest got the campaign twice"
    s.expire_all()
    rows = dict(s.execute(select(CampaignMessage.guest_id, CampaignMessage.status)).all())
    sent = {g for g, st in rows.items() if st == "sent"}
    left = {g for g, st in rows.items() if st == "sending"}  # the dead worker's claim, still leased
    assert sent | left == {g.id for g in guests} and 0 < len(left) <= 10
    email = {g.id: str(g.email) for g in guests}
    assert {email[g] for g in sent} <= set(got)  # every message marked sent did reach the peer
    assert engage.recover_interrupted(
        s, now=datetime.now(UTC) + timedelta(minutes=16), lease=timedelta(minutes=15)
    ) == len(left)
    s.commit()
    results = engage.campaign_results(s, c.id, scope=GROUP)
    assert results.counts == {"sent": len(sent), "failed": len(left)}
    assert results.reasons == {"interrupted while sending (not retried)": len(left)}
