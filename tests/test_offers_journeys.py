"""The journey step `issue_coupon` on both databases with aiosmtpd as the mail peer: a dormant guest
gets a coupon and the win-back e-mail carrying its code, once; a guest at the offer's limit leaves
the journey with the reason and gets no mail; the step is added to a draft through the editor form."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import journeys, offers
from guestgraph.db.models import Coupon, JourneyStatus
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import Collector
from tests.test_journeys import GROUP, T0, _dormant, consent, peer, run, runs

__all__ = ["peer"]
MAIL = {
    "key": "mail",
    "type": "send_email",
    "subject_zh": "{{ name }}，我们想念您",
    "subject_en": "{{ name }}, we miss you",
    "body_zh": "您的优惠券码：{{ coupon }}",
    "body_en": "Your coupon code: {{ coupon }}",
}


def _offer(s: Session) -> offers.OfferRow:
    spec = offers.OfferInput(
        "回归礼遇", "Welcome back", "room_upgrade", "percent", "100", T0.date() - timedelta(days=1),
        T0.date() + timedelta(days=60),
    )  # fmt: skip
    return offers.create_offer(s, scope=GROUP, spec=spec, created_by_id=None, now=T0)


def test_win_back_journey_issues_a_coupon_and_mails_its_code_once(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    fresh, holder = make_guest(s), make_guest(s)
    for g in (fresh, holder):
        consent(s, g)
        make_stay(s, "SHA01", g, arrival=date(2026, 3, 1))
        _dormant(s, g, m_score=5)
    offer = _offer(s)
    assert offers.issue_coupon(s, offer_id=offer.id, guest_id=holder.id, via="staff", now=T0).code
    definition = {"trigger": {"type": "stage_changed", "stage": "dormant"}, "steps": [MAIL]}
    draft = journeys.create_journey(
        s, scope=GROUP, name="Win-back", definition=definition, hotel_code=None, created_by_id=None, now=T0
    )
    journeys.add_coupon_step(s, draft.id, scope=GROUP, offer_id=offer.id, after=None, key="coupon", now=T0)
    journeys.set_status(s, draft.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0)
    s.commit()

    first = run(engine, port, T0)
    assert first.enrolled == 2 and first.outcomes == {"issue_coupon": 2, "sent": 1}
    (mail,) = collector.received
    assert mail.rcpt_tos == [str(fresh.email)]
    (code,) = re.findall(r"[0-9A-Z]{5}-[0-9A-Z]{5}", mail.text())
    s.expire_all()
    coupon = s.scalars(select(Coupon).where(Coupon.code == offers.normalise(code))).one()
    assert coupon.guest_id == fresh.id and coupon.issued_via == "journey" and coupon.journey_id == draft.id
    counts = runs(s, draft.id)
    assert counts.steps["coupon"] == {"done": 1, "skipped": 1}
    assert counts.reasons == {offers.COUPON_LIMIT: 1}
    assert counts.by_status == {"done": 1, "exited": 1}
    assert run(engine, port, T0 + timedelta(days=1)).steps == 0 and len(collector.received) == 1


def test_the_coupon_step_form_on_a_draft_journey(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    offer = _offer(s)
    definition = {"trigger": {"type": "checked_out"}, "steps": [MAIL]}
    draft = journeys.create_journey(
        s, scope=GROUP, name="Thanks", definition=definition, hotel_code=None, created_by_id=None, now=T0
    )
    s.commit()
    with live.client(role="marketing") as c:
        page = c.get(f"/journeys/{draft.id}")
        assert 'id="coupon-step-form"' in page.text and "回归礼遇" in page.text
        added = c.post(
            f"/journeys/{draft.id}/coupon-step",
            data={"offer": str(offer.id), "after": "", "key": "gift"},
            follow_redirects=False,
        )
        assert added.status_code == 303
        shown = c.get(f"/journeys/{draft.id}").text
        assert 'data-step="gift"' in shown and f'href="/offers/{offer.id}"' in shown
        bad = c.post(f"/journeys/{draft.id}/coupon-step", data={"offer": "999999", "key": "x"})
        assert bad.status_code == 404
    with pytest.raises(journeys.JourneyInvalid):
        journeys.add_coupon_step(s, draft.id, scope=GROUP, offer_id=offer.id, after=None, key="gift", now=T0)
