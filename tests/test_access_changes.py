"""Dual control (AC-06): a role or scope change needs a second admin; nothing changes while pending,
and a downgrade takes effect on the user's next request (AC-07)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import AccessChange, Hotel, StaffUser
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay


def _admin(live: LiveServer):  # type: ignore[no-untyped-def]
    return live.client(role="admin")


def _username(c) -> str:  # type: ignore[no-untyped-def]
    return c.get("/api/v1/auth/me").json()["username"]


def test_a_second_admin_must_approve_and_the_change_applies_at_the_next_request(
    live: LiveServer, demo_group: Session
) -> None:
    hotels = list(demo_group.scalars(select(Hotel).order_by(Hotel.id)))
    a, b = hotels[0], hotels[1]
    seen_at_b = make_guest(demo_group, full_name="赵敏")
    make_stay(demo_group, b.code, seen_at_b)
    demo_group.commit()
    with (
        live.client(role="regional_manager", scope=DataScope.group()) as manager,
        _admin(live) as x,
        _admin(live) as y,
    ):
        target = _username(manager)
        assert manager.get(f"/api/v1/guests/{seen_at_b.public_id}").status_code == 200
        proposal = {
            "username": target,
            "role": "front_desk",
            "scope_level": "hotel",
            "scope_code": a.code,
            "reason": "moved to front desk",
        }
        assert x.post("/admin/access", data=proposal).status_code == 303
        change = demo_group.scalar(select(AccessChange).where(AccessChange.status == "pending"))
        assert change is not None and change.proposed_by == _username(x)
        # pending: nothing changed yet
        assert manager.get(f"/api/v1/guests/{seen_at_b.public_id}").status_code == 200
        # the proposer cannot approve
        own = x.post(f"/admin/changes/{change.id}/approve")
        assert own.status_code == 403
        demo_group.expire_all()
        assert demo_group.get(AccessChange, change.id).status == "pending"
        # a second admin can
        assert y.post(f"/admin/changes/{change.id}/approve").status_code == 303
        demo_group.expire_all()
        assert demo_group.get(AccessChange, change.id).decided_by == _username(y)
        user = demo_group.scalar(select(StaffUser).where(StaffUser.username == target))
        assert user is not None and user.scope_hotel_id == a.id
        # the very next request runs with the new role and scope
        assert manager.get(f"/api/v1/guests/{seen_at_b.public_id}").status_code == 404
        assert manager.get("/api/v1/auth/me").json()["role"] == "front_desk"


def test_a_change_needs_a_reason_and_a_known_role(live: LiveServer, demo_group: Session) -> None:
    with live.client(role="front_desk") as clerk, _admin(live) as x:
        target = _username(clerk)
        no_reason = x.post(
            "/admin/access", data={"username": target, "role": "admin", "scope_level": "group", "reason": " "}
        )
        assert no_reason.status_code == 400
        bad_role = x.post(
            "/admin/access", data={"username": target, "role": "king", "scope_level": "group", "reason": "x"}
        )
        assert bad_role.status_code == 400 and re.search("king", bad_role.text)
    assert demo_group.scalar(select(AccessChange.id)) is None


def test_only_admins_propose_or_approve(live: LiveServer, demo_group: Session) -> None:
    with live.client(role="compliance_officer") as c:
        assert (
            c.post(
                "/admin/access",
                data={"username": "x", "role": "admin", "scope_level": "group", "reason": "x"},
            ).status_code
            == 403
        )
        assert c.post("/admin/changes/1/approve").status_code == 403
