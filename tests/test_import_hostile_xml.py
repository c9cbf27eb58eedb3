"""IN-03 through the product: hostile XML (XXE on /etc/passwd, billion laughs, an external DTD) pushed to
`POST /api/v1/sources/{system}/ota` and uploaded at `POST /imports` is refused as a whole message with an
error naming the problem (never a 500), the refusal is visible (the push's 400 in the access log, the
upload's error page), nothing of /etc/passwd reaches any text column of the database or the logs, and an
oversize message is refused before it is read whole."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, String, Text, func, select
from sqlalchemy.orm import Session

from guestgraph.access import issue_source_key
from guestgraph.db.models import Base, SourceRecord
from tests.conftest import LiveServer

PASSWD_MARK = "root:x:0:0"
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE OTA_HotelResNotifRQ [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" EchoToken="e1" Version="1.0">
<HotelReservations><HotelReservation><ResGuests><ResGuest><Profiles><ProfileInfo><Profile><Customer>
<PersonName><GivenName>&xxe;</GivenName><Surname>Zhang</Surname></PersonName>
</Customer></Profile></ProfileInfo></Profiles></ResGuest></ResGuests></HotelReservation></HotelReservations>
</OTA_HotelResNotifRQ>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<OTA_HotelResNotifRQ EchoToken="&lol9;" Version="1.0"/>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE OTA_HotelResNotifRQ SYSTEM "file:///etc/passwd">
<OTA_HotelResNotifRQ EchoToken="e2" Version="1.0"/>"""
PAYLOADS = {"xxe": XXE, "billion_laughs": LAUGHS, "external_dtd": EXTERNAL_DTD}


@pytest.fixture
def key(live: LiveServer, demo_group: Session) -> str:
    k = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    return k


def _text_columns_holding(engine: Engine, needle: str) -> list[str]:
    """Every text column of every table, read whole: where `needle` occurs (table.column)."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text):
                    continue
                for (value,) in conn.execute(select(column).where(column.is_not(None))):
                    if isinstance(value, str) and needle in value:
                        found.append(f"{table.name}.{column.name}")
                        break
    return found


def _records(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(SourceRecord)) or 0


def _assert_nothing_leaked(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    assert _text_columns_holding(engine, PASSWD_MARK) == []
    assert _text_columns_holding(engine, "lollollol") == []
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert PASSWD_MARK not in logged and "lollollol" not in logged


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_ota_pushes_are_refused_whole_and_leak_nothing(
    live: LiveServer,
    key: str,
    demo_group: Session,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    caplog.set_level(logging.INFO)
    before = _records(demo_group)
    with live.client(role=None, headers={"X-API-Key": key, "Content-Type": "application/xml"}) as c:
        r = c.post("/api/v1/sources/ota_booking/ota", content=PAYLOADS[name])
    assert r.status_code == 400, r.text
    answer = r.json()
    assert answer["error"] == "unreadable_input" and "DTD" in answer["message"], answer
    assert answer.get("hint") and PASSWD_MARK not in r.text
    assert _records(demo_group) == before  # refused as a whole message: nothing stored, nothing to merge
    access = [m for m in (rec.getMessage() for rec in caplog.records) if "/sources/ota_booking/ota" in m]
    assert access and "400" in access[-1], access  # the refusal is visible in the access log
    _assert_nothing_leaked(engine, caplog)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_xml_uploads_are_refused_with_an_error_page_and_leak_nothing(
    live: LiveServer, demo_group: Session, engine: Engine, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    before = _records(demo_group)
    with live.client(role="data_steward") as c:
        r = c.post(
            "/imports",
            data={"source": "ota_booking"},
            files={"file": (f"{name}.xml", PAYLOADS[name], "application/xml")},
        )
    assert r.status_code == 400, r.text[:2000]
    assert "DTD" in r.text and PASSWD_MARK not in r.text
    assert _records(demo_group) == before
    _assert_nothing_leaked(engine, caplog)


def test_an_oversize_ota_push_is_refused_before_it_is_read(live: LiveServer, key: str) -> None:
    body = b"<OTA_HotelResNotifRQ>" + b" " * (51 * 1024 * 1024) + b"</OTA_HotelResNotifRQ>"
    with live.client(
        role=None, headers={"X-API-Key": key, "Content-Type": "application/xml"}, timeout=60
    ) as c:
        r = c.post("/api/v1/sources/ota_booking/ota", content=body)
    assert r.status_code == 413, r.text[:500]
    answer = r.json()
    assert answer["error"] == "message_too_large" and "limit" in answer["message"] and answer["hint"]
