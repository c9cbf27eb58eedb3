"""Audit coverage (LG-01): each action, performed through the API, leaves exactly one event with the
actor, role, scope, action, object, UTC time, source address, request id and outcome — never a value."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import access, audit
from guestgraph.db.models import Hotel
from guestgraph.paging import PageRequest
from tests.auth_helpers import make_staff, with_password
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.smtp_peer import smtp_peer

PASSWORD = "marble-orchid-ferry-8"
PHONE = "+8613600007777"


def _events(session: Session, action: str) -> list[audit.AuditRecord]:
    session.expire_all()
    return list(audit.search_events(session, action=action, paging=PageRequest(page=1, size=100)).items)


def _complete(record: audit.AuditRecord, *, signed_in: bool = True) -> None:
    e = record.event
    assert record.time.tzinfo is not None and abs((datetime.now(UTC) - record.time).total_seconds()) < 120
    assert e.source_ip == "127.0.0.1" and e.request_id and len(e.request_id) >= 8
    assert e.outcome in ("ok", "denied", "failed")
    assert e.actor_username
    if signed_in:
        assert e.actor_user_id and e.actor_role and e.scope


@pytest.fixture
def guest(demo_group: Session):  # type: ignore[no-untyped-def]
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.id)).first()
    g = make_guest(demo_group, full_name="孙悟空", phone=PHONE)
    make_stay(demo_group, code, g)
    demo_group.commit()
    return g


def test_sign_in_success_and_failure_are_recorded(live: LiveServer, demo_group: Session) -> None:
    user = make_staff(demo_group, role="hotel_manager")
    seed = with_password(demo_group, user, PASSWORD, settings=live.settings)
    demo_group.commit()
    with live.client(role=None) as c:
        bad = c.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-wrong-wrong"})
        assert bad.status_code == 401
        ok = c.post(
            "/api/v1/auth/login",
            json={"username": user.username, "password": PASSWORD, "code": pyotp.TOTP(seed).now()},
        )
        assert ok.status_code == 200
    events = _events(demo_group, "auth.login")
    assert [e.event.outcome for e in events] == ["ok", "failed"]  # newest first
    for e in events:
        _complete(e, signed_in=False)
        assert e.event.actor_username == user.username
    assert events[0].event.actor_user_id == user.id and events[0].event.actor_role == "hotel_manager"


def test_reads_reveals_and_refusals_are_recorded_without_values(
    live: LiveServer, demo_group: Session, guest
) -> None:  # type: ignore[no-untyped-def]
    with live.client(role="hotel_manager") as manager:
        assert manager.get(f"/api/v1/guests/{guest.public_id}").status_code == 200
        shown = manager.post(
            f"/api/v1/guests/{guest.public_id}/reveal", json={"field": "phone", "purpose": "guest_request"}
        )
        assert shown.status_code == 200
    with live.client(role="front_desk") as clerk:
        assert clerk.get("/api/v1/reviews").status_code == 403
    (read,) = _events(demo_group, "guest.read")
    (reveal,) = _events(demo_group, "guest.reveal")
    (denied,) = _events(demo_group, "access.denied")
    for record in (read, reveal, denied):
        _complete(record)
    assert read.event.guest_public_id == reveal.event.guest_public_id == guest.public_id
    assert reveal.event.purpose == "guest_request" and reveal.event.details == {"field": "phone"}
    assert reveal.event.category == "sensitive" and denied.event.outcome == "denied"
    assert denied.event.actor_role == "front_desk" and denied.event.details == {
        "permission": "identity.review"
    }
    raw = b"".join(demo_group.scalars(select(audit_payload())))
    assert PHONE.encode() not in raw and PHONE[3:].encode() not in raw


def test_admin_changes_and_dual_control_are_recorded(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        smtp_peer() as (mailbox, port),
        live.client(role="admin") as x,
        live.client(role="admin") as y,
        live.client(role="marketing") as target,
    ):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        who = target.get("/api/v1/auth/me").json()["username"]
        created = x.post(
            "/admin/users",
            data={
                "username": "new.clerk",
                "display_name": "新前台",
                "email": "new.clerk@hotel.example",
                "role": "front_desk",
                "scope_level": "group",
                "reason": "new starter",
            },
        )
        assert created.status_code == 303
        x.post(
            "/admin/access",
            data={"username": who, "role": "front_desk", "scope_level": "group", "reason": "moved"},
        )
        account, change = access.pending_access_changes(demo_group)
        assert x.post(f"/admin/changes/{change.id}/approve").status_code == 403
        assert y.post(f"/admin/changes/{change.id}/approve").status_code == 303
        assert y.post(f"/admin/changes/{account.id}/approve").status_code == 200
        assert mailbox.recipients() == ["new.clerk@hotel.example"]
    proposals = _events(demo_group, "admin.access_propose")
    assert sorted(p.event.details["kind"] for p in proposals) == ["new_account", "role_scope"]
    assert all("email" not in p.event.details for p in proposals)
    approvals = _events(demo_group, "admin.access_approve")
    assert [a.event.outcome for a in approvals] == ["ok", "ok", "denied"]
    assert approvals[0].event.actor_username != approvals[2].event.actor_username
    (create,) = _events(demo_group, "admin.user_create")
    assert create.event.object_id == "new.clerk" and create.event.details == {
        "change": account.id,
        "kind": "new_account",
    }
    (mailed,) = _events(demo_group, "admin.password_reset")
    assert mailed.event.object_id == "new.clerk" and mailed.event.details["delivery"] == "email"
    for record in (create, mailed, *proposals, *approvals):
        _complete(record)


def test_consent_and_export_are_recorded(live: LiveServer, demo_group: Session, guest) -> None:  # type: ignore[no-untyped-def]
    with live.client(role="compliance_officer") as officer:
        answer = officer.post(
            f"/api/v1/guests/{guest.public_id}/consents",
            json={
                "purpose": "marketing",
                "channel": "email",
                "decision": "granted",
                "evidence": "signed form",
            },
        )
        assert answer.status_code == 201, answer.text
        assert officer.get(f"/api/v1/privacy/guests/{guest.public_id}/export").status_code == 200
    (consent,) = _events(demo_group, "privacy.consent.granted")
    (export,) = _events(demo_group, "guest.export")
    for record in (consent, export):
        _complete(record)
        assert record.event.guest_public_id == guest.public_id


def audit_payload():  # type: ignore[no-untyped-def]
    from guestgraph.db.models import AuditEventRow

    return AuditEventRow.payload
