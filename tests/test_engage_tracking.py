"""Open and click tracking of campaign e-mail over real HTTP with aiosmtpd as the mail peer: the
pixel and the rewritten links in the mail as received, first-open and first-click counts and rates
on the page and in the API, a tampered URL or token refused (404, no redirect), and the tracking
data in the guest's export and gone with the erasure."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import CampaignMessage, ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import Received, smtp_peer

OFFER = "https://hotel.example/offer?code=SPRING&lang=zh"
CAMPAIGN = {
    "name": "Tracked",
    "subject_zh": "{{ name }}，春季礼遇",
    "subject_en": "{{ name }}, a spring offer",
    "body_zh": f"尊敬的{{{{ name }}}}：\n\n详情请见{OFFER}。\n\n退订：{{{{ unsubscribe_url }}}}",
    "body_en": f"Dear {{{{ name }}}},\n\nSee {OFFER}.",
}


def _results(c: httpx.Client, campaign_id: int, done: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        results: dict[str, Any] = c.get(f"/api/v1/campaigns/{campaign_id}").json()["results"]
        if results["counts"].get("sent", 0) >= done:
            return results
        assert time.monotonic() < deadline, results
        time.sleep(0.1)


def _pixel_and_link(mail: Received) -> tuple[str, str]:
    body = mail.html()
    (pixel,) = re.findall(r'<img src="([^"]+)"', body)
    (link,) = re.findall(r'<a href="([^"]+)">' + re.escape(OFFER) + "</a>", body)
    return html.unescape(pixel), html.unescape(link)


def test_opens_and_clicks_are_counted_and_links_redirect_only_where_the_mail_said(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    reader, other = make_guest(s), make_guest(s)
    for g in (reader, other):
        make_stay(s, "SHA01", g, arrival=date(2026, 9, 1))
        entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
        privacy.record_consent(
            s, guest_id=g.id, entry=entry, recorded_by_id=None, now=datetime.now(UTC) - timedelta(days=1)
        )
    s.commit()
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        with live.client(role="marketing") as c:
            made = c.post("/api/v1/campaigns", json=CAMPAIGN)
            assert made.status_code == 201
            campaign_id = made.json()["id"]
            assert c.post(f"/api/v1/campaigns/{campaign_id}/send").json() == {"queued": 2}
            before = _results(c, campaign_id, 2)
            assert (before["opened"], before["clicked"], before["open_rate"]) == (0, 0, 0.0)
        (mail,) = collector.to(str(reader.email))

    pixel, link = _pixel_and_link(mail)
    assert pixel.startswith(f"{live.base_url}/o/") and link.startswith(f"{live.base_url}/c/")
    assert OFFER in mail.text()  # the plain-text part keeps the URL as written
    unsubscribe = mail.message["List-Unsubscribe"].strip("<>")
    assert f'<a href="{html.escape(unsubscribe)}">' in mail.html()  # the unsubscribe link is not tracked
    assert parse_qs(urlsplit(link).query)["u"] == [OFFER]

    with httpx.Client(timeout=30) as mail_client:  # no login: a mail client fetching the image
        for _ in range(2):
            image = mail_client.get(pixel)
            assert image.status_code == 200 and image.headers["content-type"] == "image/gif"
            assert image.content.startswith(b"GIF89a") and image.headers["cache-control"] == "no-store"
        clicked = mail_client.get(link, follow_redirects=False)
        assert clicked.status_code == 302 and clicked.headers["location"] == OFFER

        token_part = link.split("?", 1)[0]
        for forged in (
            f"{token_part}?{urlencode({'u': 'https://evil.example/phish'})}",  # another URL, same token
            f"{token_part}?{urlencode({'u': OFFER + '&x=1'})}",  # the URL extended
            f"{token_part}",  # no URL at all
            link.replace("/c/", "/c/9").split("?")[0] + "?" + link.split("?", 1)[1],  # another message
            token_part[:-2] + ("AA" if not token_part.endswith("AA") else "BB") + "?" + link.split("?", 1)[1],
            f"{token_part}?{urlencode({'u': 'javascript:alert(1)'})}",
        ):
            refused = mail_client.get(forged, follow_redirects=False)
            assert refused.status_code == 404, forged
            assert "location" not in refused.headers
        assert mail_client.get(pixel[:-2] + "xx").status_code == 404
        assert (
            mail_client.get(pixel.replace("/o/", "/c/")).status_code == 404
        )  # an open token is no click token

    with live.client(role="marketing") as c:
        after = c.get(f"/api/v1/campaigns/{campaign_id}").json()["results"]
        assert (after["opened"], after["clicked"]) == (1, 1)
        assert (after["open_rate"], after["click_rate"]) == (0.5, 0.5)
        page = c.get(f"/campaigns/{campaign_id}").text
        assert '<tr data-figure="opened"><td>已打开</td><td>1 (50.0%)</td></tr>' in page
        assert '<tr data-figure="clicked"><td>已点击</td><td>1 (50.0%)</td></tr>' in page

    s.expire_all()
    rows = {
        g: (o, k)
        for g, o, k in s.execute(
            select(CampaignMessage.guest_id, CampaignMessage.opened_at, CampaignMessage.clicked_at)
        )
    }
    assert rows[other.id] == (None, None)
    opened_at, clicked_at = rows[reader.id]
    assert opened_at is not None and clicked_at is not None and opened_at <= clicked_at

    exported = privacy.export_guest(
        s, scope=DataScope.group(), public_id=reader.public_id, actor_id=None, now=datetime.now(UTC)
    )
    (message,) = exported["tables"]["campaign_message"]
    assert message["opened_at"] is not None and message["clicked_at"] is not None
    privacy.erase_guest(s, guest_id=reader.id, now=datetime.now(UTC))
    s.commit()
    assert s.scalar(select(CampaignMessage.id).where(CampaignMessage.guest_id == reader.id)) is None
    with httpx.Client(timeout=30) as mail_client:  # after erasure the pixel records nothing (no row)
        assert mail_client.get(pixel).status_code == 200
    assert engage.campaign_results(s, campaign_id, scope=DataScope.group()).opened == 0


def test_a_click_token_covers_its_url_only() -> None:
    key = b"k" * 32
    link = engage.click_url("https://gg.example", key, 7, OFFER)
    token = urlsplit(link).path.rsplit("/", 1)[1]
    assert parse_qs(urlsplit(link).query)["u"] == [OFFER]
    from guestgraph.engage._tokens import clicked_message, opened_message

    assert clicked_message(key, token, OFFER) == 7
    for url in ("https://evil.example", OFFER + "#", "http" + OFFER[5:]):
        with pytest.raises(engage.InvalidTrackingLink):
            clicked_message(key, token, url)
    with pytest.raises(engage.InvalidTrackingLink):
        clicked_message(b"o" * 32, token, OFFER)  # another server's key
    with pytest.raises(engage.InvalidTrackingLink):
        opened_message(key, token)  # a click token opens nothing
