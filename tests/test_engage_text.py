"""SMS and WeChat campaigns and journey text steps through the gateway interface, with a real local
HTTP peer standing in for the gateway: consent per channel (unknown is no), a guest without a phone
skipped, no gateway means nothing sent (`no gateway configured`), a refused or unreachable gateway,
exactly once across a killed sender, and the same over the campaign pages and API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from guestgraph import engage, journeys, privacy
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import CampaignMessage, ConsentDecision, Guest, JourneyStatus, MessageStatus
from guestgraph.gateway import HEADER, Gateway, sign
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.gateway_peer import GatewayPeer, gateway_peer
from tests.smtp_peer import free_port

GROUP = DataScope.group()
KEY = b"k" * 32
SECRET = "gateway-secret-for-tests"
TEXT = {
    "name": "Spring SMS",
    "channel": Channel.SMS,
    "subject_zh": "",
    "subject_en": "",
    "body_zh": "{{ name }}，{{ hotel }}春季礼遇已为您预留。",
    "body_en": "{{ name }}, a spring offer at {{ hotel }} is waiting for you.",
}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def peer() -> Iterator[GatewayPeer]:
    with gateway_peer(SECRET) as p:
        yield p


def policy(gateways: dict[str, str] | None = None, *, cap: int = 5) -> engage.EngagePolicy:
    smtp = engage.SmtpConfig("127.0.0.1", free_port(), None, None, False, "Hotel <news@hotel.example>", 10)
    ways = {ch: Gateway(ch, url, SECRET) for ch, url in (gateways or {}).items()}
    return engage.EngagePolicy(smtp, cap, timedelta(days=7), "https://gg.example", KEY, ways)


def consent(s: Session, guest: Guest, channel: Channel = Channel.SMS) -> None:
    entry = ConsentInput(Purpose.MARKETING, channel, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=now() - timedelta(days=1)
    )


def text_campaign(s: Session, **overrides: Any) -> engage.CampaignRow:
    spec = engage.CampaignInput(**{**TEXT, **overrides})
    return engage.create_campaign(s, scope=GROUP, spec=spec, created_by_id=None, now=now())


def three_guests(s: Session) -> tuple[Guest, Guest, Guest]:
    """A subscribed guest with a phone, one without consent for SMS (only for e-mail), one subscribed
    to SMS without a phone."""
    subscribed, unknown, no_phone = make_guest(s), make_guest(s), make_guest(s, phone=None)
    consent(s, subscribed)
    consent(s, unknown, Channel.EMAIL)
    consent(s, no_phone)
    for g in (subscribed, unknown, no_phone):
        make_stay(s, "SHA01", g, arrival=date(2026, 9, 1))
    return subscribed, unknown, no_phone


def statuses(s: Session) -> dict[int, tuple[str, str | None]]:
    s.expire_all()
    rows = s.execute(select(CampaignMessage.guest_id, CampaignMessage.status, CampaignMessage.reason))
    return {g: (st.value, r) for g, st, r in rows}


def test_sms_campaign_reaches_only_the_subscribed_guest_with_a_phone(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    subscribed, unknown, no_phone = three_guests(s)
    c = text_campaign(s, hotel_code="SHA01")
    assert engage.queue_campaign(s, c.id, scope=GROUP, now=now()) == 3
    s.commit()

    report = engage.send_queued(make_session_factory(engine), policy=policy({"sms": peer.url}), clock=now)

    (message_id,) = [
        m for (m,) in s.execute(select(CampaignMessage.id).where(CampaignMessage.guest_id == subscribed.id))
    ]
    assert peer.received == [
        {
            "channel": "sms",
            "to": subscribed.phone,
            "text": "王先生，云栖上海外滩酒店春季礼遇已为您预留。\n回复TD退订",
            "reference": f"campaign-{c.id}.message-{message_id}",
        }
    ]
    assert peer.signatures_ok == [True]
    assert (report.sent, report.skipped, report.failed) == (1, 2, 0)
    got = statuses(s)
    assert got[subscribed.id] == ("sent", None)
    assert got[unknown.id] == ("skipped", "no consent recorded")  # e-mail consent is not SMS consent
    assert got[no_phone.id] == ("skipped", "no phone number")
    results = engage.campaign_results(s, c.id, scope=GROUP)
    assert results.counts == {"sent": 1, "skipped": 2}
    assert results.reasons == {"no consent recorded": 1, "no phone number": 1}


def test_without_a_gateway_nothing_is_sent_and_every_message_says_why(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    guests = three_guests(s)
    c = text_campaign(s)
    wechat = text_campaign(s, name="WeChat", channel=Channel.WECHAT)
    for campaign in (c, wechat):
        engage.queue_campaign(s, campaign.id, scope=GROUP, now=now())
    s.commit()

    # an SMS gateway only: the WeChat campaign is not sent over SMS (or e-mail) instead
    report = engage.send_queued(make_session_factory(engine), policy=policy(), clock=now, campaign_id=c.id)
    assert (report.sent, report.skipped) == (0, 3)
    only_sms = policy({"sms": peer.url})
    report = engage.send_queued(
        make_session_factory(engine), policy=only_sms, clock=now, campaign_id=wechat.id
    )
    assert (report.sent, report.skipped) == (0, 3)

    assert peer.received == []
    for campaign in (c, wechat):
        results = engage.campaign_results(s, campaign.id, scope=GROUP)
        assert results.counts == {"skipped": 3} and results.reasons == {engage.NO_GATEWAY: 3}
    assert engage.NO_GATEWAY == "no gateway configured" and len(guests) == 3


def test_wechat_goes_to_the_bound_mobile_and_a_refusal_is_failed_not_retried(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    smith = make_guest(s, full_name="Anna Smith", family_name="Smith", given_name="Anna", gender="F",
                       nationality="GB", name_pinyin=None)  # fmt: skip
    consent(s, smith, Channel.WECHAT)
    c = text_campaign(s, channel=Channel.WECHAT)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now())
    s.commit()
    peer.status = 503
    report = engage.send_queued(make_session_factory(engine), policy=policy({"wechat": peer.url}), clock=now)
    assert report.failed == 1 and statuses(s)[smith.id] == ("failed", "refused by the gateway")
    (sent,) = peer.received
    assert sent["channel"] == "wechat" and sent["to"] == smith.phone
    assert sent["text"] == "Ms Smith, a spring offer at  is waiting for you."  # no stay: no hotel; no TD line
    peer.status = 200
    engage.send_queued(make_session_factory(engine), policy=policy({"wechat": peer.url}), clock=now)
    assert len(peer.received) == 1  # a failed message is never sent again


def test_an_unreachable_gateway_sends_nothing_and_keeps_the_messages_queued(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    subscribed, _, _ = three_guests(s)
    c = text_campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now())
    s.commit()
    down = policy({"sms": f"http://127.0.0.1:{free_port()}/send"})
    with pytest.raises(engage.DeliveryError):
        engage.send_queued(make_session_factory(engine), policy=down, clock=now)
    assert statuses(s)[subscribed.id] == ("queued", None)
    engage.send_queued(make_session_factory(engine), policy=policy({"sms": peer.url}), clock=now)
    assert [r["to"] for r in peer.received] == [subscribed.phone]


def test_a_sender_killed_mid_campaign_never_sends_an_sms_twice(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    first, second = make_guest(s), make_guest(s)
    for g in (first, second):
        consent(s, g)
    c = text_campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now())
    s.commit()
    # a sender claimed both and died after handing the first to the gateway
    claimed = engage.claim(s, worker="dead", batch=10, now=now() - timedelta(hours=1), campaign_id=c.id)
    assert len(claimed) == 2
    s.execute(
        update(CampaignMessage)
        .where(CampaignMessage.guest_id == second.id)
        .values(status=MessageStatus.QUEUED, claimed_by=None, claimed_at=None)
    )
    s.commit()
    report = engage.send_queued(make_session_factory(engine), policy=policy({"sms": peer.url}), clock=now)
    assert (report.interrupted, report.sent) == (1, 1)
    assert [r["to"] for r in peer.received] == [second.phone]
    assert statuses(s)[first.id] == ("failed", "interrupted while sending (not retried)")


def test_sms_text_is_checked_when_written(demo_group: Session) -> None:
    with pytest.raises(engage.TextTooLong, match="at most 300"):
        text_campaign(demo_group, body_zh="好" * 301)
    with pytest.raises(engage.TemplateInvalid):
        text_campaign(demo_group, body_en="{% if %}")
    assert text_campaign(demo_group, channel=Channel.WECHAT, body_zh="好" * 301).channel == "wechat"


def test_a_journey_text_step_goes_through_the_gateway_with_its_gate(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    t0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    subscribed, unknown, no_phone = make_guest(s), make_guest(s), make_guest(s, phone=None)
    for g in (subscribed, no_phone):
        entry = ConsentInput(Purpose.MARKETING, Channel.SMS, ConsentDecision.GRANTED, "test")
        privacy.record_consent(s, guest_id=g.id, entry=entry, recorded_by_id=None, now=t0 - timedelta(days=9))
    for g in (subscribed, unknown, no_phone):
        make_stay(
            s, "SHA01", g, arrival=t0.date() - timedelta(days=3), departure=t0.date() - timedelta(days=1)
        )
    definition = {
        "trigger": {"type": "checked_out", "within_days": 2},
        "steps": [
            {"key": "thanks", "type": "send_text", "channel": "sms",
             "body_zh": "{{ name }}，感谢入住{{ hotel }}。", "body_en": "Thank you, {{ name }}."},
        ],
    }  # fmt: skip
    row = journeys.create_journey(
        s, scope=GROUP, name="SMS thanks", definition=definition, hotel_code=None, created_by_id=None, now=t0
    )
    journeys.set_status(s, row.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=t0)
    s.commit()
    quiet = journeys.QuietHours.parse("21:00-09:00")
    factory = make_session_factory(engine)

    unconfigured = journeys.JourneyPolicy(policy(), quiet, "Asia/Shanghai")
    at_night = t0 + timedelta(hours=12)  # 23:00 in Shanghai: quiet hours put the send off
    configured = journeys.JourneyPolicy(policy({"sms": peer.url}), quiet, "Asia/Shanghai")
    journeys.run_pass(factory, policy=configured, clock=lambda: at_night)
    assert peer.received == []
    journeys.run_pass(factory, policy=configured, clock=lambda: t0 + timedelta(days=1))
    journeys.run_pass(factory, policy=configured, clock=lambda: t0 + timedelta(days=1, minutes=1))

    (sent,) = peer.received
    assert (sent["to"], sent["text"]) == (subscribed.phone, "王先生，感谢入住云栖上海外滩酒店。\n回复TD退订")
    assert sent["reference"].startswith(f"journey-{row.id}.run-") and peer.signatures_ok == [True]
    counts = journeys.journey_counts(s, row.id, scope=GROUP)
    assert counts.sent == 1
    assert counts.reasons == {"no consent recorded": 1, "no phone number": 1}

    # a second journey with no SMS gateway configured: every guest skipped, nothing leaves
    other = journeys.create_journey(
        s, scope=GROUP, name="SMS 2", definition=definition, hotel_code=None, created_by_id=None, now=t0
    )
    journeys.set_status(s, other.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=t0)
    s.commit()
    journeys.run_pass(factory, policy=unconfigured, clock=lambda: t0 + timedelta(minutes=5))
    assert len(peer.received) == 1
    assert journeys.journey_counts(s, other.id, scope=GROUP).reasons == {engage.NO_GATEWAY: 3}


def test_a_journey_wechat_template_message_names_its_template(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    t0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    guest = make_guest(s)
    entry = ConsentInput(Purpose.MARKETING, Channel.WECHAT, ConsentDecision.GRANTED, "test")
    privacy.record_consent(s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=t0 - timedelta(days=9))
    left = t0.date() - timedelta(days=1)
    make_stay(s, "SHA01", guest, arrival=left - timedelta(days=2), departure=left)
    step = {
        "key": "thanks", "type": "send_text", "channel": "wechat", "template": "OPENTM207685059",
        "body_zh": "{{ name }}，感谢入住{{ hotel }}。", "body_en": "Thank you, {{ name }}.",
    }  # fmt: skip
    definition = {"trigger": {"type": "checked_out", "within_days": 2}, "steps": [step]}
    row = journeys.create_journey(
        s, scope=GROUP, name="WeChat", definition=definition, hotel_code=None, created_by_id=None, now=t0
    )
    journeys.set_status(s, row.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=t0)
    s.commit()
    quiet = journeys.QuietHours.parse("21:00-09:00")
    configured = journeys.JourneyPolicy(policy({"wechat": peer.url}), quiet, "Asia/Shanghai")
    journeys.run_pass(make_session_factory(engine), policy=configured, clock=lambda: t0)

    (sent,) = peer.received
    assert (sent["channel"], sent["template"], sent["to"]) == ("wechat", "OPENTM207685059", guest.phone)
    assert sent["text"] == "王先生，感谢入住云栖上海外滩酒店。"  # no SMS opt-out line on WeChat
    with pytest.raises(journeys.JourneyInvalid, match="only with channel wechat"):
        journeys.parse_definition({**definition, "steps": [{**step, "channel": "sms"}]})


def _results(c: httpx.Client, campaign_id: int, done: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        results: dict[str, Any] = c.get(f"/api/v1/campaigns/{campaign_id}").json()["results"]
        counts = results["counts"]
        if counts.get("sent", 0) + counts.get("skipped", 0) + counts.get("failed", 0) >= done:
            return results
        assert time.monotonic() < deadline, results
        time.sleep(0.1)


def test_sms_campaign_over_the_pages_and_the_api(
    live: LiveServer, demo_group: Session, peer: GatewayPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    subscribed, unknown, no_phone = three_guests(s)
    s.commit()
    monkeypatch.setattr(live.settings, "gateway_secret", SecretStr(SECRET))
    monkeypatch.setattr(live.settings, "sms_gateway_url", peer.url)
    form = {k: v for k, v in TEXT.items() if not k.startswith("subject")} | {
        "channel": "sms",
        "hotel": "SHA01",
    }
    with live.client(role="marketing") as c:
        assert 'name="channel"' in c.get("/campaigns").text
        too_long = c.post("/campaigns", data={**form, "body_zh": "好" * 301})
        assert too_long.status_code == 422 and "300" in too_long.text
        created = c.post("/campaigns", data=form, follow_redirects=False)
        assert created.status_code == 303
        url = created.headers["location"]
        campaign_id = int(url.rsplit("/", 1)[1])
        page = c.get(url).text
        assert 'data-channel="sms"' in page and 'type="tel"' in page
        shown = c.post(f"{url}/preview", data={"guest": subscribed.public_id})
        assert shown.status_code == 200 and "回复TD退订" in shown.text and 'id="preview-length"' in shown.text
        tested = c.post(f"{url}/test", data={"guest": subscribed.public_id, "to": "13900001111"})
        assert tested.status_code == 200 and 'id="test-sent"' in tested.text
        assert peer.received[-1]["to"] == "+8613900001111" and peer.received[-1]["text"].startswith("[TEST] ")
        assert c.post(f"{url}/send", follow_redirects=False).status_code == 303
        results = _results(c, campaign_id, 3)
        assert results["counts"] == {"sent": 1, "skipped": 2}
        assert results["reasons"] == {"no consent recorded": 1, "no phone number": 1}
        detail = c.get(url).text
        assert 'data-reason="no phone number"' in detail and "没有手机号码" in detail

        api = c.post(
            "/api/v1/campaigns", json={"name": "API", "channel": "sms", "body_zh": "好" * 301, "body_en": "x"}
        )
        assert api.status_code == 422 and api.json()["error"] == "text_too_long"
        made = c.post(
            "/api/v1/campaigns", json={"name": "API", "channel": "wechat", "body_zh": "您好", "body_en": "Hi"}
        )
        assert made.status_code == 201 and made.json()["channel"] == "wechat"
        assert c.post(f"/api/v1/campaigns/{made.json()['id']}/send").json() == {"queued": 3}
        results = _results(c, made.json()["id"], 3)
        assert results["reasons"] == {engage.NO_GATEWAY: 3}  # no WeChat gateway is configured here
    assert [r["to"] for r in peer.received] == ["+8613900001111", subscribed.phone]
    assert {unknown.phone, no_phone.phone}.isdisjoint(r["to"] for r in peer.received)


def test_replying_td_to_an_sms_withdraws_marketing_by_sms(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    guest = make_guest(s, phone="+8613811113333")
    consent(s, guest)
    consent(s, guest, Channel.EMAIL)
    make_stay(s, "SHA01", guest)
    s.commit()
    monkeypatch.setattr(live.settings, "gateway_secret", SecretStr(SECRET))

    def reply(text: str, message_id: str) -> httpx.Response:
        body = json.dumps({"from": "+86 138 1111 3333", "text": text, "id": message_id}).encode()
        headers = {HEADER: sign(SECRET, body), "Content-Type": "application/json"}
        with live.client(role=None) as gw:
            return gw.post("/api/v1/inbox/webhooks/sms/SHA01", content=body, headers=headers)

    def answer(channel: Channel) -> str:
        s.expire_all()
        return privacy.may_use(s, guest.id, Purpose.MARKETING, channel, now=now()).answer

    assert reply("TD 是什么意思？", "sms-q").status_code == 200  # a question about TD is not an opt-out
    assert answer(Channel.SMS) == "granted"
    got = reply(" td ", "sms-td")
    assert got.status_code == 200 and got.json()["guest_public_id"] == guest.public_id
    assert answer(Channel.SMS) == "denied"
    assert answer(Channel.EMAIL) == "granted"  # only SMS
