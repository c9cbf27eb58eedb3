"""Campaign pages, API and the public unsubscribe link over real HTTP, with aiosmtpd as the SMTP peer."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from guestgraph import engage, privacy
from guestgraph.db.models import ConsentDecision
from guestgraph.privacy import Channel, ConsentInput, Purpose
from guestgraph.web._i18n import read_catalog
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import smtp_peer

CAMPAIGN = {
    "name": "Autumn",
    "subject_zh": "{{ name }}，{{ hotel }}想念您",
    "subject_en": "{{ name }}, {{ hotel }} misses you",
    "body_zh": "尊敬的{{ name }}：\n\n期待您再次光临{{ hotel }}。",
    "body_en": "Dear {{ name }},\n\nWe hope to welcome you back at {{ hotel }}.",
}


def _results(c: httpx.Client, campaign_id: int, done: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        results: dict[str, Any] = c.get(f"/api/v1/campaigns/{campaign_id}").json()["results"]
        counts = results["counts"]
        if counts.get("sent", 0) + counts.get("skipped", 0) + counts.get("failed", 0) >= done:
            return results
        assert time.monotonic() < deadline, results
        time.sleep(0.1)


def test_campaign_pages_send_and_unsubscribe_end_to_end(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_group
    subscribed, unknown = make_guest(s, gender="M"), make_guest(s, gender="F")
    for g in (subscribed, unknown):
        make_stay(s, "SHA01", g, arrival=date(2026, 9, 1))
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    when = datetime.now(UTC) - timedelta(days=1)
    privacy.record_consent(s, guest_id=subscribed.id, entry=entry, recorded_by_id=None, now=when)
    s.commit()
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        with live.client(role="marketing") as c:
            page = c.get("/campaigns")
            assert page.status_code == 200 and 'href="/campaigns"' in page.text
            created = c.post("/campaigns", data={**CAMPAIGN, "hotel": "SHA01"}, follow_redirects=False)
            assert created.status_code == 303
            url = created.headers["location"]
            campaign_id = int(url.rsplit("/", 1)[1])
            shown = c.post(f"{url}/preview", data={"guest": subscribed.public_id})
            assert shown.status_code == 200 and "尊敬的王先生" in shown.text
            tested = c.post(f"{url}/test", data={"guest": unknown.public_id, "to": "me@hotel.example"})
            assert tested.status_code == 200 and 'id="test-sent"' in tested.text
            assert collector.recipients() == ["me@hotel.example"]
            assert c.post(f"{url}/send", follow_redirects=False).status_code == 303
            results = _results(c, campaign_id, 2)
            assert results["counts"] == {"sent": 1, "skipped": 1}
            assert results["reasons"] == {"no consent recorded": 1}
            detail = c.get(url).text
            assert 'data-reason="no consent recorded"' in detail and "未记录同意" in detail
        (mail,) = collector.to(str(subscribed.email))
        assert "王先生" in mail.message["Subject"]
        link = mail.message["List-Unsubscribe"].strip("<>")
        assert link.startswith(f"{live.base_url}/u/")

        with httpx.Client(timeout=30) as mail_provider:  # RFC 8058 one-click: no cookie, no CSRF token
            assert mail_provider.get(link).status_code == 200
            done = mail_provider.post(link, data={"List-Unsubscribe": "One-Click"})
            assert done.status_code == 200 and 'id="unsubscribed"' in done.text
            assert mail_provider.post(link[:-2] + "xx").status_code == 404
        s.expire_all()
        answer = privacy.may_use(s, subscribed.id, Purpose.MARKETING, Channel.EMAIL, now=datetime.now(UTC))
        assert answer.answer == "denied"

        with live.client(role="marketing") as c:
            second = c.post("/api/v1/campaigns", json={**CAMPAIGN, "name": "Winter"})
            assert second.status_code == 201
            second_id = second.json()["id"]
            assert c.post(f"/api/v1/campaigns/{second_id}/send").json() == {"queued": 2}
            results = _results(c, second_id, 2)
            assert results["reasons"] == {"consent withdrawn": 1, "no consent recorded": 1}
        assert len(collector.to(str(subscribed.email))) == 1
        assert collector.to(str(unknown.email)) == []


def test_campaigns_need_campaign_manage(live: LiveServer, demo_group: Session) -> None:
    with live.client(role="front_desk") as c:
        assert c.get("/campaigns").status_code == 403
        assert c.post("/api/v1/campaigns", json=CAMPAIGN).status_code == 403
    with live.client(role="marketing") as c:
        bad = c.post("/campaigns", data={**CAMPAIGN, "body_en": "{% if %}"})
        assert bad.status_code == 422 and 'id="form-error"' in bad.text
        assert c.get("/campaigns/999999").status_code == 404


def test_every_skip_reason_is_translated() -> None:
    translated = {m.id for m in read_catalog("zh_CN") if m.id and m.string}
    assert set(engage.REASONS) <= translated
