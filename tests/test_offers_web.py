"""Offers, coupons and redemption over real HTTP: the marketing pages and API, a campaign whose
`{{ coupon }}` reaches the aiosmtpd peer and is redeemed by a later POS import, showing on the
campaign's results; staff redemption at the front desk within the clerk's hotels."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import offers, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import AuditEventRow, ConsentDecision, Coupon, CouponState
from guestgraph.ingest import import_file
from guestgraph.privacy import Channel, ConsentInput, Purpose
from guestgraph.web._i18n import read_catalog
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay
from tests.ingest_helpers import factory
from tests.smtp_peer import smtp_peer
from tests.test_offers import pos_row, write_pos

TODAY = datetime.now(UTC).date()
OFFER = {
    "name_zh": "回归礼遇：餐饮抵用券",
    "name_en": "Welcome back: F&B credit",
    "kind": "fnb_credit",
    "value_kind": "amount",
    "value": "200",
    "currency": "CNY",
    "valid_from": (TODAY - timedelta(days=1)).isoformat(),
    "valid_to": (TODAY + timedelta(days=30)).isoformat(),
}
CAMPAIGN = {
    "name": "Win-back with a coupon",
    "subject_zh": "{{ name }}，送您一张餐饮抵用券",
    "subject_en": "{{ name }}, a dining credit for you",
    "body_zh": "尊敬的{{ name }}：\n\n您的优惠券码：{{ coupon }}",
    "body_en": "Dear {{ name }},\n\nYour coupon code: {{ coupon }}",
}
CODE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}")


def _done(c: httpx.Client, campaign_id: int, n: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        body: dict[str, Any] = c.get(f"/api/v1/campaigns/{campaign_id}").json()
        counts = body["results"]["counts"]
        if counts.get("sent", 0) + counts.get("skipped", 0) + counts.get("failed", 0) >= n:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def _consent(s: Session, guest_id: int) -> None:
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        s, guest_id=guest_id, entry=entry, recorded_by_id=None, now=datetime.now(UTC) - timedelta(days=1)
    )


def test_campaign_coupon_mailed_redeemed_by_pos_import_and_shown_on_the_campaign(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = demo_group
    guest, holder = make_guest(s, gender="M"), make_guest(s, gender="F")
    for g in (guest, holder):
        make_stay(s, "SHA01", g, arrival=date(2026, 5, 1))
        _consent(s, g.id)
    s.commit()
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        with live.client(role="marketing") as c:
            made = c.post("/api/v1/offers", json={**OFFER, "hotel_codes": ["SHA01"]})
            assert made.status_code == 201, made.text
            offer_id = made.json()["id"]
            # the second guest already holds the offer's one coupon: no second one, and no message
            assert (
                c.post(f"/api/v1/offers/{offer_id}/coupons", json={"guest_id": holder.public_id}).status_code
                == 201
            )
            campaign_id = c.post("/api/v1/campaigns", json={**CAMPAIGN, "hotel_code": "SHA01"}).json()["id"]
            assert (
                c.put(f"/api/v1/campaigns/{campaign_id}/offer", json={"offer_id": offer_id}).status_code
                == 200
            )
            preview = c.post(f"/campaigns/{campaign_id}/preview", data={"guest": guest.public_id})
            assert "XXXXX-XXXXX" in preview.text  # a preview issues nothing
            assert c.post(f"/api/v1/campaigns/{campaign_id}/send").json() == {"queued": 2}
            body = _done(c, campaign_id, 2)
            assert body["results"]["counts"] == {"sent": 1, "skipped": 1}
            assert body["results"]["reasons"] == {offers.COUPON_LIMIT: 1}
            assert body["coupons"]["issued"] == 1 and body["coupons"]["redeemed"] == 0
        (mail,) = collector.to(str(guest.email))
        assert collector.to(str(holder.email)) == []
        found = CODE.findall(mail.text())
        assert len(found) == 1 and found[0] in mail.html()
        code = found[0]

    # the guest dines at the hotel; the POS file names the code on the check
    pos = write_pos(
        tmp_path / "SHA01_folio.csv",
        [pos_row("W1", code.lower(), amount="688.00", posted=f"{TODAY.isoformat()} 12:30")],
    )
    import_file(factory(live.engine), pos, source="pos")
    import_file(factory(live.engine), pos, source="pos")  # imported twice: redeemed once
    s.expire_all()
    coupon = s.scalars(select(Coupon).where(Coupon.code == offers.normalise(code))).one()
    assert (
        coupon.state is CouponState.REDEEMED
        and coupon.guest_id == guest.id
        and coupon.campaign_id == campaign_id
    )
    with live.client(role="marketing") as c:
        results = c.get(f"/api/v1/campaigns/{campaign_id}").json()["coupons"]
        assert results == {"issued": 1, "redeemed": 1, "expired": 0, "void": 0, "revenue": {"CNY": "688.00"}}
        page = c.get(f"/campaigns/{campaign_id}").text
        assert 'data-revenue="CNY"' in page and "688.00" in page and "优惠券" in page
        report = c.get(f"/api/v1/offers/{offer_id}").json()["report"]
        assert report["totals"]["redeemed"] == 1 and report["redeemed_by_hotel"] == {"SHA01": 1}
        assert [line["via"] for line in report["by_campaign"]] == ["campaign", "staff"]
        assert "688.00" in c.get(f"/offers/{offer_id}").text


def test_front_desk_redeems_at_its_own_hotels_only(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    sha, pek = hotel(s, "SHA01"), hotel(s, "PEK01")
    guest = make_guest(s)
    group_offer = offers.create_offer(
        s, scope=DataScope.group(), created_by_id=None, now=datetime.now(UTC),
        spec=offers.OfferInput(
            "升级", "Upgrade", "room_upgrade", "percent", "100",
            TODAY - timedelta(days=1), TODAY + timedelta(days=9),
        ),
    )  # fmt: skip
    code = offers.issue_coupon(
        s, offer_id=group_offer.id, guest_id=guest.id, via="staff", now=datetime.now(UTC)
    ).code
    assert code is not None
    s.commit()
    shown = offers.display(code)
    with live.client(role="front_desk", scope=DataScope.hotels(pek.id)) as c:
        # a Beijing clerk cannot redeem at Shanghai: the hotel is not theirs (404, like an unknown one)
        other = c.post(f"/api/v1/coupons/{shown}/redeem", json={"hotel_code": "SHA01", "amount": "100"})
        assert other.status_code == 404 and other.json()["error"] == "hotel_not_found"
    with live.client(role="front_desk", scope=DataScope.hotels(sha.id)) as c:
        page = c.get("/offers/redeem")
        assert page.status_code == 200 and 'name="code"' in page.text and "PEK01" not in page.text
        typo = (
            shown[1] + shown[0] + shown[2:]
            if shown[0] != shown[1]
            else shown[:-1] + ("X" if shown[-1] != "X" else "Y")
        )
        bad = c.post(f"/api/v1/coupons/{typo}/redeem", json={"hotel_code": "SHA01", "amount": "100"})
        assert bad.status_code == 422 and bad.json()["error"] == "coupon_code_invalid"
        checked = c.get(f"/api/v1/coupons/{shown}", params={"hotel": "SHA01"}).json()
        assert checked["state"] == "issued" and checked["problem"] is None and "guest_id" not in checked
        checked_page = c.post(
            "/offers/redeem", data={"code": shown.lower(), "hotel": "SHA01", "action": "check"}
        )
        assert 'id="redeemable"' in checked_page.text
        done = c.post(
            "/offers/redeem",
            data={"code": shown, "hotel": "SHA01", "action": "redeem", "amount": "1288", "outlet": "room"},
        )
        assert done.status_code == 200 and 'id="redeemed"' in done.text and "1288.00" in done.text
        again = c.post(f"/api/v1/coupons/{shown}/redeem", json={"hotel_code": "SHA01", "amount": "100"})
        assert again.status_code == 409 and again.json()["error"] == "coupon_not_redeemable"
        assert c.get("/offers").status_code == 403  # the marketing pages are not the front desk's
        assert c.post("/api/v1/offers", json=OFFER).status_code == 403
    s.expire_all()
    event = s.scalars(select(AuditEventRow).where(AuditEventRow.action == "coupon.redeem")).one()
    assert event.guest_public_id == guest.public_id


def test_offer_pages_create_list_and_pause(live: LiveServer, demo_group: Session) -> None:
    with live.client(role="marketing") as c:
        assert c.get("/offers").status_code == 200
        form = {**OFFER, "hotels": ["SHA01", "SHA02"], "per_guest_limit": "2", "total_limit": "100"}
        created = c.post("/offers", data=form, follow_redirects=False)
        assert created.status_code == 303, created.text
        url = created.headers["location"]
        listed = c.get("/offers").text
        assert "回归礼遇" in listed and "SHA01, SHA02" in listed
        assert c.post(f"{url}/pause", follow_redirects=False).status_code == 303
        assert 'data-status="paused"' in c.get(url).text
        assert c.get("/api/v1/offers").json()[0]["status"] == "paused"
        bad = c.post("/offers", data={**OFFER, "valid_to": "2020-01-01"})
        assert bad.status_code == 400 and 'id="form-error"' in bad.text
        assert c.get("/offers/999999").status_code == 404


def test_every_offer_message_is_translated() -> None:
    translated = {m.id for m in read_catalog("zh_CN") if m.id and m.string}
    assert set(offers.NOT_ISSUED) <= translated
    assert set(offers.KINDS) <= translated
