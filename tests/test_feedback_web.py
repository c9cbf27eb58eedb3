"""Surveys over real HTTP on both databases: the closed loop (check-out through the front-desk API →
survey mail received by aiosmtpd → answer on the public page → a low score opens a ticket → the answer
on the guest's profile timeline), one answer per link, a link never showing another guest's data,
the rate limit, and who may see scores and edit the feedback words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import ConsentDecision, Guest, Hotel, ServiceTicket, StayStatus, Survey
from guestgraph.paging import PageRequest
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.auth_helpers import browser_like, csrf_of
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_stay, without_pms_feed
from tests.smtp_peer import Collector, smtp_peer


def _codes(session: Session) -> tuple[str, str]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


def _guest(session: Session, email: str, *, name: str = "李雷", consent: bool = True) -> Guest:
    g = make_guest(session, email=email, full_name=name, family_name=name[0], given_name=name[1:])
    if consent:
        entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "registration card")
        when = datetime.now(UTC) - timedelta(days=3)
        privacy.record_consent(session, guest_id=g.id, entry=entry, recorded_by_id=None, now=when)
    return g


def _link(collector: Collector, address: str) -> str:
    [mail] = collector.to(address)
    found = re.search(r"(http://\S+/s/[A-Za-z0-9_-]+\?lang=\w+)", mail.text())
    assert found, mail.text()
    return found.group(1)


def _answer(c: httpx.Client, link: str, **form: object) -> httpx.Response:
    page = c.get(link)
    assert page.status_code == 200, page.text
    return c.post(link, data={"csrf_token": csrf_of(page.text), **form})


@pytest.fixture
def mail(live: LiveServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        yield collector


def test_check_out_survey_mail_low_answer_ticket_and_timeline(
    live: LiveServer, demo_group: Session, mail: Collector
) -> None:
    a, _b = _codes(demo_group)
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    guest = _guest(demo_group, "lilei@example.com")
    today = datetime.now(UTC).date()
    stay = make_stay(
        demo_group, a, guest, arrival=today - timedelta(days=2), departure=today, status=StayStatus.IN_HOUSE
    )
    without_pms_feed(demo_group, a)
    demo_group.commit()
    with live.client(role="front_desk", scope=scope_a) as desk:
        out = desk.post(f"/api/v1/hotels/{a}/stays/{stay.confirmation_number}/check-out")
        assert out.status_code == 200, out.text
    with live.client(role="service_agent", scope=scope_a) as agent:
        sent = agent.post("/api/v1/surveys/send", json={"checked_out_since": str(today - timedelta(days=1))})
        assert sent.json() == {"sent": 1, "skipped": 0, "failed": 0}
    link = _link(mail, "lilei@example.com")
    assert link.startswith(live.base_url + "/s/") and link.endswith("?lang=zh_CN")

    with browser_like(live) as phone:  # the guest: no staff cookie, no login
        page = phone.get(link)
        assert page.status_code == 200 and 'data-state="open"' in page.text
        assert hotel(demo_group, a).name_zh in page.text
        assert "李雷" not in page.text and "lilei@" not in page.text and guest.public_id not in page.text
        done = _answer(phone, link, nps="2", csat="1", comment="房间太脏了，前台态度也不好")
        assert done.status_code == 200 and 'data-state="thanks"' in done.text, done.text[-800:]
        again = phone.post(link, data={"csrf_token": csrf_of(page.text), "nps": "10", "csat": "5"})
        assert again.status_code == 409 and 'data-state="answered"' in again.text
        revisit = phone.get(link)
        assert revisit.status_code == 200 and 'data-state="answered"' in revisit.text

    demo_group.expire_all()
    survey = demo_group.scalars(select(Survey)).one()
    assert (survey.nps, survey.csat, survey.sentiment) == (2, 1, "complaint")
    ticket = demo_group.get_one(ServiceTicket, survey.ticket_id)
    assert (ticket.guest_id, ticket.priority, ticket.status.value) == (guest.id, "high", "open")
    with live.client(role="service_agent", scope=scope_a) as agent:
        tickets = agent.get("/api/v1/tickets").json()
        assert [t["id"] for t in tickets] == [ticket.id] and tickets[0]["guest_id"] == guest.public_id
        profile = agent.get(f"/guests/{guest.public_id}")
        assert profile.status_code == 200
        timeline = profile.text.split('id="interactions"')[1]
        assert (
            'data-kind="survey"' in timeline and "NPS 2/10, CSAT 1/5" in timeline and "房间太脏了" in timeline
        )
    with live.client(role="hotel_manager", scope=scope_a) as manager:
        [row] = manager.get("/api/v1/surveys/scores").json()
        assert (row["hotel"], row["sent"], row["answered"], row["nps"], row["csat"]) == (a, 1, 1, -100.0, 1.0)
        [answer] = manager.get("/api/v1/surveys/answers").json()
        assert answer["low"] and "脏" in answer["matched"] and answer["ticket_id"] == ticket.id
        page = manager.get("/surveys")
        assert page.status_code == 200 and f'data-hotel="{a}"' in page.text and "脏" in page.text
    events = audit.search_events(demo_group, action="survey.answer", paging=PageRequest(page=1, size=10))
    assert [e.event.guest_public_id for e in events.items] == [guest.public_id]


def test_one_link_never_shows_or_changes_another_guests_survey(
    live: LiveServer, demo_group: Session, mail: Collector
) -> None:
    a, _b = _codes(demo_group)
    first, second = (
        _guest(demo_group, "first@example.com"),
        _guest(demo_group, "second@example.com", name="韩梅梅"),
    )
    unsent = _guest(demo_group, "unsent@example.com", consent=False)
    for g in (first, second, unsent):
        make_stay(demo_group, a, g, departure=datetime.now(UTC).date())
    demo_group.commit()
    with live.client(role="service_agent") as agent:
        assert (
            agent.post("/api/v1/surveys/send", json={"checked_out_since": "2020-01-01"}).json()["sent"] == 2
        )
    link_1, link_2 = _link(mail, "first@example.com"), _link(mail, "second@example.com")
    with browser_like(live) as phone:
        assert _answer(phone, link_1, nps="9", csat="5", comment="Great staff").status_code == 200
        other = phone.get(link_2)
        assert other.status_code == 200 and 'data-state="open"' in other.text  # untouched by the first
        for text in ("韩梅梅", "second@", second.public_id, "李雷", "first@", first.public_id, "Great staff"):
            assert text not in other.text
        token = link_2.split("/s/")[1].split("?")[0]
        forged = link_2.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        assert phone.get(forged).status_code == 404 and 'data-state="invalid"' in phone.get(forged).text
        assert phone.get(f"{live.base_url}/s/{'x' * 200}").status_code in (404, 422)
    demo_group.expire_all()
    answered = dict(demo_group.execute(select(Survey.guest_id, Survey.nps)).all())
    assert answered == {first.id: 9, second.id: None, unsent.id: None}
    assert demo_group.scalars(select(ServiceTicket)).all() == []  # a good score opens no ticket


def test_too_many_invalid_links_from_one_address_are_refused(
    live: LiveServer, demo_group: Session, mail: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _b = _codes(demo_group)
    g = _guest(demo_group, "patient@example.com")
    make_stay(demo_group, a, g, departure=date(2026, 1, 5))
    demo_group.commit()
    with live.client(role="service_agent") as agent:
        agent.post("/api/v1/surveys/send", json={"checked_out_since": "2026-01-01"})
    link = _link(mail, "patient@example.com")
    monkeypatch.setattr(live.settings, "survey_rate_limit", 3)
    # from an address of its own, so other tests' invalid links do not count (the limiter is per address)
    with browser_like(live, transport=httpx.HTTPTransport(local_address="127.0.0.9")) as robot:
        assert robot.get(link).status_code == 200  # a valid link is not a failure
        codes = [robot.get(f"{live.base_url}/s/{'guess' * 5}{n}").status_code for n in range(5)]
        assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
        refused = robot.get(link)
        assert refused.status_code == 429 and 'data-state="limited"' in refused.text


def test_scores_in_scope_and_who_may_edit_the_feedback_words(live: LiveServer, demo_group: Session) -> None:
    a, b = _codes(demo_group)
    with live.client(role="hotel_manager", scope=DataScope.hotels(hotel(demo_group, b).id)) as manager:
        assert manager.get("/api/v1/surveys/scores", params={"by": "month"}).json() == []
        assert manager.get("/feedback/rules").status_code == 403
        assert (
            manager.post("/api/v1/surveys/send", json={"checked_out_since": "2026-01-01"}).status_code == 403
        )
    with live.client(role="front_desk") as desk:
        assert desk.get("/api/v1/surveys/scores").status_code == 403
    with live.client(role="data_steward") as steward:
        put = steward.put(
            "/api/v1/feedback/rules/sentiment/complaint", json={"words": ["lift broken", "电梯坏了"]}
        )
        assert put.status_code == 200 and put.json() == {"words": ["lift broken", "电梯坏了"]}
        assert steward.get("/api/v1/feedback/rules").json()["sentiment"]["complaint"] == [
            "lift broken",
            "电梯坏了",
        ]
        tried = steward.post(
            "/api/v1/feedback/classify", json={"text": "The LIFT broken again; 电梯坏了"}
        ).json()
        assert tried["sentiment"] == "complaint" and tried["matched"] == ["lift broken", "电梯坏了"]
        page = steward.get("/feedback/rules", params={"text": "电梯坏了"})
        assert 'data-sentiment="complaint"' in page.text and "电梯坏了" in page.text
        assert (
            steward.put("/api/v1/feedback/rules/topic/weather", json={"words": ["rain"]}).status_code == 400
        )
    events = audit.search_events(
        demo_group, action="feedback.rules.edit", paging=PageRequest(page=1, size=10)
    )
    assert [e.event.object_id for e in events.items] == ["sentiment/complaint"]
