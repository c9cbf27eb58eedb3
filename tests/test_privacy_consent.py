"""PR-01: the consent ledger. Missing means unknown (never granted), each purpose x channel is its
own entry, withdrawal is one action effective at once, history is kept, segments ask the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import ingest, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import Consent, ConsentDecision, Guest, GuestStatus, Hotel
from guestgraph.identity import resolve_all
from guestgraph.ingest import PushBatch
from guestgraph.privacy import Channel, ConsentInput, LawfulBasis, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.ingest_helpers import factory

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
EMAIL = (Purpose.MARKETING, Channel.EMAIL)


def grant(session: Session, guest: Guest, purpose: Purpose, channel: Channel, at: datetime) -> None:
    entry = ConsentInput(purpose, channel, ConsentDecision.GRANTED, "staff_ui", evidence="signed form")
    privacy.record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=None, now=at)


def withdraw(session: Session, guest: Guest, purpose: Purpose, channel: Channel, at: datetime) -> None:
    entry = ConsentInput(purpose, channel, ConsentDecision.WITHDRAWN, "staff_ui")
    privacy.record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=None, now=at)


def test_missing_is_unknown_never_granted_and_withdrawal_wins_at_once(demo_group: Session) -> None:
    g = make_guest(demo_group)
    assert privacy.may_use(demo_group, g.id, *EMAIL, now=T0).answer == "unknown"
    grant(demo_group, g, *EMAIL, T0)
    assert privacy.may_use(demo_group, g.id, *EMAIL, now=T0).answer == "granted"
    assert privacy.may_use(demo_group, g.id, *EMAIL, now=T0 - timedelta(seconds=1)).answer == "unknown"
    withdraw(demo_group, g, *EMAIL, T0 + timedelta(minutes=5))
    answer = privacy.may_use(demo_group, g.id, *EMAIL, now=T0 + timedelta(minutes=5))
    assert (answer.answer, answer.granted) == ("denied", False) and "withdrawn" in answer.reason
    history = privacy.consent_history(demo_group, guest_id=g.id)
    assert [h.decision for h in history] == ["withdrawn", "granted"]  # append-only, newest first


def test_each_purpose_and_channel_is_its_own_entry(demo_group: Session) -> None:
    g = make_guest(demo_group)
    grant(demo_group, g, *EMAIL, T0)
    others = [(p, c) for p, channels in privacy.TOPICS.items() for c in channels if (p, c) != EMAIL]
    assert len(others) == 7
    for purpose, channel in others:
        assert privacy.may_use(demo_group, g.id, purpose, channel, now=T0).answer == "unknown", purpose
    with pytest.raises(privacy.ConsentNotAllowed):  # profiling is not asked per channel: no bundling
        grant(demo_group, g, Purpose.PROFILING, Channel.EMAIL, T0)
    with pytest.raises(privacy.ConsentNotAllowed):  # sensitive PI needs separate consent, not a contract
        entry = ConsentInput(
            Purpose.SENSITIVE_PI, Channel.NONE, ConsentDecision.GRANTED, "api", LawfulBasis.CONTRACT
        )
        privacy.record_consent(demo_group, guest_id=g.id, entry=entry, recorded_by_id=None, now=T0)


def test_an_email_marketing_segment_excludes_unknown_withdrawn_and_check_in_only_guests(
    demo_group: Session,
) -> None:
    yes, withdrawn, unknown, sms_only = (make_guest(demo_group) for _ in range(4))
    check_in_only = make_guest(demo_group, full_name="李四")
    make_stay(demo_group, "SHA01", check_in_only)  # registered under the legal obligation: no consent
    loser = make_guest(demo_group)
    survivor = make_guest(demo_group)
    grant(demo_group, yes, *EMAIL, T0)
    grant(demo_group, withdrawn, *EMAIL, T0)
    withdraw(demo_group, withdrawn, *EMAIL, T0 + timedelta(hours=1))
    grant(demo_group, sms_only, Purpose.MARKETING, Channel.SMS, T0)
    grant(demo_group, loser, *EMAIL, T0)  # consent given under an ID later merged away
    loser.status, loser.merged_into_id = GuestStatus.MERGED, survivor.id
    demo_group.flush()
    now = T0 + timedelta(days=1)
    segment = set(demo_group.scalars(select(Guest.id).where(privacy.consent_granted(*EMAIL, now=now))))
    assert segment == {yes.id, survivor.id}
    assert unknown.id not in segment and check_in_only.id not in segment
    assert privacy.may_use(demo_group, loser.id, *EMAIL, now=now).answer == "granted"  # asks the survivor


def test_consent_flags_sent_by_a_source_become_ledger_entries(
    live: LiveServer, demo_group: Session, engine
) -> None:  # type: ignore[no-untyped-def]
    record = {
        "external_id": "P-77",
        "record_type": "profile",
        "version": 1,
        "hotel_code": "SHA01",
        "persons": [
            {
                "values": {
                    "full_name": "赵敏",
                    "phone": "13712345678",
                    "email": "zhaomin@example.com",
                    "consent_email_marketing": "yes",
                    "consent_sms_marketing": "no",
                }
            }
        ],
    }
    ingest.push_records(factory(engine), source="pms", batch=PushBatch.model_validate({"records": [record]}))
    resolve_all(factory(engine))
    now = datetime.now(UTC)
    with factory(engine)() as s:
        assert privacy.import_consents(s, now=now) == 2
        assert privacy.import_consents(s, now=now) == 0  # a record is mapped once
        s.commit()
        guest = s.scalars(select(Guest).where(Guest.id.in_(select(Consent.guest_id)))).one()
        assert guest.full_name == "赵敏"
        assert privacy.may_use(s, guest.id, *EMAIL, now=now).answer == "granted"
        assert privacy.may_use(s, guest.id, Purpose.MARKETING, Channel.SMS, now=now).answer == "denied"
        assert privacy.may_use(s, guest.id, Purpose.MARKETING, Channel.WECHAT, now=now).answer == "unknown"
        entry = privacy.consent_history(s, guest_id=guest.id)[0]
        assert entry.source == "import:pms" and "P-77" in (entry.evidence or "")
        public_id = guest.public_id
    with live.client(role="marketing") as c:
        answer = c.get(
            f"/api/v1/guests/{public_id}/consents/check", params={"purpose": "marketing", "channel": "email"}
        )
        assert answer.status_code == 200 and answer.json()["answer"] == "granted"


def test_recording_over_http_front_desk_may_record_check_in_marketing_consent_with_evidence(
    live: LiveServer, demo_group: Session
) -> None:
    g = make_guest(demo_group)
    make_stay(demo_group, "SHA01", g)
    demo_group.commit()
    url = f"/api/v1/guests/{g.public_id}/consents"
    body = {"purpose": "marketing", "channel": "sms", "decision": "granted"}
    with live.client(role="front_desk", scope=DataScope.group()) as c:
        assert c.post(url, json=body).status_code == 400  # evidence required
        assert c.post(url, json={**body, "evidence": "registration card #1808"}).status_code == 201
        profiling = {"purpose": "profiling", "decision": "granted", "evidence": "card"}
        assert c.post(url, json=profiling).status_code == 403  # a compliance officer records that
        assert c.post(url, json={**body, "extra": 1}).status_code == 422  # write models forbid extra fields
    with live.client(role="service_agent") as c:  # anyone who sees the guest may withdraw, at once
        out = c.post(f"{url}/withdraw", json={"evidence": "guest phoned: stop all marketing"})
        assert out.status_code == 200 and [w["channel"] for w in out.json()["withdrawn"]] == ["sms"]
        check = c.get(f"{url}/check", params={"purpose": "marketing", "channel": "sms"}).json()
        assert check["answer"] == "denied"
    with live.client(role="compliance_officer") as c:
        history = c.get(url).json()["history"]
        assert [h["decision"] for h in history] == ["withdrawn", "granted"]
        page = c.get(f"/guests/{g.public_id}/consents")
        assert page.status_code == 200 and 'data-topic="marketing:sms"' in page.text


def test_a_guest_outside_the_scope_is_a_404_like_a_missing_one(live: LiveServer, demo_group: Session) -> None:
    g = make_guest(demo_group)
    make_stay(demo_group, "SHA01", g)
    other = next(h for h in demo_group.scalars(select(Hotel)) if h.code != "SHA01")
    demo_group.commit()
    with live.client(role="front_desk", scope=DataScope.hotels(other.id)) as c:
        outside = c.get(f"/api/v1/guests/{g.public_id}/consents")
        missing = c.get("/api/v1/guests/G000000000000/consents")
        withdraw = c.post(f"/api/v1/guests/{g.public_id}/consents/withdraw", json={})
    assert outside.status_code == missing.status_code == withdraw.status_code == 404
    assert outside.json().keys() == missing.json().keys()
