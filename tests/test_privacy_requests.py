"""PR-04: data-subject requests get the deadline of their jurisdiction, overdue ones alert, and a
refusal needs a reason (422 without)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.access import DataScope
from guestgraph.db.models import Jurisdiction, RequestKind
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

POLICY = privacy.DeadlinePolicy()  # PIPL 30 days, GDPR 1 month + 2


@pytest.mark.parametrize(
    ("received", "jurisdiction", "extended", "due"),
    [
        (
            datetime(2026, 11, 23, 10, tzinfo=UTC),
            Jurisdiction.GDPR,
            False,
            datetime(2026, 12, 23, 10, tzinfo=UTC),
        ),
        (
            datetime(2026, 1, 31, 10, tzinfo=UTC),
            Jurisdiction.GDPR,
            False,
            datetime(2026, 2, 28, 10, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 30, 10, tzinfo=UTC),
            Jurisdiction.GDPR,
            True,
            datetime(2027, 2, 28, 10, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 23, 10, tzinfo=UTC),
            Jurisdiction.PIPL,
            False,
            datetime(2026, 12, 23, 10, tzinfo=UTC),
        ),
        (
            datetime(2026, 2, 1, 10, tzinfo=UTC),
            Jurisdiction.PIPL,
            False,
            datetime(2026, 3, 3, 10, tzinfo=UTC),
        ),
    ],
)
def test_due_dates_per_jurisdiction(
    received: datetime, jurisdiction: Jurisdiction, extended: bool, due: datetime
) -> None:
    assert privacy.due_date(received, jurisdiction, POLICY, extended=extended) == due


def test_the_pipl_period_is_configurable() -> None:
    received = datetime(2026, 11, 23, tzinfo=UTC)
    faster = privacy.DeadlinePolicy(pipl_days=15)
    assert privacy.due_date(received, Jurisdiction.PIPL, faster, extended=False) == received + timedelta(
        days=15
    )


def test_an_overdue_request_alerts_with_an_injected_clock(demo_group: Session) -> None:
    g = make_guest(demo_group)
    t0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
    group = DataScope.group()
    row = privacy.open_request(
        demo_group, scope=group, public_id=g.public_id, kind=RequestKind.ACCESS,
        jurisdiction=Jurisdiction.PIPL, details="e-mail", recorded_by_id=None, now=t0, policy=POLICY,
    )  # fmt: skip
    assert row.due_at == t0 + timedelta(days=30) and not row.overdue
    assert (
        privacy.list_requests(demo_group, scope=group, now=t0 + timedelta(days=29), overdue_only=True) == []
    )
    late = privacy.list_requests(demo_group, scope=group, now=t0 + timedelta(days=31), overdue_only=True)
    assert [r.id for r in late] == [row.id] and late[0].overdue
    privacy.close_request(
        demo_group,
        row.id,
        scope=group,
        refused=False,
        reason=None,
        closed_by_id=None,
        now=t0 + timedelta(days=31),
    )
    assert (
        privacy.list_requests(demo_group, scope=group, now=t0 + timedelta(days=40), overdue_only=True) == []
    )


def test_requests_over_http_refusal_needs_a_reason(live: LiveServer, demo_group: Session) -> None:
    g = make_guest(demo_group)
    make_stay(demo_group, "SHA01", g)
    demo_group.commit()
    with live.client(role="front_desk") as c:
        assert (
            c.post("/api/v1/privacy/requests", json={"guest": g.public_id, "kind": "access"}).status_code
            == 403
        )
    with live.client(role="compliance_officer") as c:
        made = c.post(
            "/api/v1/privacy/requests",
            json={"guest": g.public_id, "kind": "objection", "jurisdiction": "gdpr"},
        )
        assert made.status_code == 201, made.text
        rid = made.json()["id"]
        assert c.post(f"/api/v1/privacy/requests/{rid}/extend", json={}).status_code == 422
        extended = c.post(f"/api/v1/privacy/requests/{rid}/extend", json={"reason": "many systems"}).json()
        assert extended["extended"] and extended["due_at"] > made.json()["due_at"]
        no_reason = c.post(f"/api/v1/privacy/requests/{rid}/refuse", json={})
        assert no_reason.status_code == 422 and no_reason.json()["error"] == "reason_required"
        assert c.get(f"/api/v1/privacy/requests/{rid}").json()["status"] == "open"  # unchanged
        refused = c.post(f"/api/v1/privacy/requests/{rid}/refuse", json={"reason": "legal claim pending"})
        assert refused.status_code == 200 and refused.json()["status"] == "refused"
        page = c.get("/privacy")
        assert page.status_code == 200 and f'data-request="{rid}"' in page.text
        missing = c.post("/api/v1/privacy/requests", json={"guest": "G000000000000", "kind": "access"})
        assert missing.status_code == 404


def test_the_overdue_command_lists_late_requests(demo_group: Session, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from guestgraph.cli import app

    g = make_guest(demo_group)
    privacy.open_request(
        demo_group, scope=DataScope.group(), public_id=g.public_id, kind=RequestKind.ERASURE,
        jurisdiction=Jurisdiction.GDPR, details=None, recorded_by_id=None,
        now=datetime.now(UTC) - timedelta(days=40), policy=POLICY,
    )  # fmt: skip
    demo_group.commit()
    env = {"GUESTGRAPH_DATABASE_URL": db_url, "GUESTGRAPH_DATA_DIR": str(tmp_path), "GUESTGRAPH_ENV": "test"}
    result = CliRunner().invoke(app, ["privacy", "overdue"], env=env)
    assert result.exit_code == 1 and g.public_id in result.stdout


def test_the_request_pages_record_refuse_and_erase(live: LiveServer, demo_group: Session) -> None:
    g = make_guest(demo_group, full_name="钱多多")
    make_stay(demo_group, "SHA01", g)
    demo_group.commit()
    with live.client(role="compliance_officer") as c:
        unknown = c.post(
            "/privacy/requests", data={"guest": "G000000000000", "kind": "access", "jurisdiction": "pipl"}
        )
        assert (
            unknown.status_code == 404
            and 'id="form-error"' in unknown.text
            and 'id="new-request"' in unknown.text
        )
        made = c.post(
            "/privacy/requests", data={"guest": g.public_id, "kind": "erasure", "jurisdiction": "gdpr"}
        )
        assert made.status_code == 303
        page = c.get(made.headers["location"])
        assert page.status_code == 200 and 'id="erase"' in page.text and g.public_id in page.text
        rid = made.headers["location"].rsplit("/", 1)[1]
        assert c.post(f"/privacy/requests/{rid}/refuse", data={"reason": " "}).status_code == 422
        assert c.post(f"/privacy/requests/{rid}/erase").status_code == 303
        done = c.get(f"/privacy/requests/{rid}")
        assert 'id="outcome"' in done.text and "stays_anonymised" in done.text and "钱多多" not in done.text
        assert c.get(f"/guests/{g.public_id}").status_code == 404
