"""Dual control beyond role and scope (AC-06) and mailed reset links (AU-01), over real HTTP with
aiosmtpd as the mail server: a new account, a role's MFA exemption, an MFA reset, re-enabling and an
e-mail address each wait for a second admin; the proposer's own approval is refused; a reset link
reaches only the staff member's mailbox, never an admin's page, and works once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import AccessChange, Role, StaffUser
from tests.auth_helpers import browser_like, csrf_of, make_staff, with_password
from tests.conftest import LiveServer
from tests.smtp_peer import Collector, smtp_peer

PASSWORD = "amber-willow-teapot-91"
LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_-]{20,}")


@contextmanager
def mailbox(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with smtp_peer() as (collector, port):
        monkeypatch.setattr(live.settings, "smtp_port", port)
        monkeypatch.setattr(live.settings, "public_base_url", live.base_url)
        yield collector


def _me(c: httpx.Client) -> str:
    return str(c.get("/api/v1/auth/me").json()["username"])


def _pending(session: Session, kind: str) -> AccessChange:
    session.expire_all()
    change = session.scalar(
        select(AccessChange).where(AccessChange.kind == kind, AccessChange.status == "pending")
    )
    assert change is not None, kind
    return change


def _user(session: Session, username: str) -> StaffUser | None:
    session.expire_all()
    return session.scalar(select(StaffUser).where(StaffUser.username == username))


def _self_refused_then_approved(
    session: Session, x: httpx.Client, y: httpx.Client, kind: str
) -> httpx.Response:
    """The proposer's approval is refused and changes nothing; the second admin's goes through."""
    change = _pending(session, kind)
    assert change.proposed_by == _me(x)
    own = x.post(f"/admin/changes/{change.id}/approve")
    assert own.status_code == 403 and "须由第二位管理员批准" in own.text
    assert _pending(session, kind).id == change.id
    answer = y.post(f"/admin/changes/{change.id}/approve")
    assert answer.status_code in (200, 303), answer.text[:300]
    session.expire_all()
    decided = session.get(AccessChange, change.id)
    assert decided is not None and decided.status == "approved" and decided.decided_by == _me(y)
    return answer


def _choose_password(live: LiveServer, link: str, password: str) -> tuple[int, int]:
    with browser_like(live) as c:
        page = c.get(link)
        data = {"password": password, "repeat": password, "csrf_token": csrf_of(page.text)}
        first = c.post(link, data=data)
        second = c.post(link, data=data)
    return first.status_code, second.status_code


def test_a_new_account_is_created_only_when_a_second_admin_approves_and_its_link_goes_to_the_user(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = {
        "username": "new.clerk",
        "display_name": "新前台",
        "email": "new.clerk@hotel.example",
        "role": "admin",
        "scope_level": "group",
        "reason": "second IT admin",
    }
    with mailbox(live, monkeypatch) as mail, live.client(role="admin") as x, live.client(role="admin") as y:
        assert x.post("/admin/users", data={**request, "reason": " "}).status_code == 400
        assert x.post("/admin/users", data=request).status_code == 303
        assert _user(demo_group, "new.clerk") is None  # nothing exists while pending
        page = y.get("/admin").text
        assert 'data-kind="new_account"' in page and "new.clerk@hotel.example" in page
        again = x.post("/admin/users", data=request)
        assert again.status_code == 409  # the name is taken by the request
        answer = _self_refused_then_approved(demo_group, x, y, "new_account")
        assert _user(demo_group, "new.clerk") is not None
        assert answer.status_code == 200 and 'id="reset-sent"' in answer.text
        (sent,) = mail.to("new.clerk@hotel.example")
        link = LINK.search(sent.text())
        assert link is not None and link.group(0).startswith(f"{live.base_url}/reset/")
        token = link.group(0).rsplit("/", 1)[1]
        for admin_view in (answer.text, x.get("/admin").text, y.get("/admin").text):
            assert token not in admin_view and "/reset/" not in admin_view
        assert mail.recipients() == ["new.clerk@hotel.example"]  # no copy to an admin
    user = _user(demo_group, "new.clerk")
    assert user is not None and user.is_active and user.password_hash is None
    role = demo_group.get(Role, user.role_id)
    assert role is not None and role.code == "admin" and user.scope_level == "group"
    assert _choose_password(live, link.group(0), "violet-canal-morning-5") == (200, 400)
    with browser_like(live) as c:  # the new admin's first sign-in sets up the authenticator
        page = c.get("/login")
        data = {"username": "new.clerk", "password": "violet-canal-morning-5", "next": "/"}
        signed = c.post("/login", data={**data, "csrf_token": csrf_of(page.text)})
        assert signed.status_code == 303 and signed.headers["location"].startswith("/login/enroll")


def test_an_mfa_exemption_of_a_role_waits_for_a_second_admin(live: LiveServer, demo_group: Session) -> None:
    def marketing() -> Role:
        demo_group.expire_all()
        role = demo_group.scalar(select(Role).where(Role.code == "marketing"))
        assert role is not None
        return role

    with live.client(role="admin") as x, live.client(role="admin") as y:
        forbidden = x.post("/admin/roles/admin/mfa", data={"required": "no", "reason": "convenience"})
        assert forbidden.status_code == 403
        assert x.post("/admin/roles/marketing/mfa", data={"required": "no", "reason": " "}).status_code == 400
        answer = x.post("/admin/roles/marketing/mfa", data={"required": "no", "reason": "shared kiosk"})
        assert answer.status_code == 303
        assert marketing().mfa_required  # pending: still required
        _self_refused_then_approved(demo_group, x, y, "mfa_exemption")
        role = marketing()
        assert not role.mfa_required and role.mfa_exempted_by == _me(x)
        assert role.mfa_exemption_reason == "shared kiosk"
        # requiring the second factor again takes privilege away: one admin, at once
        assert x.post("/admin/roles/marketing/mfa", data={"required": "yes"}).status_code == 303
        assert marketing().mfa_required


def test_an_mfa_reset_waits_for_a_second_admin(live: LiveServer, demo_group: Session) -> None:
    with (
        live.client(role="front_desk") as clerk,
        live.client(role="admin") as x,
        live.client(role="admin") as y,
    ):
        target = _user(demo_group, _me(clerk))
        assert target is not None
        with_password(demo_group, target, PASSWORD, settings=live.settings)
        demo_group.commit()
        assert (
            x.post(f"/admin/users/{target.username}/reset-mfa", data={"reason": "lost phone"}).status_code
            == 303
        )
        pending = _user(demo_group, target.username)
        assert pending is not None and pending.mfa_secret is not None
        assert clerk.get("/api/v1/auth/me").status_code == 200  # nothing happened yet
        _self_refused_then_approved(demo_group, x, y, "mfa_reset")
        reset = _user(demo_group, target.username)
        assert reset is not None and reset.mfa_secret is None and reset.mfa_enrolled_at is None
        assert clerk.get("/api/v1/auth/me").status_code == 401  # sessions ended


def test_re_enabling_an_account_waits_for_a_second_admin(live: LiveServer, demo_group: Session) -> None:
    with (
        live.client(role="front_desk") as clerk,
        live.client(role="admin") as x,
        live.client(role="admin") as y,
    ):
        username = _me(clerk)
        assert x.post(f"/admin/users/{username}/disable").status_code == 303  # one admin, at once
        assert clerk.get("/api/v1/auth/me").status_code == 401
        assert x.post(f"/admin/users/{username}/enable", data={"reason": " "}).status_code == 400
        assert (
            x.post(f"/admin/users/{username}/enable", data={"reason": "back from leave"}).status_code == 303
        )
        still = _user(demo_group, username)
        assert still is not None and not still.is_active
        _self_refused_then_approved(demo_group, x, y, "reenable")
        enabled = _user(demo_group, username)
        assert enabled is not None and enabled.is_active
        assert x.post(f"/admin/users/{username}/enable", data={"reason": "again"}).status_code == 409


def test_a_reset_link_reaches_only_the_users_mailbox_and_works_once(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_staff(demo_group, role="front_desk")
    with_password(demo_group, user, PASSWORD, settings=live.settings)
    demo_group.commit()
    reset = f"/admin/users/{user.username}/reset-password"
    with mailbox(live, monkeypatch) as mail, live.client(role="admin") as x, live.client(role="admin") as y:
        refused = x.post(reset)  # no address on the account: refused, saying how to add one
        assert refused.status_code == 400 and "该账号没有电子邮件地址" in refused.text
        assert "变更电子邮件地址" in refused.text and mail.received == []
        change = {"username": user.username, "email": "clerk.sha@hotel.example", "reason": "new starter"}
        assert x.post("/admin/email", data=change).status_code == 303
        assert (_user(demo_group, user.username) or user).email is None  # pending
        _self_refused_then_approved(demo_group, x, y, "email")
        answer = x.post(reset)
        assert answer.status_code == 200 and 'id="reset-sent"' in answer.text
        (sent,) = mail.to("clerk.sha@hotel.example")
        link = LINK.search(sent.text())
        assert link is not None
        token = link.group(0).rsplit("/", 1)[1]
        assert token not in answer.text and "/reset/" not in answer.text
        assert "/reset/" not in x.get("/admin").text
        assert mail.recipients() == ["clerk.sha@hotel.example"]
    assert _choose_password(live, link.group(0), "violet-canal-morning-5") == (200, 400)
    with browser_like(live) as c:  # the new password works, and the second factor still applies
        page = c.get("/login")
        data = {"username": user.username, "password": "violet-canal-morning-5", "next": "/"}
        signed = c.post("/login", data={**data, "csrf_token": csrf_of(page.text)})
        assert signed.status_code == 303 and signed.headers["location"].startswith("/login/verify")
        assert c.get("/api/v1/guests").status_code == 401


def test_a_rejected_request_changes_nothing(live: LiveServer, demo_group: Session) -> None:
    with (
        live.client(role="front_desk") as clerk,
        live.client(role="admin") as x,
        live.client(role="admin") as y,
    ):
        username = _me(clerk)
        x.post(f"/admin/users/{username}/reset-mfa", data={"reason": "lost phone"})
        change = _pending(demo_group, "mfa_reset")
        assert y.post(f"/admin/changes/{change.id}/reject").status_code == 303
        assert y.post(f"/admin/changes/{change.id}/approve").status_code == 409
        assert clerk.get("/api/v1/auth/me").status_code == 200
