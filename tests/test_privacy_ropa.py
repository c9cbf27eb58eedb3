"""DG-02, third bullet: the record of processing activities is generated from the inventory, the
retention schedule and the recipients, on each backend; a change to what is processed changes the
report, and the snapshot makes that change a reviewed one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.db.models import RecipientKind, TransferRoute
from tests.conftest import LiveServer

SNAPSHOT = Path(__file__).parent / "data" / "ropa_activities.json"
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _activities_of(activities: list[privacy.Activity]) -> list[dict[str, object]]:
    return [
        {"purpose": a.purpose, "subjects": a.subjects, "categories": a.categories, "sensitive": a.sensitive}
        for a in activities
    ]


def test_every_classified_column_is_in_one_activity_and_matches_the_snapshot(
    session: Session, live: LiveServer
) -> None:
    report = privacy.ropa_report(session, settings=live.settings, controller="YQ", now=NOW)
    listed = [c for a in report.activities for c in a.columns]
    classified = [f"{t}.{c}" for t, cols in privacy.CLASSIFIED.items() for c in cols]
    assert sorted(listed) == sorted(classified)  # each column once, none missing
    documents = next(a for a in report.activities if "guest.id_number_enc" in a.columns)
    assert documents.sensitive and documents.protection == ["sealed"]
    assert any(a.subjects == "staff" for a in report.activities)
    assert [line.category for line in report.retention] == [
        line.category for line in privacy.retention_schedule(session)
    ]
    assert any("AES-256-GCM" in m for m in report.measures)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert _activities_of(report.activities) == expected, (
        "The processing changed: review the new record of processing activities, then update "
        f"{SNAPSHOT.name} (python -c 'from tests.test_privacy_ropa import write_snapshot; write_snapshot()')."
    )


def test_recipients_and_transfers_are_in_the_report_over_http(live: LiveServer, session: Session) -> None:
    privacy.save_recipient(
        session,
        code="booking-hk",
        name="Booking.com Hong Kong",
        kind=RecipientKind.PROCESSOR,
        country="HK",
        route=TransferRoute.BOOKING_CONTRACT,
        route_reference=None,
        actor_id=None,
    )
    session.commit()
    with live.client(role="front_desk") as desk:
        assert desk.get("/api/v1/privacy/ropa").status_code == 403
    with live.client(role="compliance_officer") as officer:
        body = officer.get("/api/v1/privacy/ropa").json()
        assert body["cross_border"] == ["booking-hk"]
        assert body["recipients"][0]["route"] == "booking_contract"
        assert {a["purpose"] for a in body["activities"]} >= {"exact search and matching"}
        page = officer.get("/privacy/ropa")
        assert page.status_code == 200 and 'data-recipient="booking-hk"' in page.text
        assert 'id="activities"' in page.text


def write_snapshot() -> None:  # pragma: no cover - a maintainer's tool, run after reviewing a change
    activities = _activities_of(privacy.processing_activities())
    SNAPSHOT.write_text(json.dumps(activities, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
