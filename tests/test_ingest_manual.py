"""Manual entry at the front desk: field-level feedback as the clerk types, then a stored record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import SourceRecord
from tests.conftest import LiveServer
from tests.factories import opened_record
from tests.test_cli import TEST_KEYS

FORM = {
    "hotel_code": "SHA01",
    "full_name": "王小明",
    "gender": "男",
    "id_type": "身份证",
    "id_number": "110101199003074258",
    "phone": "138 1234 5678",
    "email": "wxm@qq.com",
    "birth_date": "1990/3/7",
    "nationality": "中国",
    "arrival": "2026-11-23",
    "departure": "2026-11-25",
    "room_number": "1808",
    "notes": "对花生过敏",
}


def test_feedback_names_the_field_and_the_fix(live: LiveServer) -> None:
    with live.client() as c:
        c.cookies.set("gg_locale", "zh_CN")
        ok = c.post("/register/check", data=FORM)
        bad = c.post(
            "/register/check",
            data={**FORM, "phone": "12", "id_number": "110101199003074259", "departure": "2026-11-20"},
        )
    assert 'data-field="phone"' in ok.text and "+8613812345678" in ok.text  # the fix it will make
    assert 'data-severity="reject"' not in ok.text
    assert 'data-field="phone" data-severity="warn">电话号码无效' in bad.text
    assert 'data-field="id_number" data-severity="warn">证件号码无效' in bad.text


def test_submit_stores_a_front_desk_record_with_lineage(live: LiveServer, demo_group: Session) -> None:
    with live.client(follow_redirects=True) as c:
        r = c.post("/register", data=FORM)
    assert r.status_code == 200 and 'id="n-read">1<' in r.text
    record = demo_group.scalar(select(SourceRecord).where(SourceRecord.raw_format == "form"))
    assert record is not None and record.external_id.startswith("SHA01:form:")
    person = opened_record(demo_group, record).standardised["persons"][0]
    assert (person["phone"], person["birth_date"], person["gender"]) == ("+8613812345678", "1990-03-07", "M")
    assert record.source_system.code == "frontdesk" and record.location == "form"


def test_the_worker_turns_a_registration_into_a_guest(
    live: LiveServer, demo_group: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With online resolution off, no one runs `guestgraph resolve`: the worker's pass sees the
    waiting record and resolves it, and a second pass with nothing waiting leaves identity alone."""
    from guestgraph import identity

    monkeypatch.setattr(live.settings, "resolve_online_max_records", 0)

    with live.client(follow_redirects=True) as c:
        assert c.post("/register", data=FORM).status_code == 200
        assert c.get("/api/v1/guests", params={"q": "13812345678"}).json()["total"] == 0
        demo_group.expire_all()
        assert identity.records_waiting(demo_group)
        demo_group.rollback()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_") or k in TEST_KEYS}
        env.update({"GUESTGRAPH_DATABASE_URL": live.db_url, "GUESTGRAPH_DATA_DIR": str(tmp_path)})
        worker = [sys.executable, "-m", "guestgraph.cli", "worker", "--once"]
        first = subprocess.run(worker, env=env, capture_output=True, text=True, timeout=240, check=False)
        assert first.returncode == 0, first.stderr
        said = first.stdout + first.stderr  # the summary goes to the console (stderr)
        assert "Resolved" in said and "(1 new)" in said, said
        found = c.get("/api/v1/guests", params={"q": "13812345678"}).json()
        assert found["total"] == 1
        demo_group.expire_all()
        assert not identity.records_waiting(demo_group)
        demo_group.rollback()
        again = subprocess.run(worker, env=env, capture_output=True, text=True, timeout=240, check=False)
        assert again.returncode == 0 and "Resolved" not in again.stdout + again.stderr, again.stderr


def test_a_walk_in_registered_at_a_hotel_without_a_pms_is_in_house(
    live: LiveServer, demo_group: Session
) -> None:
    """Without a PMS feed the desk keeps the hotel's stays: a registration with its dates checks the
    guest in (the room number then finds them). With a feed the PMS sends the stay: none is made."""
    from guestgraph.db.models import Stay, StayStatus
    from tests.factories import without_pms_feed

    with live.client(follow_redirects=True) as c:
        assert c.post("/register", data=FORM).status_code == 200  # SHA01 has a PMS feed (the demo's)
        demo_group.expire_all()
        assert demo_group.scalar(select(Stay.id)) is None
        without_pms_feed(demo_group, "SHA01")
        demo_group.commit()
        assert c.post("/register", data={**FORM, "room_number": "1809"}).status_code == 200
        demo_group.expire_all()
        (stay,) = demo_group.scalars(select(Stay))
        assert (stay.status, stay.room_number, stay.arrival.isoformat()) == (
            StayStatus.IN_HOUSE,
            "1809",
            "2026-11-23",
        )
        found = c.get("/api/v1/guests", params={"q": "1809"}).json()  # the in-house guest's room
        assert found["total"] == 1
