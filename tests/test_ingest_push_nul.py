"""OP-03/IN-04: a pushed text holding a NUL, another control character or a lone UTF-16 surrogate (no
text column can store one) is answered per record over real HTTP, never by refusing the whole batch:
counts reconcile (accepted + quarantined = sent) and a quarantined record names its rule and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import issue_source_key
from guestgraph.db.models import RecordIssue, RecordStatus, Severity, SourceRecord
from tests.conftest import LiveServer
from tests.ingest_reconcile import check_batch
from tests.test_ingest_push import booking

PUSH = "/api/v1/sources/ota_booking/records"


@pytest.fixture
def key(live: LiveServer, demo_group: Session) -> str:
    k = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    return k


def _with(ext: str, change: dict[str, Any]) -> dict[str, Any]:
    record = booking(ext, 1, "2026-12-03")
    for where, value in change.items():
        if where in ("external_id", "hotel_code", "updated_at"):
            record[where] = value
        elif where.startswith("person."):
            record["persons"][0]["values"][where.removeprefix("person.")] = value  # type: ignore[index]
        else:
            record["fields"][where] = value  # type: ignore[index]
    return record


# (what is sent, the outcome, the rejecting rule and field of a quarantined record)
CASES: list[tuple[dict[str, Any], str, tuple[str, str] | None]] = [
    ({}, "accepted", None),
    ({"notes": "late\x00arrival\x07"}, "accepted", None),  # removed: text.control_characters (a fix)
    ({"person.email": "wei\x00@example.com", "person.city": "上\x00海"}, "accepted", None),
    ({"person.family_name": "Zh\ud800ang"}, "quarantined", ("text.unstorable", "family_name")),
    ({"room_type": "\udfffK"}, "quarantined", ("text.unstorable", "room_type")),
    ({"external_id": "N\x00-ID"}, "quarantined", ("id.control_characters", "external_id")),
    ({"hotel_code": "SHA\x0001"}, "quarantined", ("hotel.unknown", "hotel_code")),
    ({"notes": "\x00" * 501}, "quarantined", ("field.too_long", "notes")),
]


def test_a_batch_with_unstorable_characters_is_answered_per_record_and_reconciles(
    live: LiveServer, key: str
) -> None:
    records = [_with(f"NUL{n}", change) for n, (change, _o, _r) in enumerate(CASES, start=1)]
    # Sent as JSON text, as a source system does (lone surrogates as "\ud800" escapes)
    body = json.dumps({"records": records}).encode()
    with live.client(headers={"X-API-Key": key, "Content-Type": "application/json"}) as c:
        answer = c.post(PUSH, content=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    sent, quarantined = len(CASES), sum(o == "quarantined" for _c, o, _r in CASES)
    assert result["rows_read"] == sent
    assert result["accepted"] + result["accepted_with_warnings"] + result["quarantined"] == sent
    assert result["quarantined"] == quarantined and result["duplicates"] == 0
    batch = check_batch(live.engine, result["batch_id"])  # counters = rows = quarantine, with reasons
    assert batch.quarantined == quarantined
    with Session(live.engine) as s:
        for record, (_change, outcome, refused) in zip(result["records"], CASES, strict=True):
            assert record["status"].startswith(outcome), record
            rejecting = {(f["rule"], f["field"]) for f in record["findings"] if f["severity"] == "reject"}
            assert rejecting == ({refused} if refused else set()), record
            if refused is None:
                continue
            stored = s.scalar(
                select(SourceRecord).where(
                    SourceRecord.batch_id == batch.id, SourceRecord.location == record["location"]
                )
            )
            assert stored is not None and stored.status is RecordStatus.QUARANTINED
            issues = s.execute(
                select(RecordIssue.rule, RecordIssue.field).where(
                    RecordIssue.source_record_id == stored.id, RecordIssue.severity == Severity.REJECT
                )
            ).all()
            assert [tuple(i) for i in issues] == [refused]
    # The NUL removed from a value is said, with the field
    fixed = {(f["rule"], f["field"]) for f in result["records"][2]["findings"]}
    assert {("text.control_characters", "email"), ("text.control_characters", "city")} <= fixed


def test_the_quarantined_record_keeps_what_was_sent(live: LiveServer, key: str) -> None:
    """Nothing is lost: the quarantine shows the record as sent, the lone surrogate as its JSON escape
    (the only way any text can hold it) and the NUL as \\u0000."""
    record = _with("NUL-RAW", {"person.family_name": "Zh\ud800ang", "notes": "a\x00b"})
    body = json.dumps({"records": [record]}).encode()
    with live.client(headers={"X-API-Key": key, "Content-Type": "application/json"}) as c:
        answer = c.post(PUSH, content=body)
    assert answer.status_code == 200, answer.text
    with live.client(role="data_steward") as c:
        report = c.get(f"/api/v1/imports/{answer.json()['batch_id']}")
    assert report.status_code == 200, report.text
    (sample,) = report.json()["samples"]
    raw = json.loads(sample["raw"])
    assert raw["persons"][0]["values"]["family_name"] == "Zh\ud800ang"
    assert raw["fields"]["notes"] == "a\x00b"


def test_a_nul_in_the_source_code_is_an_unknown_source(live: LiveServer, key: str) -> None:
    """PostgreSQL cannot compare a text holding a NUL: the source code in the path is simply unknown
    (401, as a wrong key), not a 422 naming nothing."""
    body = {"records": [booking("NUL-SRC", 1, "2026-12-03")]}
    with live.client(headers={"X-API-Key": key}) as c:
        answer = c.post("/api/v1/sources/ota%00booking/records", json=body)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_api_key", answer.text
    assert answer.headers["X-Request-ID"]


def test_a_nul_character_reference_in_an_opentravel_message_is_refused_with_the_place(
    live: LiveServer, key: str, demo_dir: Path
) -> None:
    """`&#0;` is no XML character (XML 1.0 §2.2): the message is refused whole (400) naming where, with
    the request id; nothing is stored."""
    message = (demo_dir / "ota" / "booking_SHA01.xml").read_text("utf-8")
    broken = message.replace("<GivenName>", "<GivenName>&#0;", 1)
    assert broken != message
    with live.client(headers={"X-API-Key": key, "Content-Type": "application/xml"}) as c:
        answer = c.post("/api/v1/sources/ota_booking/ota", content=broken.encode())
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["error"] == "unreadable_input" and "line" in error["message"], error
    assert answer.headers["X-Request-ID"]
