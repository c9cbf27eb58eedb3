"""PR-03: an erased source record keeps a tombstone (a keyed MAC of the source's ID of it) instead of
the ID itself (a member number, a confirmation number), and the same record sent again after the
erasure is still a duplicate: a file imported again, a push sent again, a backup from before
tombstones restored, and the retention run's wipe of old quarantined records all keep it so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from guestgraph import identity, ingest, pii, privacy
from guestgraph.access import issue_source_key
from guestgraph.db.models import Guest, GuestStatus, RecordStatus, SourceRecord, Stay
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay
from tests.ingest_helpers import factory, good_row, write_pms_cn
from tests.test_privacy_erasure import EMAIL, ID_NUMBER, MEMBER, NAME, PHONE, canary_jsonl

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def active_guests(session: Session) -> int:
    return session.scalar(select(func.count()).where(Guest.status != GuestStatus.ERASED)) or 0


def records_under(session: Session, external_id: str) -> list[RecordStatus]:
    return list(session.scalars(select(SourceRecord.status).where(SourceRecord.external_id == external_id)))


def erase_owners_of(session: Session, *external_ids: str) -> None:
    owners = session.scalars(
        select(SourceRecord.guest_id).where(
            SourceRecord.external_id.in_(external_ids), SourceRecord.guest_id.is_not(None)
        )
    ).all()
    assert owners
    privacy.erase_guests(session, guest_ids=sorted({g for g in owners if g is not None}), now=NOW)
    session.commit()


def test_a_file_imported_again_after_the_erasure_brings_nobody_back(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    canary = {"姓名": NAME, "证件号码": ID_NUMBER, "手机": PHONE, "邮箱": EMAIL}
    pms = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row("C-77", **canary), good_row("K-1")])
    members = canary_jsonl(tmp_path)
    ingest.import_file(factory(engine), pms, source="pms")
    ingest.import_file(factory(engine), members, source="loyalty")
    identity.resolve_all(factory(engine))
    erase_owners_of(s, "SHA01:C-77", MEMBER)
    vault = pii.vault_of(s)
    assert records_under(s, "SHA01:C-77") == records_under(s, MEMBER) == []  # the IDs are gone
    assert records_under(s, pii.tombstone(vault, "SHA01:C-77")) == [RecordStatus.ERASED]
    assert records_under(s, pii.tombstone(vault, MEMBER)) == [RecordStatus.ERASED]
    assert pii.tombstone(vault, MEMBER) != pii.tombstone(vault, "SHA01:C-77")
    before = active_guests(s)

    again = ingest.import_file(factory(engine), pms, source="pms").summary
    members_again = ingest.import_file(factory(engine), members, source="loyalty").summary
    identity.resolve_all(factory(engine))

    assert (again.rows_read, again.duplicates, again.accepted) == (2, 2, 0)  # the control's too, as ever
    assert (members_again.rows_read, members_again.duplicates) == (1, 1)
    s.expire_all()
    assert records_under(s, "SHA01:C-77") == records_under(s, MEMBER) == []
    assert active_guests(s) == before
    control = s.scalars(select(SourceRecord.guest_id).where(SourceRecord.external_id == "SHA01:K-1")).one()
    assert s.get_one(Guest, control).status is GuestStatus.ACTIVE


def test_a_push_sent_again_after_the_erasure_is_a_duplicate(live: LiveServer, demo_group: Session) -> None:
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    person = {"given_name": "Qingyun", "family_name": "Zhuge", "phone": "+86-139-8765-4321"}
    booking = {
        "external_id": "OTA-TOMB-1",
        "record_type": "reservation",
        "version": 3,
        "hotel_code": "SHA01",
        "fields": {"confirmation_number": "OTA-TOMB-1", "arrival": "2026-12-01", "departure": "2026-12-03"},
        "persons": [{"role": "primary", "values": person}],
    }
    body = {"records": [booking]}
    with live.client(role=None, headers={"X-API-Key": key}) as c:
        first = c.post("/api/v1/sources/ota_booking/records", json=body)
    assert first.status_code == 200 and first.json()["records"][0]["outcome"].startswith("accepted")
    identity.resolve_all(factory(live.engine))
    with factory(live.engine)() as s:
        erase_owners_of(s, "OTA-TOMB-1")
        before = active_guests(s)
    with live.client(role=None, headers={"X-API-Key": key}) as c:
        again = c.post("/api/v1/sources/ota_booking/records", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["duplicates"] == 1 and again.json()["records"][0]["outcome"] == "duplicate"
    identity.resolve_all(factory(live.engine))
    with factory(live.engine)() as s:
        assert records_under(s, "OTA-TOMB-1") == [] and active_guests(s) == before
        tomb = pii.tombstone(pii.vault_of(s), "OTA-TOMB-1")
        assert records_under(s, tomb) == [RecordStatus.ERASED]


def test_records_erased_before_tombstones_get_one_when_a_restore_reapplies_erasures(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    """A backup taken before tombstones existed holds erased records under the source's ID; the
    re-application of erasures after its restore tombstones them, and a re-import stays a duplicate."""
    s = demo_group
    pms = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row("C-88")])
    ingest.import_file(factory(engine), pms, source="pms")
    identity.resolve_all(factory(engine))
    erase_owners_of(s, "SHA01:C-88")
    tomb = pii.tombstone(pii.vault_of(s), "SHA01:C-88")
    s.execute(update(SourceRecord).where(SourceRecord.external_id == tomb).values(external_id="SHA01:C-88"))
    s.commit()  # as the erasure left it before PR-03 was closed

    privacy.reapply_erasures(s, now=NOW)
    s.commit()
    assert records_under(s, "SHA01:C-88") == [] and records_under(s, tomb) == [RecordStatus.ERASED]
    privacy.reapply_erasures(s, now=NOW)  # a tombstone is never hashed again
    s.commit()
    assert records_under(s, tomb) == [RecordStatus.ERASED]
    again = ingest.import_file(factory(engine), pms, source="pms").summary
    assert (again.rows_read, again.duplicates) == (1, 1)


def test_the_retention_run_tombstones_the_old_quarantined_records_it_wipes(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    bad = good_row("Q-404", 离店日期="2026/09/30")  # departure before arrival: quarantined
    pms = write_pms_cn(tmp_path / "SHA01_stays.csv", [bad])
    ingest.import_file(factory(engine), pms, source="pms")
    assert records_under(s, "SHA01:Q-404") == [RecordStatus.QUARANTINED]
    privacy.run_retention(s, now=datetime.now(UTC) + timedelta(days=3650), apply=True)
    s.commit()
    tomb = pii.tombstone(pii.vault_of(s), "SHA01:Q-404")
    assert records_under(s, "SHA01:Q-404") == [] and records_under(s, tomb) == [RecordStatus.ERASED]
    again = ingest.import_file(factory(engine), pms, source="pms").summary
    assert (again.rows_read, again.duplicates, again.quarantined) == (1, 1, 0)


def test_a_stay_kept_for_accounting_loses_its_confirmation_number_once_nobody_on_it_is_left(
    demo_group: Session,
) -> None:
    """The erased guest's own stay keeps hotel, dates and amount but holds a tombstone instead of
    its booking reference (which the PMS or the OTA could turn back into the person); a stay shared
    with a guest who is not erased keeps its number, and whoever holds the key can still match it."""
    s = demo_group
    erased, companion = make_guest(s), make_guest(s)
    alone = make_stay(s, "SHA01", erased, confirmation_number="CANARY-BOOKING-778899")
    shared = make_stay(s, "SHA01", erased, companion, confirmation_number="SHARED-BOOKING-112233")
    s.commit()
    privacy.erase_guests(s, guest_ids=[erased.id], now=NOW)
    s.commit()
    s.expire_all()
    kept = s.get(Stay, alone.id)
    assert kept is not None and kept.amount == Decimal("1280.00") and kept.hotel_id == alone.hotel_id
    assert kept.confirmation_number == pii.stay_tombstone(pii.vault_of(s), "CANARY-BOOKING-778899")
    assert kept.confirmation_number.startswith(pii.TOMBSTONE_PREFIX)
    assert s.scalar(select(func.count()).where(Stay.confirmation_number.contains("778899"))) == 0
    assert (
        s.scalars(select(Stay.confirmation_number).where(Stay.id == shared.id)).one()
        == "SHARED-BOOKING-112233"
    )
    privacy.erase_guests(s, guest_ids=[companion.id], now=NOW)  # the last one on the shared stay
    s.commit()
    last = s.scalars(select(Stay.confirmation_number).where(Stay.id == shared.id)).one()
    assert last == pii.stay_tombstone(pii.vault_of(s), "SHARED-BOOKING-112233")
