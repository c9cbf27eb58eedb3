"""DG-04: guest-list export control. Permission, stated purpose, masking, consent for marketing,
formula-safe cells, a watermark, and an audit event whose row count equals the file's."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from guestgraph import audit, privacy
from guestgraph.db.models import ConsentDecision
from guestgraph.paging import PageRequest
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

URL = "/api/v1/guests/export"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [('=HYPERLINK("http://x")', "'=HYPERLINK(\"http://x\")"), ("+861", "'+861"), ("-1", "'-1"),
     ("@SUM", "'@SUM"), ("王*明", "王*明"), (None, "")],
)  # fmt: skip
def test_cells_are_neutralised_against_formula_injection(cell: str | None, safe: str) -> None:
    assert privacy.neutralise(cell) == safe


def test_guest_list_export_over_http(
    live: LiveServer, demo_group: Session, caplog: pytest.LogCaptureFixture
) -> None:
    opted_in = make_guest(demo_group, full_name="张伟", phone="+8613812345678")
    formula = make_guest(demo_group, full_name='=HYPERLINK("http://x")')
    unknown = make_guest(demo_group)
    for g in (opted_in, formula, unknown):
        make_stay(demo_group, "SHA01", g)
    for g in (opted_in, formula):
        entry = ConsentInput(
            Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "api", evidence="form"
        )
        now = datetime.now(UTC) - timedelta(minutes=1)
        privacy.record_consent(demo_group, guest_id=g.id, entry=entry, recorded_by_id=None, now=now)
    demo_group.commit()
    with live.client(role="front_desk") as c:
        assert c.post(URL, json={"purpose": "marketing_email"}).status_code == 403
    with live.client(role="marketing") as c, caplog.at_level(logging.INFO, logger="guestgraph.privacy"):
        assert c.post(URL, json={}).status_code == 422  # no purpose, no export
        answer = c.post(URL, json={"purpose": "marketing_email", "hotel": "SHA01"})
        everyone = c.post(URL, json={"purpose": "reporting"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    watermark, *lines = answer.text.splitlines()
    assert answer.headers["X-Export-Id"] in watermark and "marketing-" in watermark
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert {r["guest_id"] for r in rows} == {opted_in.public_id, formula.public_id}  # consent filters
    by_id = {r["guest_id"]: r for r in rows}
    assert by_id[opted_in.public_id]["phone"] == "'+86138****5678"  # masked; a leading + starts a formula
    assert "13812345678" not in answer.text
    assert by_id[formula.public_id]["name"].startswith("'=HYPERLINK")
    demo_group.expire_all()
    events = audit.search_events(
        demo_group, action="export.guest_list", paging=PageRequest(page=1, size=10)
    ).items
    assert len(events) == 2 and events[1].event.details["rows"] == len(rows)  # newest first
    assert events[1].event.category == "sensitive" and events[1].event.actor_role == "marketing"
    assert everyone.headers["X-Export-Rows"] == "3"
