"""The push API over real HTTP: API keys, idempotency, version order, OpenTravel in and out."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import issue_source_key
from guestgraph.db.models import SourceRecord, Stay
from tests.conftest import LiveServer
from tests.ingest_helpers import booking

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
OTA_NS = "{http://www.opentravel.org/OTA/2003/05}"


@pytest.fixture
def key(live: LiveServer, demo_group: Session) -> str:
    k = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    return k


def test_push_needs_the_sources_own_key(live: LiveServer, key: str) -> None:
    body = {"records": [booking("B1", 1, "2026-12-03")]}
    with live.client() as c:
        assert c.post("/api/v1/sources/ota_booking/records", json=body).status_code == 401
        wrong = c.post("/api/v1/sources/ota_booking/records", json=body, headers={"X-API-Key": "gg_nope"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_api_key"
        other = c.post("/api/v1/sources/pms/records", json=body, headers={"X-API-Key": key})
        assert other.status_code == 401


def test_push_is_idempotent_and_never_lets_an_older_version_win(live: LiveServer, key: str, engine) -> None:
    headers = {"X-API-Key": key}
    with live.client(headers=headers) as c:
        v2 = c.post("/api/v1/sources/ota_booking/records", json={"records": [booking("B7", 2, "2026-12-05")]})
        again = c.post(
            "/api/v1/sources/ota_booking/records", json={"records": [booking("B7", 2, "2026-12-05")]}
        )
        v1 = c.post("/api/v1/sources/ota_booking/records", json={"records": [booking("B7", 1, "2026-12-03")]})
        cancel = c.post(
            "/api/v1/sources/ota_booking/records",
            json={
                "records": [
                    {
                        "external_id": "NEVER-SEEN",
                        "record_type": "cancellation",
                        "version": 1,
                        "hotel_code": "SHA01",
                    }
                ]
            },
        )
    assert v2.status_code == 200 and v2.json()["records"][0]["outcome"] in (
        "accepted",
        "accepted_with_warnings",
    )
    assert "email.non_identifying" in {f["rule"] for f in v2.json()["records"][0]["findings"]}
    assert again.json()["duplicates"] == 1 and again.json()["records"][0]["outcome"] == "duplicate"
    assert v1.json()["records"][0]["outcome"] == "superseded"
    assert cancel.json()["records"][0]["outcome"] == "accepted"
    with Session(engine) as session:
        stay = session.scalar(select(Stay).where(Stay.confirmation_number == "B7"))
        assert stay is not None and stay.departure.isoformat() == "2026-12-05"
        current = session.scalars(
            select(SourceRecord).where(SourceRecord.external_id == "B7", SourceRecord.is_current.is_(True))
        ).all()
        assert [r.version_key for r in current] == [f"v{2:020d}"]
        assert (
            session.scalar(select(SourceRecord.id).where(SourceRecord.external_id == "NEVER-SEEN"))
            is not None
        )


def test_push_validation_names_the_field(live: LiveServer, key: str) -> None:
    bad = booking("B9", 1, "2026-12-03")
    bad["fields"] = {"arival": "2026-12-01"}
    with live.client(headers={"X-API-Key": key}) as c:
        r = c.post("/api/v1/sources/ota_booking/records", json={"records": [bad]})
        too_many = c.post(
            "/api/v1/sources/ota_booking/records",
            json={"records": [booking(f"X{n}", 1, "2026-12-03") for n in range(1001)]},
        )
    assert r.status_code == 422 and "arival" in r.json()["message"]
    assert too_many.status_code == 422 and too_many.json()["problems"][0]["field"] == "body.records"


def test_opentravel_push_answers_with_hotel_res_notif_rs(live: LiveServer, key: str, demo_dir: Path) -> None:
    ours = (demo_dir / "ota" / "booking_SHA01.xml").read_bytes()
    sample = SAMPLES / "siteminder" / "SiteConnect_Reservation_XML_Sample_OTA_HotelResNotifRQ.xml"
    assert sample.exists(), f"shared samples missing at {SAMPLES}"
    with live.client(headers={"X-API-Key": key, "Content-Type": "application/xml"}) as c:
        ok = c.post("/api/v1/sources/ota_booking/ota", content=ours)
        foreign = c.post("/api/v1/sources/ota_booking/ota", content=sample.read_bytes())
        broken = c.post("/api/v1/sources/ota_booking/ota", content=b"<OTA_HotelResNotifRQ><Hotel")
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(ok.content)
    assert root.tag == f"{OTA_NS}OTA_HotelResNotifRS" and root.find(f"{OTA_NS}Success") is not None
    # SiteMinder's sample books hotel HTL1, which is not one of ours: an OTA error naming the rule.
    errors = ElementTree.fromstring(foreign.content).find(f"{OTA_NS}Errors")
    assert (
        foreign.status_code == 200
        and errors is not None
        and "hotel.unknown" in ElementTree.tostring(errors, encoding="unicode")
    )
    assert broken.status_code == 400 and "push" in broken.json()["message"]


def test_nights_that_disagree_with_the_dates_are_flagged(live: LiveServer, key: str) -> None:
    record = booking("B20", 1, "2026-12-03")
    record["fields"] = {**record["fields"], "nights": "3"}  # type: ignore[dict-item]
    with live.client(headers={"X-API-Key": key}) as c:
        r = c.post("/api/v1/sources/ota_booking/records", json={"records": [record]}).json()
    found = {f["rule"]: f for f in r["records"][0]["findings"]}
    assert found["stay.nights_mismatch"]["severity"] == "warn"
    assert r["records"][0]["outcome"] == "accepted_with_warnings"


def test_concurrent_pushes_all_succeed(live: LiveServer, key: str, demo_dir: Path) -> None:
    """More simultaneous pushes than the connection pool holds: none may hang or fail."""
    from concurrent.futures import ThreadPoolExecutor

    body = (demo_dir / "ota" / "booking_SHA01.xml").read_bytes()
    records = [{"records": [booking(f"C{n}", 1, "2026-12-03")]} for n in range(24)]
    with live.client(headers={"X-API-Key": key}, timeout=60) as c:

        def send(n: int) -> int:
            if n % 2:
                return c.post(
                    "/api/v1/sources/ota_booking/ota",
                    content=body,
                    headers={"Content-Type": "application/xml"},
                ).status_code
            return c.post("/api/v1/sources/ota_booking/records", json=records[n]).status_code

        with ThreadPoolExecutor(max_workers=24) as pool:
            codes = list(pool.map(send, range(24)))
    assert codes == [200] * 24
