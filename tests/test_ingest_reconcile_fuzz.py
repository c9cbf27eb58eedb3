"""IN-04: generated malformed input imported through the real entry points into the real database.

CSV files go through `ingest.import_file` (what `guestgraph import` and the upload page call), JSON
records and OpenTravel messages through the push API over real HTTP. After every import the batch's
counters are checked against the rows in the database (`check_batch`): nothing is lost, nothing is
counted twice, every refused row is in the quarantine with the rule and field that refused it, and
importing the same input again changes nothing. The only exception allowed is a reader's refusal of
the whole input (`ReaderError`), which names where it happened and leaves the batch reconciled.
The checks are in `tests/ingest_reconcile.py`; Excel, JSON-lines and vendor JSON files are in
`test_ingest_reconcile_fuzz_files.py`.

Hypothesis runs a few dozen examples per test here; the nightly profile (HYPOTHESIS_PROFILE=nightly,
see `.ci/nightly`) runs many more.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.access import issue_source_key
from guestgraph.db.models import (
    RecordIssue,
    RecordStatus,
    SourceRecord,
)
from tests.conftest import LiveServer
from tests.fuzz import examples
from tests.ingest_helpers import PMS_CN_HEADER, booking, factory, good_row
from tests.ingest_reconcile import (
    FUZZ,
    RUN,
    TEXT,
    Totals,
    check_batch,
    import_and_reconcile,
    last_batch,
    quarantine_of,
    totals,
)

pytestmark = pytest.mark.usefixtures("demo_group")

# --- CSV: a PMS export with broken rows -----------------------------------------------------------

ROW_KINDS = [
    "ok",
    "bad_date",
    "dates_reversed",
    "bad_phone",
    "bad_id",
    "nul",
    "control",
    "huge",
    "quote_inside",
    "quote_unclosed",
    "duplicate",
    "same_number_new_content",
    "no_number",
    "extra_cells",
    "fewer_cells",
    "blank",
    "other_encoding",
    "random_text",
    "negative_amount",
]


@st.composite
def pms_rows(draw: st.DrawFn) -> list[tuple[str, dict[str, str], Any]]:
    kinds = draw(st.lists(st.sampled_from(ROW_KINDS), min_size=1, max_size=25))
    out: list[tuple[str, dict[str, str], Any]] = []
    for n, kind in enumerate(kinds, start=1):
        row = good_row(f"{n}")
        extra: Any = None
        if kind == "bad_date":
            row[draw(st.sampled_from(["到店日期", "离店日期", "生日"]))] = draw(
                st.sampled_from(["2026-13-45", "昨天", "31/31/2026", "0000-00-00", "2026/02/30", "9" * 30])
            )
        elif kind == "dates_reversed":
            row["离店日期"] = "2026/09/01"
        elif kind == "bad_phone":
            row["手机"] = draw(st.sampled_from(["12345", "+86abc", "0" * 40, "138-1234-567８", "+"]))
        elif kind == "bad_id":
            row["证件号码"] = draw(
                st.sampled_from(["110101199003074259", "X" * 30, "1101011990030742", "??"])
            )
        elif kind == "nul":
            column = draw(st.sampled_from(["姓名", "备注", "手机", "确认号"]))
            row[column] = row.get(column, "") + "\x00x"
        elif kind == "control":
            row["姓名"] = "李\x07雷\x1b"
        elif kind == "huge":
            row[draw(st.sampled_from(["备注", "姓名", "邮箱"]))] = "长" * draw(
                st.sampled_from([501, 20_000, 100_000])
            )
        elif kind == "quote_inside":
            row["姓名"] = 'Wang "Tiger" Xiao'
            extra = "raw"
        elif kind == "quote_unclosed":
            extra = "unclosed"
        elif kind == "duplicate" and out:
            _k, previous, previous_extra = out[-1]
            row, extra = dict(previous), previous_extra
        elif kind == "same_number_new_content" and out:
            row = dict(out[-1][1], 房号=str(draw(st.integers(100, 9999))))
        elif kind == "no_number":
            row["确认号"] = ""
        elif kind == "extra_cells":
            extra = ["多余", "x"]
        elif kind == "fewer_cells":
            extra = draw(st.integers(1, len(PMS_CN_HEADER) - 1))
        elif kind == "blank":
            row = {}
        elif kind == "other_encoding":
            extra = "other_encoding"
            row["姓名"] = "欧陽娜娜"
        elif kind == "random_text":
            row[draw(st.sampled_from(PMS_CN_HEADER[1:]))] = draw(TEXT)
        elif kind == "negative_amount":
            row["房费"] = "-50"
        out.append((kind, row, extra))
    return out


def write_csv(
    path: Path, rows: list[tuple[str, dict[str, str], Any]], encoding: str, title: bool, drop: str | None
) -> tuple[Path, int, bool]:
    """The file, how many data lines it has, and whether a quote left open may swallow lines."""
    header = [h for h in PMS_CN_HEADER if h != drop]
    other = "utf-8" if encoding == "gb18030" else "gb18030"
    swallowing = False
    data_lines = 0
    with path.open("wb") as fh:
        if title:
            fh.write("云栖上海外滩酒店 在住及离店客人报表\r\n导出时间: 2026-11-01\r\n".encode(encoding))
        fh.write((",".join(header) + "\r\n").encode(encoding))
        for _kind, row, extra in rows:
            buf = io.StringIO()
            cells = [row.get(h, "") for h in header]
            if isinstance(extra, list):
                cells += extra
            elif isinstance(extra, int):
                cells = cells[:extra]
            if extra == "unclosed":
                line = ",".join(cells[:1] + ['"王小明'] + cells[2:]) + "\r\n"
                swallowing = True
            elif extra == "raw":
                line = (
                    ",".join(c.replace(",", " ").replace("\r", " ").replace("\n", " ") for c in cells)
                    + "\r\n"
                )
            else:
                csv.writer(buf, lineterminator="\r\n").writerow(cells)
                line = buf.getvalue()
            multi_line = "\r" in line[:-2] or "\n" in line[:-2]
            swallowing |= multi_line
            fh.write(line.encode(other if extra == "other_encoding" else encoding, "replace"))
            data_lines += 1
    return path, data_lines, swallowing


@settings(FUZZ, max_examples=examples(25))
@given(
    rows=pms_rows(),
    encoding=st.sampled_from(["gb18030", "utf-8", "utf-8-sig"]),
    title=st.booleans(),
    drop=st.one_of(st.none(), st.none(), st.sampled_from(["确认号", "到店日期", "姓名", "手机", "状态"])),
)
def test_broken_pms_rows_import_and_reconcile(
    engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, dict[str, str], Any]],
    encoding: str,
    title: bool,
    drop: str | None,
) -> None:
    note(repr((rows, encoding, title, drop)))
    run = next(RUN)
    rows = [(k, {**r, "确认号": f"R{run}-{r['确认号']}"} if r.get("确认号") else r, x) for k, r, x in rows]
    path = tmp_path_factory.mktemp("csv") / "SHA01_stays.csv"
    write_csv(path, rows, "utf-8" if encoding == "utf-8-sig" else encoding, title, drop)
    if encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    _, data_lines, swallowing = write_csv(path.with_suffix(".count"), rows, "utf-8", title, drop)
    imported = import_and_reconcile(engine, path, source="pms")
    if imported is None:  # refused whole, naming where
        return
    result, batch = imported
    if not swallowing:  # every line written is a row read or a blank row skipped
        assert batch.rows_read + result.blank_rows == data_lines, (batch.rows_read, result.blank_rows)


def test_a_nul_in_the_confirmation_number_is_quarantined_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    """Found by the test above on PostgreSQL (which refuses a NUL in text): one row whose 确认号 is
    "1\x00x" failed the whole import with a psycopg DataError, on SQLite it was stored as an ID."""
    path = tmp_path / "SHA01_stays.csv"
    write_csv(
        path, [("nul", good_row("N1\x00x"), None), ("ok", good_row("N2"), None)], "gb18030", False, None
    )
    summary = ingest.import_file(factory(engine), path, source="pms").summary
    batch = check_batch(engine, summary.batch_id)
    assert (batch.rows_read, batch.quarantined, batch.accepted + batch.accepted_with_warnings) == (2, 1, 1)
    with Session(engine) as s:
        record = s.scalar(select(SourceRecord).where(SourceRecord.external_id == "SHA01:N1x"))
        assert record is not None and record.status is RecordStatus.QUARANTINED
        issue = s.scalar(select(RecordIssue).where(RecordIssue.source_record_id == record.id))
        assert issue is not None and (issue.rule, issue.field) == ("id.control_characters", "external_id")


def test_odd_unused_column_names_are_counted_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    """A column the profile does not use is not stored, and its name is the field of the data.minimised
    finding: a NUL or a name longer than the column (60) must not fail the import on PostgreSQL."""
    path = tmp_path / "SHA01_stays.csv"
    header = [*PMS_CN_HEADER, "民族\x00", "证件地址" * 30]
    row = good_row("U1")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow([*(row.get(h, "") for h in PMS_CN_HEADER), "汉", "北京"])
    summary = ingest.import_file(factory(engine), path, source="pms").summary
    batch = check_batch(engine, summary.batch_id)
    assert (batch.rows_read, batch.quarantined) == (1, 0)
    assert batch.rule_counts.get("data.minimised") == 2


# --- the push API: JSON records ---------------------------------------------------------------------


PUSH_KINDS = [
    "ok",
    "bad_date",
    "reversed",
    "bad_amount",
    "bad_phone",
    "bad_email",
    "nul",
    "huge",
    "unknown_hotel",
    "bad_currency",
    "duplicate",
    "older_version",
    "newer_version",
    "no_version",
    "random_field",
    "no_persons",
    "cancellation",
    "nul_id",
    "surrogate",
]


@st.composite
def push_batches(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    kinds = draw(st.lists(st.sampled_from(PUSH_KINDS), min_size=1, max_size=15))
    records: list[dict[str, Any]] = []
    for n, kind in enumerate(kinds, start=1):
        r = booking(f"P{n}", draw(st.integers(1, 5)))
        f, person = r["fields"], r["persons"][0]["values"]
        if kind == "bad_date":
            f[draw(st.sampled_from(["arrival", "departure"]))] = draw(
                st.sampled_from(["2026-02-30", "tomorrow", "", "1900-01-01", "2026-12-01T25:00"])
            )
        elif kind == "reversed":
            f["departure"] = "2026-11-01"
        elif kind == "bad_amount":
            f["amount"] = draw(st.sampled_from(["-1", "abc", "1e400", "NaN", "9" * 40]))
        elif kind == "bad_phone":
            person["phone"] = draw(st.sampled_from(["12", "+86 abc", "1" * 30]))
        elif kind == "bad_email":
            person["email"] = draw(st.sampled_from(["@", "a@b", "x" * 300 + "@qq.com"]))
        elif kind == "nul":
            person["given_name"] = "W\x00ei"
        elif kind == "huge":
            f["notes"] = "x" * draw(st.sampled_from([501, 50_000]))
        elif kind == "unknown_hotel":
            r["hotel_code"] = draw(st.sampled_from(["NOPE1", "", "sha01"]))
        elif kind == "bad_currency":
            f["currency"] = draw(st.sampled_from(["XXX", "人民币", ""]))
        elif kind == "duplicate" and records:
            r = copy.deepcopy(records[-1])
        elif kind in ("older_version", "newer_version") and records:
            r = copy.deepcopy(records[-1])
            r["version"] = max(0, (r["version"] or 1) + (-1 if kind == "older_version" else 1))
            r["fields"]["departure"] = "2026-12-04"
        elif kind == "no_version":
            r["version"] = None
        elif kind == "random_field":
            target = draw(st.sampled_from(["record", "person"]))
            if target == "record":
                f[draw(st.sampled_from(sorted(ingest.RECORD_FIELDS)))] = draw(TEXT)
            else:
                person[draw(st.sampled_from(sorted(ingest.PERSON_FIELDS - {"role"})))] = draw(TEXT)
        elif kind == "no_persons":
            r["persons"] = []
        elif kind == "cancellation":
            r["record_type"] = "cancellation"
        elif kind == "nul_id":
            r["external_id"] += "\x00"
        elif kind == "surrogate":  # no text can hold one: quarantined (text.unstorable), the raw kept
            target = draw(st.sampled_from(["family_name", "email", "city"]))
            person[target] = (person.get(target) or "x") + draw(st.sampled_from(["\ud800", "\udfff"]))
        records.append(r)
    invalid = draw(st.integers(0, 9)) == 0  # now and then a record the schema refuses: the whole push is
    if invalid:
        records[draw(st.integers(0, len(records) - 1))]["fields"]["arival"] = "2026-12-01"
    return records, invalid


def as_json(records: list[dict[str, Any]]) -> bytes:
    """The batch as JSON text (httpx's `json=` cannot encode a lone surrogate; JSON escapes it)."""
    return json.dumps({"records": records}).encode()


@pytest.fixture
def push_key(live: LiveServer, demo_group: Session) -> str:
    key = issue_source_key(demo_group, source="ota_booking")
    demo_group.commit()
    return key


@settings(FUZZ, max_examples=examples(25))
@given(batch=push_batches())
def test_pushed_batches_with_invalid_records_reconcile(
    live: LiveServer, push_key: str, batch: tuple[list[dict[str, Any]], bool]
) -> None:
    records, invalid = batch
    note(repr(batch))
    run = next(RUN)
    for r in records:
        r["external_id"] = f"J{run}-{r['external_id']}"
    engine = live.engine
    before = totals(engine)
    headers = {"X-API-Key": push_key, "Content-Type": "application/json"}
    with live.client(role=None, headers=headers) as c:
        answer = c.post("/api/v1/sources/ota_booking/records", content=as_json(records))
        if invalid:
            assert answer.status_code == 422, answer.text
            assert "arival" in answer.json()["message"]
            assert totals(engine) == before  # refused whole: nothing stored, no batch
            return
        assert answer.status_code == 200, answer.text
        body = answer.json()
        batch = check_batch(engine, body["batch_id"])
        assert batch.rows_read == len(records) == len(body["records"])
        for name in ("accepted", "accepted_with_warnings", "quarantined", "duplicates"):
            assert body[name] == getattr(batch, name), name
        counted = [r["status"] for r in body["records"] if r["outcome"] != "duplicate"]  # as _own_part counts
        assert counted.count("quarantined") == batch.quarantined
        with Session(engine) as s:
            stored = dict(
                s.execute(
                    select(SourceRecord.location, SourceRecord.status).where(
                        SourceRecord.batch_id == batch.id
                    )
                ).all()
            )
        for r in body["records"]:  # the answer tells the sender what the database holds
            assert r["location"].startswith("item ")
            if r["status"] == "quarantined":
                assert any(f["severity"] == "reject" and f["rule"] for f in r["findings"]), r
            in_quarantine = stored.get(r["location"]) is RecordStatus.QUARANTINED
            assert (r["outcome"] == "quarantined") == in_quarantine, (r, stored.get(r["location"]))
        after = totals(engine)
        assert after.records - before.records == batch.rows_read - batch.duplicates
        again = c.post("/api/v1/sources/ota_booking/records", content=as_json(records))
        assert again.status_code == 200
        repeat = again.json()
        check_batch(engine, repeat["batch_id"])
        assert (repeat["rows_read"], repeat["duplicates"]) == (len(records), len(records))
        assert totals(engine) == Totals(
            after.records, after.issues, after.stays, after.guests, after.batches + 1
        )


def test_a_refused_newer_version_is_answered_as_quarantined(live: LiveServer, push_key: str) -> None:
    """Found by the test above: version 2 of a booking, refused by the rules, is stored in the quarantine
    (version 1 stays in force), but the push answer called it "superseded", and the OpenTravel answer
    echoed it as a success."""
    good, bad = booking("MIN-1", 1), booking("MIN-1", 2)
    bad["fields"]["departure"] = "2026-11-01"  # before the arrival: rejected
    with live.client(role=None, headers={"X-API-Key": push_key}) as c:
        body = c.post("/api/v1/sources/ota_booking/records", json={"records": [good, bad]}).json()
    check_batch(live.engine, body["batch_id"])
    assert [(r["outcome"], r["status"]) for r in body["records"]][1] == ("quarantined", "quarantined")
    with Session(live.engine) as s:
        assert quarantine_of(s, body["batch_id"], 0) == {
            s.scalar(
                select(SourceRecord.id).where(
                    SourceRecord.location == "item 2", SourceRecord.batch_id == body["batch_id"]
                )
            )
        }


# --- the push API: OpenTravel messages ----------------------------------------------------------------

OTA = "{http://www.opentravel.org/OTA/2003/05}"
OTA_KINDS = [
    "ok",
    "bad_dates",
    "reversed",
    "bad_amount",
    "bad_phone",
    "bad_email",
    "no_id",
    "same_id",
    "unknown_hotel",
    "no_guests",
    "no_stay",
    "huge_name",
    "duplicate",
    "cancel",
    "bad_modified",
    "random_text",
]


def _set(node: ElementTree.Element | None, attribute: str, value: str) -> None:
    if node is not None:
        node.set(attribute, value)


def opentravel_message(
    template_message: bytes,
    kinds: list[str],
    data: st.DataObject,
    run: int | str,
    text: st.SearchStrategy[str] = TEXT,
) -> bytes:
    """An OTA_HotelResNotifRQ holding one reservation per kind of `OTA_KINDS`, each a mutated copy of the
    template's first (UniqueID "X{run}-{n}"); `text` the strategy for the "random_text" values."""
    ElementTree.register_namespace("", OTA[1:-1])
    root = ElementTree.fromstring(template_message)
    holder = root.find(f"{OTA}HotelReservations")
    assert holder is not None
    template = list(holder)[0]
    for old in list(holder):
        holder.remove(old)
    for n, kind in enumerate(kinds, start=1):
        res = copy.deepcopy(template)
        if kind == "duplicate" and len(holder):
            res = copy.deepcopy(list(holder)[-1])
            holder.append(res)
            continue
        _set(res.find(f"{OTA}UniqueID"), "ID", f"X{run}-{n}")
        span = res.find(f".//{OTA}TimeSpan")
        total = res.find(f".//{OTA}Total")
        customer = res.find(f".//{OTA}Customer")
        if kind == "bad_dates":
            _set(
                span,
                data.draw(st.sampled_from(["Start", "End"])),
                data.draw(st.sampled_from(["2026-02-30", "x", ""])),
            )
        elif kind == "reversed":
            _set(span, "End", "2020-01-01")
        elif kind == "bad_amount":
            _set(total, "AmountAfterTax", data.draw(st.sampled_from(["-5", "abc", "1e999", ""])))
        elif kind == "bad_phone":
            _set(
                res.find(f".//{OTA}Telephone"),
                "PhoneNumber",
                data.draw(st.sampled_from(["12", "+86abc", "0" * 40])),
            )
        elif kind == "bad_email" and customer is not None:
            email = customer.find(f"{OTA}Email")
            if email is not None:
                email.text = data.draw(st.sampled_from(["@", "not an email", "x" * 400]))
        elif kind == "no_id":
            unique = res.find(f"{OTA}UniqueID")
            if unique is not None:
                res.remove(unique)
        elif kind == "same_id":
            _set(res.find(f"{OTA}UniqueID"), "ID", f"X{run}-1")
        elif kind == "unknown_hotel":
            _set(res.find(f".//{OTA}BasicPropertyInfo"), "HotelCode", "NOPE9")
        elif kind == "no_guests":
            guests = res.find(f"{OTA}ResGuests")
            if guests is not None:
                res.remove(guests)
        elif kind == "no_stay":
            stays = res.find(f"{OTA}RoomStays")
            if stays is not None:
                res.remove(stays)
        elif kind == "huge_name":
            given = res.find(f".//{OTA}GivenName")
            if given is not None:
                given.text = "名" * data.draw(st.sampled_from([501, 40_000]))
        elif kind == "cancel":
            res.set("ResStatus", "Cancel")
        elif kind == "bad_modified":
            res.set(
                "LastModifyDateTime", data.draw(st.sampled_from(["yesterday", "", "2026-99-99T00:00:00"]))
            )
        elif kind == "random_text":
            nodes = [e for e in res.iter() if len(e) == 0]
            node = nodes[data.draw(st.integers(0, len(nodes) - 1))]
            if node.attrib and data.draw(st.booleans()):
                node.set(data.draw(st.sampled_from(sorted(node.attrib))), data.draw(text))
            else:
                node.text = data.draw(text)
        holder.append(res)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


@settings(FUZZ, max_examples=examples(20))
@given(kinds=st.lists(st.sampled_from(OTA_KINDS), min_size=1, max_size=10), data=st.data())
def test_mutated_opentravel_messages_reconcile(
    live: LiveServer, push_key: str, demo_dir: Path, kinds: list[str], data: st.DataObject
) -> None:
    template = (demo_dir / "ota" / "booking_SHA01.xml").read_bytes()
    body = opentravel_message(template, kinds, data, next(RUN))
    engine = live.engine
    before = totals(engine)
    with live.client(role=None, headers={"X-API-Key": push_key}) as c:
        answer = c.post("/api/v1/sources/ota_booking/ota", content=body)
        if answer.status_code == 400:  # refused whole by the reader (e.g. a character XML cannot carry)
            assert answer.json()["error"] == "unreadable_input" and answer.json()["message"]
            assert totals(engine) == before
            return
        assert answer.status_code == 200, answer.text
        batch_id = last_batch(engine, "ota_booking")
        assert batch_id is not None
        batch = check_batch(engine, batch_id)
        assert batch.rows_read >= len(kinds)
        with Session(engine) as s:
            held = s.scalar(
                select(func.count())
                .select_from(SourceRecord)
                .where(SourceRecord.batch_id == batch_id, SourceRecord.status == RecordStatus.QUARANTINED)
            )
        assert answer.text.count("<Error ") == held, answer.text[
            :2000
        ]  # each one in the quarantine is refused
        after = totals(engine)
        again = c.post("/api/v1/sources/ota_booking/ota", content=body)
        assert again.status_code == 200
        repeat = check_batch(engine, last_batch(engine, "ota_booking") or 0)
        assert (repeat.rows_read, repeat.duplicates) == (batch.rows_read, batch.rows_read)
        assert totals(engine) == Totals(
            after.records, after.issues, after.stays, after.guests, after.batches + 1
        )
