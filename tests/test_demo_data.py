"""The demo data generator: determinism, reconciliation with the ground truth, file formats, dirt."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from guestgraph.demo import DemoSummary, generate_demo
from guestgraph.demo._ids import break_checksum, make_resident_id, resident_id_is_valid

N_GUESTS = 2000
SEED = 7
OTA_NS = "{http://www.opentravel.org/OTA/2003/05}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    out = tmp_path_factory.mktemp("demo_a")
    return out, generate_demo(out_dir=out, guests=N_GUESTS, seed=SEED)


@pytest.fixture(scope="module")
def out(demo: tuple[Path, DemoSummary]) -> Path:
    return demo[0]


@pytest.fixture(scope="module")
def group(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "group.json").read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def truth(out: Path) -> list[dict[str, str]]:
    with (out / "truth/records.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def persons(out: Path) -> list[dict[str, str]]:
    with (out / "truth/persons.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _hotels(group: dict[str, Any]) -> list[dict[str, Any]]:
    hotels: list[dict[str, Any]] = group["hotels"]
    return hotels


def _pms_rows(out: Path, hotel: dict[str, Any]) -> list[dict[str, str]]:
    """PMS rows as dicts, skipping report title lines above the header."""
    encoding = "gb18030" if hotel["pms_encoding"] == "gb18030" else "utf-8-sig"
    text = (out / f"pms/{hotel['code']}_stays.csv").read_text(encoding=encoding)
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(("确认号", "Conf No")))
    return list(csv.DictReader(io.StringIO("".join(lines[start:]))))


def _conf_key(row: dict[str, str]) -> str:
    return row.get("确认号") or row["Conf No"]


def _source_ids(out: Path, group: dict[str, Any]) -> set[tuple[str, str]]:
    """(file, external_id) for every guest-bearing record found by reading the files themselves."""
    found: set[tuple[str, str]] = set()
    for hotel in _hotels(group):
        code = str(hotel["code"])
        for row in _pms_rows(out, hotel):
            found.add((f"pms/{code}_stays.csv", f"{code}:{_conf_key(row)}"))
        with (out / f"pos/{code}_folio.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                found.add((f"pos/{code}_folio.csv", f"{code}:{row['check_no']}"))
    for path in sorted((out / "ota").glob("*.xml")):
        channel = path.stem.split("_")[0]
        for uid in ET.parse(path).getroot().iter(f"{OTA_NS}UniqueID"):
            found.add((f"ota/{path.name}", f"{channel}:{uid.get('ID')}:guest"))
    for line in (out / "loyalty/members.jsonl").read_text(encoding="utf-8").splitlines():
        found.add(("loyalty/members.jsonl", json.loads(line)["member_no"]))
    for path in sorted((out / "frontdesk").glob("*.xlsx")):
        code = path.stem.split("_")[0]
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        for row_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if row_no >= 4 and any(v not in (None, "") for v in row):
                found.add((f"frontdesk/{path.name}", f"{code}:{row_no}"))
    return found


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_group_json_shape(group: dict[str, Any]) -> None:
    assert group["group"] == {"code": "YQ", "name_zh": "云栖酒店集团", "name_en": "Yunqi Hotel Group"}
    regions = group["regions"]
    assert isinstance(regions, list)
    assert [r["code"] for r in regions] == ["EAST", "SOUTH", "NORTH"]
    hotels = _hotels(group)
    assert len(hotels) == 9
    assert {h["region"] for h in hotels} == {"EAST", "SOUTH", "NORTH"}
    hk = [h for h in hotels if h["currency"] == "HKD"]
    assert len(hk) == 1 and hk[0]["timezone"] == "Asia/Hong_Kong"
    encodings = Counter(h["pms_encoding"] for h in hotels)
    assert set(encodings) == {"gb18030", "utf-8"} and encodings["gb18030"] >= 4
    systems = {s["code"]: (s["kind"], s["trust_rank"]) for s in group["source_systems"]}
    assert systems == {
        "pms": ("pms", 10), "ota_ctrip": ("ota", 40), "ota_booking": ("ota", 40), "ota_expedia": ("ota", 40),
        "loyalty": ("loyalty", 20), "pos": ("pos", 50), "frontdesk": ("frontdesk", 30),
    }  # fmt: skip


def test_same_seed_gives_identical_bytes(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_demo(out_dir=again, guests=N_GUESTS, seed=SEED)
    first, second = _all_bytes(out), _all_bytes(again)
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = _all_bytes(generate_demo(out_dir=tmp_path / "a", guests=300, seed=1).out_dir)
    b = _all_bytes(generate_demo(out_dir=tmp_path / "b", guests=300, seed=2).out_dir)
    assert a["group.json"] == b["group.json"]
    assert a["truth/records.csv"] != b["truth/records.csv"]
    assert a["pms/SHA01_stays.csv"] != b["pms/SHA01_stays.csv"]


def test_summary_and_layout(demo: tuple[Path, DemoSummary], truth: list[dict[str, str]]) -> None:
    out, summary = demo
    assert summary.persons == N_GUESTS
    assert summary.source_records == len(truth)
    assert summary.files_by_kind["pms"] == 9 and summary.files_by_kind["frontdesk"] == 3
    assert summary.files_by_kind["ota"] == 8 + 9 + 9  # Ctrip sells the mainland hotels only
    assert all(f.is_file() for f in summary.files)
    assert set(summary.files) == {p for p in out.rglob("*") if p.is_file()}


def test_truth_reconciles_with_files(
    out: Path, group: dict[str, Any], truth: list[dict[str, str]], persons: list[dict[str, str]]
) -> None:
    found = _source_ids(out, group)
    claimed = {(r["file"], r["external_id"]) for r in truth}
    assert len(claimed) == len(truth), "external ids are unique per file"
    assert claimed - found == set()
    # everything in the files is in the truth, except outside diners' POS checks (no guest)
    assert {f for f in found - claimed if not f[0].startswith("pos/")} == set()
    per_person = Counter(r["person_id"] for r in truth)
    assert len(persons) == N_GUESTS
    assert all(per_person[p["person_id"]] >= 1 for p in persons)
    assert max(per_person.values()) <= 6
    assert {r["source_system"] for r in truth} == {
        "pms", "ota_ctrip", "ota_booking", "ota_expedia", "loyalty", "pos", "frontdesk"
    }  # fmt: skip


def test_truth_does_not_leak_into_sources(out: Path, persons: list[dict[str, str]]) -> None:
    ids = {p["person_id"] for p in persons}
    token = re.compile(r"(?<![A-Za-z0-9])P\d{7}(?![0-9])")
    for path in sorted(out.rglob("*")):
        if not path.is_file() or "truth" in path.parts:
            continue
        if path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
        else:
            text = path.read_bytes().decode("gb18030" if path.suffix == ".csv" else "utf-8", errors="replace")
        assert not set(token.findall(text)) & ids, path


def test_gb18030_exports_have_chinese_headers(out: Path, group: dict[str, Any]) -> None:
    chinese = [h for h in _hotels(group) if h["pms_encoding"] == "gb18030"]
    for hotel in chinese:
        raw = (out / f"pms/{hotel['code']}_stays.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gb18030")
        assert "确认号" in text and "姓名" in text and "证件号码" in text
        statuses = {row["状态"] for row in _pms_rows(out, hotel)}
        assert statuses <= {"离店", "在住", "预订", "取消", "未到"} and "离店" in statuses
    titled = [h for h in chinese if not (out / f"pms/{h['code']}_stays.csv").read_bytes().startswith(
        "确认号".encode("gb18030"))]  # fmt: skip
    assert titled, "some Chinese exports carry report title rows"
    english = [h for h in _hotels(group) if h["pms_encoding"] == "utf-8"]
    boms = [(out / f"pms/{h['code']}_stays.csv").read_bytes().startswith(b"\xef\xbb\xbf") for h in english]
    assert boms.count(True) == 1
    for hotel in english:
        row = _pms_rows(out, hotel)[0]
        assert "Last Name" in row and "Conf No" in row


def test_ota_feeds_parse_and_match_truth(out: Path, truth: list[dict[str, str]]) -> None:
    truth_ids = {r["external_id"] for r in truth if r["source_system"].startswith("ota_")}
    statuses: Counter[str] = Counter()
    for path in sorted((out / "ota").glob("*.xml")):
        root = ET.parse(path).getroot()
        assert root.tag == f"{OTA_NS}OTA_HotelResNotifRQ"
        assert root.get("Version") and root.get("TimeStamp") and root.get("EchoToken")
        channel = path.stem.split("_")[0]
        for res in root.iter(f"{OTA_NS}HotelReservation"):
            statuses[res.get("ResStatus", "")] += 1
            uid = res.find(f"{OTA_NS}UniqueID")
            assert uid is not None and uid.get("Type") == "14"
            assert f"{channel}:{uid.get('ID')}:guest" in truth_ids
            span = res.find(f".//{OTA_NS}TimeSpan")
            assert span is not None and span.get("Start") and span.get("End")
            assert res.find(f".//{OTA_NS}Customer/{OTA_NS}PersonName/{OTA_NS}Surname") is not None
            assert res.find(f".//{OTA_NS}BasicPropertyInfo") is not None
    assert set(statuses) == {"Commit", "Modify", "Cancel"}


def test_resident_ids_mostly_valid(out: Path, group: dict[str, Any]) -> None:
    ids = []
    for hotel in _hotels(group):
        for row in _pms_rows(out, hotel):
            kind = row.get("证件类型") or row.get("ID Type")
            number = (row.get("证件号码") or row.get("ID Number") or "").strip()
            if kind in ("身份证", "ID CARD") and number:
                ids.append(number)
    valid = sum(resident_id_is_valid(n) for n in ids)
    assert len(ids) > 500
    assert valid / len(ids) > 0.97
    assert valid < len(ids), "a few wrong checksums are injected"


def test_resident_id_helpers() -> None:
    assert resident_id_is_valid("11010519491231002X")
    import random

    rng = random.Random(3)
    for gender in "MF" * 20:
        number = make_resident_id(rng, "330106", date(1990, 2, 28), gender)
        assert resident_id_is_valid(number) and number[6:14] == "19900228"
        assert int(number[16]) % 2 == (1 if gender == "M" else 0)
        assert not resident_id_is_valid(break_checksum(number))


def test_households_share_phones_across_persons(
    out: Path, group: dict[str, Any], truth: list[dict[str, str]], persons: list[dict[str, str]]
) -> None:
    households = {(p["person_id"], p["household_with"]) for p in persons if p["household_with"]}
    assert len(households) >= N_GUESTS * 0.03
    owner = {(r["file"], r["external_id"]): r["person_id"] for r in truth}
    by_phone: defaultdict[str, set[str]] = defaultdict(set)
    for hotel in _hotels(group):
        code = hotel["code"]
        for row in _pms_rows(out, hotel):
            phone = re.sub(r"\D", "", row.get("手机") or row.get("Mobile") or "")[-11:]
            if len(phone) >= 8:
                by_phone[phone].add(owner[(f"pms/{code}_stays.csv", f"{code}:{_conf_key(row)}")])
    shared = [pids for pids in by_phone.values() if len(pids) > 1]
    assert shared
    assert any((a, b) in households or (b, a) in households for pids in shared for a in pids for b in pids)


def test_homonyms_exist(persons: list[dict[str, str]]) -> None:
    han = Counter(p["name"] for p in persons if p["kind"] == "mainland")
    homonyms = [name for name, n in han.items() if n > 1]
    assert len(homonyms) >= 20
    assert any(han[name] > 1 for name in ("张伟", "王伟", "王芳", "李伟", "李娜", "张敏", "王静", "刘伟"))
    kinds = Counter(p["kind"] for p in persons)
    assert 0.70 < kinds["mainland"] / N_GUESTS < 0.80
    assert kinds["hk_tw"] > 0 and kinds["international"] > 0
    assert any(
        len(p["name"]) >= 3 and p["name"][:2] in ("欧阳", "司马", "诸葛", "上官", "司徒") for p in persons
    )


def test_frontdesk_workbooks_open(out: Path, truth: list[dict[str, str]]) -> None:
    books = sorted((out / "frontdesk").glob("*.xlsx"))
    assert len(books) == 3
    for path in books:
        ws = openpyxl.load_workbook(path).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert "登记" in str(rows[0][0])
        assert rows[2][:6] == ("日期", "客人姓名", "电话", "证件号", "房号", "备注")
        expected = sum(1 for r in truth if r["file"] == f"frontdesk/{path.name}")
        assert len(rows) - 3 == expected > 0


def test_dirt_is_present(out: Path, group: dict[str, Any], persons: list[dict[str, str]]) -> None:
    tags = Counter(t for p in persons for t in p["notes"].split(";") if t)
    expected = ("homophone", "latin_typo", "missing_email", "phone_format", "date_format", "script_variant")
    for tag in (*expected, "household_shared_phone", "number_changer", "corporate_booker_email"):
        assert tags[tag] > 0, tag
    revenues = [
        row.get("房费") or row.get("Room Revenue") or ""
        for hotel in _hotels(group)
        for row in _pms_rows(out, hotel)
    ]
    assert any(r.startswith("-") for r in revenues), "negative amounts for the importer to quarantine"
    assert "@guest.booking.com" in (out / "ota/booking_SHA01.xml").read_text(encoding="utf-8")


def test_progress_reports_to_completion(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate_demo(out_dir=tmp_path, guests=300, seed=3, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_rejects_zero_guests(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="guests"):
        generate_demo(out_dir=tmp_path, guests=0, seed=1)
