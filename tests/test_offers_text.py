"""Coupons by SMS, with a real local HTTP peer as the gateway, on both databases: an SMS campaign's
`{{ coupon }}` carries the code issued for the message (a guest at the offer's limit gets no SMS, a
message the gateway refuses gives its coupon back), and a journey's `send_text` step after an
`issue_coupon` step carries the code the enrolment got."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import engage, journeys, offers, privacy
from guestgraph.db import make_session_factory
from guestgraph.db.models import ConsentDecision, Coupon, CouponState, Guest, JourneyStatus
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import make_guest, make_stay
from tests.gateway_peer import GatewayPeer
from tests.test_engage_text import peer, policy, statuses, text_campaign
from tests.test_journeys import GROUP, T0
from tests.test_offers_journeys import _offer

__all__ = ["peer"]
CODE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}")


def _sms_consent(s: Session, *guests: Guest) -> None:
    for g in guests:
        entry = ConsentInput(Purpose.MARKETING, Channel.SMS, ConsentDecision.GRANTED, "test")
        privacy.record_consent(
            s, guest_id=g.id, entry=entry, recorded_by_id=None, now=T0 - timedelta(days=30)
        )
        make_stay(s, "SHA01", g, arrival=T0.date() - timedelta(days=40))


def _code_of(text: str) -> str:
    (code,) = CODE.findall(text)
    return offers.normalise(code)


def test_an_sms_campaign_carries_each_guests_coupon_code(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    fresh, holder = make_guest(s), make_guest(s)
    _sms_consent(s, fresh, holder)
    offer = _offer(s)
    assert offers.issue_coupon(s, offer_id=offer.id, guest_id=holder.id, via="staff", now=T0).code
    body = {"body_zh": "{{ name }}，您的优惠券码：{{ coupon }}", "body_en": "{{ name }}: code {{ coupon }}"}
    campaign = text_campaign(s, hotel_code="SHA01", **body)
    offers.set_campaign_offer(s, campaign.id, scope=GROUP, offer_id=offer.id, now=T0)
    assert engage.queue_campaign(s, campaign.id, scope=GROUP, now=T0) == 2
    s.commit()

    factory = make_session_factory(engine)
    report = engage.send_queued(factory, policy=policy({"sms": peer.url}), clock=lambda: T0)

    assert (report.sent, report.skipped) == (1, 1)
    (sms,) = peer.received
    assert sms["to"] == fresh.phone and sms["text"].endswith("\n回复TD退订")
    assert sms["text"].startswith("王先生，您的优惠券码：")
    s.expire_all()
    coupon = s.scalars(select(Coupon).where(Coupon.code == _code_of(sms["text"]))).one()
    assert (coupon.guest_id, coupon.campaign_id, coupon.state) == (fresh.id, campaign.id, CouponState.ISSUED)
    assert statuses(s)[holder.id] == ("skipped", offers.COUPON_LIMIT)  # no SMS without a code

    # a gateway that refuses the message: failed, and the coupon it would have carried is withdrawn
    late = make_guest(s)
    _sms_consent(s, late)
    s.commit()
    assert engage.queue_campaign(s, campaign.id, scope=GROUP, now=T0) == 1
    s.commit()
    peer.status = 500
    engage.send_queued(factory, policy=policy({"sms": peer.url}), clock=lambda: T0)
    assert statuses(s)[late.id] == ("failed", "refused by the gateway")
    refused = s.scalars(select(Coupon).where(Coupon.guest_id == late.id)).one()
    assert refused.state is CouponState.VOID and _code_of(peer.received[-1]["text"]) == refused.code
    assert offers.campaign_coupon_results(s, campaign.id, scope=GROUP).issued == 1


def test_a_journey_sms_after_a_coupon_step_carries_its_code(
    demo_group: Session, engine: Engine, peer: GatewayPeer
) -> None:
    s = demo_group
    guest = make_guest(s)
    _sms_consent(s, guest)
    make_stay(
        s, "SHA01", guest, arrival=T0.date() - timedelta(days=3), departure=T0.date() - timedelta(days=1)
    )
    offer = _offer(s)
    definition = {
        "trigger": {"type": "checked_out", "within_days": 2},
        "steps": [
            {"key": "sms", "type": "send_text", "channel": "sms",
             "body_zh": "{{ name }}，下次入住可用券码 {{ coupon }}", "body_en": "Code {{ coupon }}"},
        ],
    }  # fmt: skip
    row = journeys.create_journey(
        s, scope=GROUP, name="SMS gift", definition=definition, hotel_code=None, created_by_id=None, now=T0
    )
    journeys.add_coupon_step(s, row.id, scope=GROUP, offer_id=offer.id, after=None, key="gift", now=T0)
    journeys.set_status(s, row.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0)
    s.commit()
    quiet = journeys.QuietHours.parse("21:00-09:00")
    configured = journeys.JourneyPolicy(policy({"sms": peer.url}), quiet, "Asia/Shanghai")

    done = journeys.run_pass(make_session_factory(engine), policy=configured, clock=lambda: T0)

    assert done.outcomes == {"issue_coupon": 1, "sent": 1}
    (sms,) = peer.received
    assert sms["to"] == guest.phone and sms["text"].startswith("王先生，下次入住可用券码 ")
    s.expire_all()
    coupon = s.scalars(select(Coupon).where(Coupon.code == _code_of(sms["text"]))).one()
    assert (coupon.guest_id, coupon.journey_id, coupon.issued_via) == (guest.id, row.id, "journey")
    assert journeys.journey_coupons(s, row.id, scope=GROUP).issued == 1
