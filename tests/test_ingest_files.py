"""File imports end to end on each backend: detection, rules, quarantine, idempotency, lineage."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.db.models import Charge, ImportBatch, RecordIssue, RecordStatus, SourceRecord, Stay
from guestgraph.ingest.readers._errors import ReaderError
from tests.factories import opened_record
from tests.ingest_helpers import count, factory, good_row, rules_of, write_pms_cn

pytestmark = pytest.mark.usefixtures("demo_group")


def test_gb18030_export_with_title_rows_is_read_and_reconciles(engine: Engine, tmp_path: Path) -> None:
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row("1001"), good_row("1002", 姓名="欧陽娜娜")])
    result = ingest.import_file(factory(engine), path, source="pms")
    s = result.summary
    assert result.profile == "pms_cn"
    assert (s.rows_read, s.accepted + s.accepted_with_warnings, s.quarantined, s.duplicates) == (2, 2, 0, 0)
    with Session(engine) as session:
        record = session.scalar(select(SourceRecord).where(SourceRecord.external_id == "SHA01:1001"))
        assert record is not None and record.location == "row 4"
        person = opened_record(session, record).standardised["persons"][0]
        assert (person["phone"], person["email"], person["gender"]) == (
            "+8613812345678",
            "wang.xm@qq.com",
            "M",
        )
        assert person["birth_date"] == "1990-03-07" and person["id_type"] == "cn_resident_id"
        assert "138-1234-5678" in (
            opened_record(session, record).raw or ""
        )  # the value as sent is kept beside the standardised one
        stay = session.scalar(select(Stay).where(Stay.confirmation_number == "1001"))
        assert stay is not None and (stay.arrival.isoformat(), stay.status.value) == (
            "2026-10-01",
            "checked_out",
        )
        assert str(stay.amount) == "1280.00"
        traditional = session.scalar(select(SourceRecord).where(SourceRecord.external_id == "SHA01:1002"))
        assert traditional is not None
        assert opened_record(session, traditional).standardised["persons"][0]["name_simplified"] == "欧阳娜娜"


def test_columns_no_purpose_needs_are_not_stored_and_are_counted(engine: Engine, tmp_path: Path) -> None:
    """DG-02 minimisation: 民族 and the address on the ID card are not mapped by the PMS profile, so
    they are stored nowhere (not even in the row as sent) and the batch counts them."""
    import csv

    from tests.ingest_helpers import PMS_CN_HEADER

    path = tmp_path / "SHA01_stays.csv"
    address = "北京市东城区景山前街4号"
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*PMS_CN_HEADER, "民族", "证件地址", "空列"])
        row = good_row("1101")
        writer.writerow([*(row.get(h, "") for h in PMS_CN_HEADER), "汉", address, ""])
    s = ingest.import_file(factory(engine), path, source="pms").summary
    assert (s.rows_read, s.accepted, s.quarantined) == (1, 1, 0)  # a fix: accepted, and explained
    with Session(engine) as session:
        batch = session.get(ImportBatch, s.batch_id)
        assert batch is not None and batch.rule_counts.get("data.minimised") == 2
        assert "data.minimised" in rules_of(session, "SHA01:1101")
        record = session.scalar(select(SourceRecord).where(SourceRecord.external_id == "SHA01:1101"))
        assert record is not None
        opened = opened_record(session, record)
        explained = [c[1] for c in opened.standardised["changes"] if c[0] == "data.minimised"]
        assert sorted(explained) == ["民族", "证件地址"]  # the column names, never their values
        assert "汉" not in (opened.raw or "") and address not in (opened.raw or "") + str(opened.standardised)
        assert "138-1234-5678" in (opened.raw or "")  # mapped columns are kept as sent


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row(str(n)) for n in range(1, 6)])
    first = ingest.import_file(factory(engine), path, source="pms").summary
    second = ingest.import_file(factory(engine), path, source="pms").summary
    assert first.batch_id != second.batch_id
    assert (second.rows_read, second.duplicates, second.accepted) == (5, 5, 0)
    with Session(engine) as session:
        assert count(session) == 5
        assert len(session.scalars(select(Stay)).all()) == 5


def test_bad_rows_are_quarantined_with_every_reason_and_nothing_is_lost(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        good_row("2001", 离店日期="2026/09/30"),  # departure before arrival
        good_row("2002", 房费="-50"),  # negative amount
        good_row("", 姓名="无编号"),  # no confirmation number
        good_row("2004", 备注="x" * 1_000_000),  # a 1 MB field
        good_row("2005", 姓名="李\x07雷", 备注="卡号 4111 1111 1111 1111 已付"),  # control char, card number
        good_row("2006", 手机="12345", 证件号码="110101199003074259"),  # bad phone, bad ID checksum: warnings
    ]
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows, encoding="utf-8", title=False)
    s = ingest.import_file(factory(engine), path, source="pms").summary
    assert (s.rows_read, s.quarantined) == (6, 4) and s.reconciles
    with Session(engine) as session:
        assert "stay.dates_order" in rules_of(session, "SHA01:2001")
        assert "amount.negative" in rules_of(session, "SHA01:2002")
        assert "field.too_long" in rules_of(session, "SHA01:2004")
        assert {"text.control_characters", "card.stripped"} <= rules_of(session, "SHA01:2005")
        assert {"phone.invalid", "document.invalid"} <= rules_of(session, "SHA01:2006")
        no_id = session.scalars(select(SourceRecord).where(SourceRecord.external_id.like("#%"))).one()
        assert no_id.status is RecordStatus.QUARANTINED
        opened = [opened_record(session, r) for r in session.scalars(select(SourceRecord))]
        assert opened and all(
            "4111" not in (o.raw or "") and "4111" not in str(o.standardised) for o in opened
        )
        from guestgraph.db.models import RecordIssue
        from guestgraph.ingest._reports import problem_rows

        quoted = [reason for row in problem_rows(session, s.batch_id, "en") for reason in row.reasons]
        # the refused phone is quoted, masked like every identifying value of the row (MK-01)
        assert any("“*****”" in r for r in quoted) and all("4111" not in r for r in quoted), quoted
        assert not any("12345" in r for r in quoted), quoted
        stored = [v for v in session.scalars(select(RecordIssue.raw_value_enc)) if v]
        assert stored and all(v.startswith("g1.") and "12345" not in v for v in stored)  # sealed
        assert session.scalar(select(ImportBatch.quarantined).where(ImportBatch.id == s.batch_id)) == 4


def test_steward_corrects_and_discards_quarantined_records(engine: Engine, tmp_path: Path) -> None:
    rows = [good_row("3001", 离店日期="2026/09/30"), good_row("3002", 房费="-1")]
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows, encoding="utf-8", title=False)
    ingest.import_file(factory(engine), path, source="pms")
    from guestgraph.access import DataScope
    from guestgraph.paging import PageRequest

    with Session(engine) as session:
        page = ingest.list_quarantine(session, scope=DataScope.group(), paging=PageRequest(), locale="zh_CN")
        by_ext = {r.external_id: r for r in page.items}
        assert "离店日期不晚于到店日期" in by_ext["SHA01:3001"].reasons[0]
    fixed = ingest.resubmit(
        factory(engine),
        scope=DataScope.group(),
        record_id=by_ext["SHA01:3001"].id,
        corrections={"fields.departure": "2026/10/04"},
    )
    assert (fixed.accepted + fixed.accepted_with_warnings, fixed.quarantined) == (1, 0)
    with Session(engine) as session:
        assert (
            ingest.discard(
                session, scope=DataScope.group(), record_ids=[by_ext["SHA01:3002"].id], reason="test booking"
            )
            == 1
        )
        session.commit()
        old = session.get(SourceRecord, by_ext["SHA01:3001"].id)
        assert old is not None and old.status is RecordStatus.SUPERSEDED
        stay = session.scalar(select(Stay).where(Stay.confirmation_number == "3001"))
        assert stay is not None and stay.departure.isoformat() == "2026-10-04"
        assert count(session, SourceRecord.status == RecordStatus.QUARANTINED) == 0
        assert count(session, SourceRecord.status == RecordStatus.DISCARDED) == 1


def test_whole_demo_group_imports_and_every_truth_record_is_stored(engine: Engine, demo_dir: Path) -> None:
    from guestgraph.bootstrap import import_demo_files

    results = import_demo_files(factory(engine), demo_dir)
    assert all(r.summary.reconciles and r.summary.status == "completed" for r in results)
    with Session(engine) as session:
        stored = {
            (s, e)
            for s, e in session.execute(select(SourceRecord.source_system_id, SourceRecord.external_id))
        }
        from guestgraph.db.models import SourceSystem

        ids = dict(session.execute(select(SourceSystem.code, SourceSystem.id)).all())
        with (demo_dir / "truth" / "records.csv").open(encoding="utf-8") as fh:
            truth = list(csv.DictReader(fh))
        missing = [t for t in truth if (ids[t["source_system"]], _our_id(t)) not in stored]
        assert missing == []
        assert session.scalar(select(Charge.id).limit(1)) is not None


def _our_id(truth: dict[str, str]) -> str:
    if truth["source_system"].startswith("ota_"):
        return truth["external_id"].split(":")[1]
    return truth["external_id"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("SHA01_stays.csv", b"", "empty"),
        ("SHA01_stays.csv", "确认号;姓名;到店日期\n1;王;2024-01-01\n".encode(), "no header row"),
        ("SHA01_stays.xlsx", b"PK\x03\x04 truncated", "not a readable Excel workbook"),
        ("SHA01_stays.pdf", b"%PDF", "not a format we read"),
    ],
)
def test_unreadable_files_fail_with_a_clear_message(
    engine: Engine, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReaderError, match=expected) as caught:
        ingest.import_file(factory(engine), path, source="pms")
    assert name in caught.value.message


def test_mixed_encoding_fails_the_batch_and_reports_what_was_stored(engine: Engine, tmp_path: Path) -> None:
    rows = [good_row(str(n)) for n in range(1, 3001)]  # past the 256 KB the encoding is detected from
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows, encoding="utf-8")
    with path.open("ab") as fh:
        fh.write("9,张三,男\n".encode("gb18030"))
    with pytest.raises(ReaderError, match="not valid utf-8"):
        ingest.import_file(factory(engine), path, source="pms")
    with Session(engine) as session:
        batch = session.scalars(select(ImportBatch)).one()
        assert batch.status.value == "failed" and "mixes encodings" in (batch.error or "")
        assert batch.rows_read == 2000 == count(session)  # the chunks committed before the error, reported


SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.mark.parametrize(
    "folder",
    [
        "alpinebits",
        "expedia-booking-notification",
        "siteminder",
        "oracle-ohip",
        "mews",
        "cloudbeds",
        "myallocator",
        "apaleo",
    ],
)
def test_every_shared_sample_imports_end_to_end_and_reconciles(engine: Engine, folder: str) -> None:
    assert SAMPLES.exists(), f"shared samples missing at {SAMPLES}"
    files = sorted(
        p
        for p in (SAMPLES / folder).rglob("*")
        if p.suffix in (".xml", ".json")
        and "xsd" not in p.parts
        and "openapi" not in p.parts
        and "invalid" not in p.name
    )
    assert files
    stored = 0
    for path in files:
        s = ingest.import_file(factory(engine), path, source="ota_booking").summary
        assert s.status == "completed" and s.reconciles, path.name
        stored += s.rows_read
    assert stored > 0
    with Session(engine) as session:
        # Their property codes are not ours: each stored record names the fix instead of vanishing.
        assert count(session) > 0
        assert (
            "hotel.unknown" in {r for (r,) in session.execute(select(RecordIssue.rule))} or folder == "apaleo"
        )


def test_batches_and_quarantine_follow_the_data_scope(engine: Engine, tmp_path: Path) -> None:
    from guestgraph.access import DataScope
    from guestgraph.db.models import Hotel
    from guestgraph.paging import PageRequest

    path = write_pms_cn(tmp_path / "SHA01_stays.csv", [good_row("4001", 离店日期="2026/09/30")])
    ingest.import_file(factory(engine), path, source="pms")
    with Session(engine) as session:
        ids = dict(session.execute(select(Hotel.code, Hotel.id)).all())
        own, other = DataScope.hotels(ids["SHA01"]), DataScope.hotels(ids["PEK01"])
        for scope, expected in ((own, 1), (other, 0), (DataScope.group(), 1)):
            assert ingest.list_batches(session, scope=scope, paging=PageRequest()).total == expected
            page = ingest.list_quarantine(session, scope=scope, paging=PageRequest(), locale="en")
            assert page.total == expected
