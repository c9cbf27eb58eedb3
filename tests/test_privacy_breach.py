"""Breach readiness (OP-01): one command gives the incident record with every required field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.db.models import GuestStatus, Hotel
from tests.factories import make_guest, make_stay
from tests.test_cli import run


def test_the_incident_record_counts_categories_clocks_and_notices(demo_group: Session) -> None:
    a, b = list(demo_group.scalars(select(Hotel).order_by(Hotel.id)))[:2]
    cn = make_guest(
        demo_group, nationality="CN", id_document_number="11010519491231002X", birth_date=date(1949, 12, 31)
    )
    de = make_guest(
        demo_group, full_name="Anna Schmidt", nationality="DE", phone=None, email="anna@example.de"
    )
    elsewhere = make_guest(demo_group, nationality="CN")
    make_stay(demo_group, a.code, cn, de)
    make_stay(demo_group, b.code, elsewhere)
    demo_group.commit()
    found = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    report = privacy.breach_report(
        demo_group,
        privacy.affected_by_hotel(a.code),
        cause="PMS export left on a public share",
        measures="share closed, passwords rotated",
        contact="dpo@example.com",
        discovered_at=found,
    )
    assert report.guests == 2
    assert report.categories["phone"] == 1 and report.categories["email"] == 2
    assert report.sensitive == {"id_document": 1, "birth_date": 1, "stays_whereabouts": 2}
    assert (
        report.jurisdictions["GDPR (EEA nationals)"] == 1
        and report.jurisdictions["PIPL (mainland China nationals)"] == 1
    )
    assert report.deadlines["GDPR art. 33 (supervisory authority)"] == "2026-11-26T08:00:00+00:00"
    assert report.deadlines["CAC incident measures (critical information infrastructure)"] == (
        "2026-11-23T09:00:00+00:00"
    )
    assert report.deadlines["CAC incident measures (major incident)"] == "2026-11-23T08:30:00+00:00"
    assert "涉及人数：2" in report.notices["zh_CN"] and "EEA nationals: 1" in report.notices["en"]
    record = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    for key in (
        "discovered_at",
        "cause",
        "measures",
        "contact",
        "guests",
        "categories",
        "sensitive",
        "deadlines",
        "notices",
    ):
        assert record[key], key
    assert "11010519491231002X" not in json.dumps(record)  # counts, never the data


def test_the_command_takes_a_leaked_file_of_forty_thousand_guest_ids(
    demo_group: Session, db_url: str, tmp_path: Path
) -> None:
    """More IDs than SQLite binds in one statement (32,766): the file's IDs are looked up in chunks.
    Unknown IDs are left out, repeats count once, a merged guest's old ID counts as its survivor."""
    a = demo_group.scalars(select(Hotel).order_by(Hotel.id)).first()
    assert a is not None
    kept, merged = make_guest(demo_group, nationality="CN"), make_guest(demo_group, nationality="DE")
    make_stay(demo_group, a.code, kept)
    demo_group.flush()
    merged.status, merged.merged_into_id = GuestStatus.MERGED, kept.id
    demo_group.commit()
    ids = [kept.public_id, merged.public_id, kept.public_id] + [f"GX{i:011d}" for i in range(40_000)]
    leaked = tmp_path / "leaked.txt"
    leaked.write_text("\n".join(ids), "utf-8")
    out = tmp_path / "incident.json"
    env = {"GUESTGRAPH_DATABASE_URL": db_url, "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    done = run(
        "privacy", "breach-report", "--guests", str(leaked), "--cause", "CSV left on a share",
        "--measures", "share closed", "--contact", "dpo@example.com", "--out", str(out), env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text("utf-8"))
    assert record["guests"] == 1 and record["sensitive"]["stays_whereabouts"] == 1
    assert record["jurisdictions"]["PIPL (mainland China nationals)"] == 1
