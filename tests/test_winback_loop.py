"""The win-back loop end to end (issue 9), on both databases with real parts only: a high-value guest
becomes dormant in the lifecycle refresh (injected day) → the shipped win-back journey, with a coupon
step added on its page, mails the coupon code (aiosmtpd) → a later POS import redeems the code and the
journey's page (and the offer's) shows the redemption and its revenue → the guest unsubscribes by the
link in the mail → the journey's reminder and a marketing campaign send that guest nothing, and the
journey's guest list and the guest's timeline say why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from guestgraph import analytics, journeys, privacy
from guestgraph.db import make_session_factory
from guestgraph.db.models import ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.auth_helpers import browser_like, csrf_of
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import smtp_peer
from tests.test_offers import pos_row, write_pos
from tests.test_offers_web import CODE, OFFER, _done


def test_dormant_guest_gets_a_coupon_redeems_it_unsubscribes_and_hears_no_more(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = demo_group
    today = datetime.now(UTC).date()
    at = datetime.combine(today, time(3, 0), UTC)  # 11:00 at SHA01 (Shanghai): outside quiet hours
    guest = make_guest(s, gender="M", full_name="王大伟", family_name="王", given_name="大伟")
    gone = today - timedelta(days=185)  # last check-out: at risk a month ago, dormant (> 180 days) today
    make_stay(s, "SHA01", guest, arrival=gone - timedelta(days=3), departure=gone, amount=Decimal(30000))
    for n in range(4):  # recent, smaller spenders: the guest is in the top fifth by spend (m_score 5)
        recent = today - timedelta(days=60)
        make_stay(s, "SHA01", make_guest(s), arrival=recent - timedelta(days=2), departure=recent,
                  amount=Decimal(800 + n))  # fmt: skip
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "booking form")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=at - timedelta(days=30)
    )
    s.commit()
    rules = live.settings.analytics_settings()
    month_ago = at - timedelta(days=30)
    analytics.refresh(live.engine, settings=rules, as_of=month_ago.date(), now=month_ago)

    monkeypatch.setattr(live.settings, "public_base_url", live.base_url)

    def run_worker(now: datetime) -> journeys.PassReport:
        """One pass of `guestgraph worker`, its policy built from the settings as the command does."""
        policy = journeys.JourneyPolicy.from_settings(live.settings)
        return journeys.run_pass(make_session_factory(live.engine), policy=policy, clock=lambda: now)

    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        # 1. marketing: an offer, the shipped win-back journey with a coupon step before its mail, activated
        with live.client(role="marketing") as c:
            offer = c.post("/api/v1/offers", json=OFFER)
            assert offer.status_code == 201, offer.text
            offer_id = offer.json()["id"]
            made = c.post("/journeys", data={"template": "win_back", "hotel": ""}, follow_redirects=False)
            url = made.headers["location"]
            journey_id = int(url.rsplit("/", 1)[1])
            step = {"offer": str(offer_id), "after": "tag", "key": "coupon"}
            assert c.post(f"{url}/coupon-step", data=step, follow_redirects=False).status_code == 303
            keys = [
                x["key"]
                for x in c.get(f"/api/v1/journeys/{journey_id}").json()["journey"]["definition"]["steps"]
            ]
            assert keys == ["tag", "coupon", "offer", "wait", "still_away", "reminder"]
            assert c.post(f"{url}/activate", follow_redirects=False).status_code == 303

        # 2. a month ago the guest was at risk, not dormant: the journey takes no one
        assert run_worker(at).enrolled == 0 and collector.received == []

        # 3. today's refresh makes them dormant: enrolled, tagged, given a coupon, mailed its code
        analytics.refresh(live.engine, settings=rules, as_of=today, now=at)
        first = run_worker(at)
        assert first.enrolled == 1
        assert first.outcomes == {"add_tag": 1, "issue_coupon": 1, "sent": 1, "wait": 1}
        (mail,) = collector.received
        assert mail.rcpt_tos == [str(guest.email)] and mail.message["Subject"] == "王先生，我们想念您"
        (code,) = CODE.findall(mail.text())
        assert f"您的优惠券码：{code}" in mail.text() and code in mail.html()
        assert run_worker(at + timedelta(hours=1)).enrolled == 0  # one stage change enrols once

    # 4. the guest dines at the hotel a few hours later; the POS file names the code on the check
    pos = write_pos(
        tmp_path / "SHA01_folio.csv",
        [pos_row("W1", code, amount="688.00", posted=f"{today.isoformat()} 12:30"), pos_row("W2")],
    )
    with live.client(role="data_steward", follow_redirects=True) as steward:
        upload = {"file": (pos.name, pos.read_bytes(), "text/csv")}
        assert steward.post("/imports", data={"source": "pos"}, files=upload).status_code == 200

    # 5. the journey's page and API show the redemption and its revenue; so does the offer's report
    with live.client(role="marketing") as c:
        api = c.get(f"/api/v1/journeys/{journey_id}").json()
        assert api["coupons"] == {
            "issued": 1, "redeemed": 1, "expired": 0, "void": 0, "revenue": {"CNY": "688.00"},
        }  # fmt: skip
        page = c.get(url).text
        assert '<tr data-figure="redeemed"><th>已核销优惠券</th><td>1</td>' in page
        assert '<tr data-revenue="CNY"><th>消费总额 (CNY)</th><td>688.00</td>' in page
        report = c.get(f"/api/v1/offers/{offer_id}").json()["report"]
        (line,) = report["by_campaign"]
        assert (line["via"], line["journey_id"], line["redeemed"]) == ("journey", journey_id, 1)
        assert f'href="/journeys/{journey_id}"' in c.get(f"/offers/{offer_id}").text

    # 6. the guest follows the unsubscribe link in the mail and confirms
    (link,) = re.findall(r"http://\S+/u/j[A-Za-z0-9._-]+", mail.text())
    assert str(mail.message["List-Unsubscribe"]) == f"<{link}>"
    with browser_like(live) as browser:
        shown = browser.get(link)
        assert shown.status_code == 200 and 'id="unsubscribe-form"' in shown.text
        done = browser.post(link, data={"csrf_token": csrf_of(shown.text)})
        assert done.status_code == 200 and 'id="unsubscribed"' in done.text

    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        # 7. two weeks on, still dormant: the reminder is due, and is not sent
        reminder = run_worker(at + timedelta(days=14, minutes=1))
        assert reminder.outcomes == {"condition": 1, "skipped": 1}
        # … nor is a marketing campaign to the hotel's guests
        with live.client(role="marketing") as c:
            campaign = {
                "name": "Autumn", "hotel_code": "SHA01", "subject_zh": "{{ name }}，秋季礼遇",
                "subject_en": "Autumn, {{ name }}", "body_zh": "秋季礼遇", "body_en": "Autumn offer",
            }  # fmt: skip
            campaign_id = c.post("/api/v1/campaigns", json=campaign).json()["id"]
            assert c.post(f"/api/v1/campaigns/{campaign_id}/send").json() == {"queued": 5}
            results = _done(c, campaign_id, 5)["results"]
            assert results["counts"] == {"skipped": 5}
            assert results["reasons"] == {"consent withdrawn": 1, "no consent recorded": 4}
        assert collector.received == []

    # 8. why, per guest: the journey's guest list and the guest's own timeline
    with live.client(role="marketing") as c:
        (line,) = c.get(f"/api/v1/journeys/{journey_id}/guests").json()
        assert (line["public_id"], line["status"], line["last_step"], line["reason"]) == (
            guest.public_id, "done", "reminder", "consent withdrawn",
        )  # fmt: skip
        page = c.get(url).text
        row = re.search(rf'<tr data-guest="{guest.public_id}">.*?</tr>', page, re.S)
        assert row is not None and '<td class="reason">已撤回同意</td>' in row.group(0)
        profile = c.get(f"/guests/{guest.public_id}").text
        assert "未发送邮件: consent withdrawn" in profile
