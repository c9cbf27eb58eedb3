"""DG-03: cross-border and third-party gates on the guest-list export, over real HTTP. A recipient
outside mainland China without a route is refused with the missing route named; with a route the
export goes, logged with its row count; guests without a needed separate consent are left out and
counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from guestgraph import audit, privacy
from guestgraph.access import DataScope
from guestgraph.db.models import ConsentDecision, Guest, RecipientKind, TransferRoute
from guestgraph.errors import InvalidInput
from guestgraph.paging import PageRequest
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

URL = "/api/v1/guests/export"


def _grant(s: Session, g: Guest, purpose: Purpose, channel: Channel = Channel.NONE) -> None:
    entry = ConsentInput(purpose, channel, ConsentDecision.GRANTED, "api", evidence="signed form")
    when = datetime.now(UTC) - timedelta(minutes=1)
    privacy.record_consent(s, guest_id=g.id, entry=entry, recorded_by_id=None, now=when)


def _recipient(s: Session, code: str, kind: RecipientKind, country: str, route: TransferRoute | None) -> None:
    privacy.save_recipient(
        s,
        code=code,
        name=code,
        kind=kind,
        country=country,
        route=route,
        route_reference="CAC-2026-0042" if route else None,
        actor_id=None,
    )


def _last_export(s: Session) -> dict[str, object]:
    s.expire_all()
    events = audit.search_events(s, action="export.guest_list", paging=PageRequest(page=1, size=1)).items
    return dict(events[0].event.details)


def test_exports_to_recipients_pass_the_transfer_gates(live: LiveServer, demo_group: Session) -> None:
    s = demo_group
    both, marketing_only, nothing = (make_guest(s) for _ in range(3))
    for g in (both, marketing_only, nothing):
        make_stay(s, "SHA01", g)
    for g in (both, marketing_only):
        _grant(s, g, Purpose.MARKETING, Channel.EMAIL)
    _grant(s, both, Purpose.CROSS_BORDER)
    _grant(s, nothing, Purpose.THIRD_PARTY)
    _recipient(s, "crm-sg", RecipientKind.EXPORT_DESTINATION, "SG", None)
    _recipient(s, "hotels-hk", RecipientKind.EXPORT_DESTINATION, "HK", TransferRoute.BOOKING_CONTRACT)
    _recipient(s, "crm-sg-scc", RecipientKind.EXPORT_DESTINATION, "sg", TransferRoute.STANDARD_CONTRACT)
    _recipient(s, "agency-sh", RecipientKind.PROCESSOR, "CN", None)
    _recipient(s, "mailer-sh", RecipientKind.ENTRUSTED, "CN", None)
    s.commit()
    marketing = {"purpose": "marketing_email"}
    with live.client(role="marketing") as c:
        blocked = c.post(URL, json={**marketing, "recipient": "crm-sg"})
        not_for_marketing = c.post(URL, json={**marketing, "recipient": "hotels-hk"})
        booking = c.post(URL, json={"purpose": "service_follow_up", "recipient": "hotels-hk"})
        booking_event = _last_export(s)
        contract = c.post(URL, json={**marketing, "recipient": "crm-sg-scc"})
        contract_event = _last_export(s)
        shared = c.post(URL, json={"purpose": "reporting", "recipient": "agency-sh"})
        shared_event = _last_export(s)
        entrusted = c.post(URL, json={"purpose": "reporting", "recipient": "mailer-sh"})
        unknown = c.post(URL, json={"purpose": "reporting", "recipient": "nobody"})

    assert blocked.status_code == 409, blocked.text
    message = blocked.json()["message"]
    assert blocked.json()["error"] == "transfer_blocked"
    assert "crm-sg" in message and "outside mainland China" in message and "missing route" in message
    assert "standard_contract" in message
    assert not_for_marketing.status_code == 409
    assert "booking_contract" in not_for_marketing.text and "missing route" in not_for_marketing.text

    assert booking.status_code == 200 and booking.headers["X-Export-Rows"] == "3"  # no consent needed
    assert booking_event["route"] == "booking_contract" and booking_event["country"] == "HK"
    assert booking_event["rows"] == 3 and booking_event["excluded_no_consent"] == 0

    # marketing consent kept two; only one of them gave separate cross-border consent
    assert contract.status_code == 200 and contract.headers["X-Export-Rows"] == "1"
    assert contract.headers["X-Export-Excluded-No-Consent"] == "1"
    assert both.public_id in contract.text and marketing_only.public_id not in contract.text
    assert "for crm-sg-scc (SG)" in contract.text.splitlines()[0]
    assert contract_event["rows"] == 1 and contract_event["excluded_no_consent"] == 1
    assert contract_event["cross_border"] is True and contract_event["consents_needed"] == ["cross_border"]

    # another handler in China: separate consent to sharing (PIPL 23), no cross-border route
    assert shared.status_code == 200 and shared.headers["X-Export-Rows"] == "1"
    assert nothing.public_id in shared.text
    assert (
        shared_event["consents_needed"] == ["third_party_sharing"]
        and shared_event["excluded_no_consent"] == 2
    )
    assert entrusted.headers["X-Export-Rows"] == "3"  # processes on our behalf: no consent needed
    assert unknown.status_code == 404 and "recipient-add" in unknown.text


def test_recipients_are_checked_when_configured(session: Session) -> None:
    with pytest.raises(InvalidInput, match="needs its reference"):
        privacy.save_recipient(
            session,
            code="x",
            name="x",
            kind=RecipientKind.SYNC_TARGET,
            country="DE",
            route=TransferRoute.CERTIFICATION,
            route_reference=" ",
            actor_id=None,
        )
    with pytest.raises(InvalidInput, match="two-letter"):
        _recipient(session, "y", RecipientKind.SYNC_TARGET, "Germany", None)
    _recipient(session, "z", RecipientKind.SYNC_TARGET, "de", TransferRoute.UNDER_THRESHOLD)
    [row] = privacy.list_recipients(session)
    assert (row.country, row.route, row.cross_border) == ("DE", "under_threshold", True)
    gate = privacy.transfer_gate(session, recipient_code="z", marketing=True)
    assert gate.consents == (Purpose.CROSS_BORDER,)
    guest = make_guest(session)
    data = privacy.export_guest(
        session, scope=DataScope.group(), public_id=guest.public_id, actor_id=None, now=datetime.now(UTC)
    )
    processing = data["processing"]  # the guest is told who receives data and for how long it is kept
    assert processing["recipients_configured"] == "z (sync_target, DE, route under_threshold)"
    assert "interaction: 1095 days" in processing["retention_schedule"]
