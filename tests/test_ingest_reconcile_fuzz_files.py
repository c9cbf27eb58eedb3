"""IN-04: generated broken Excel, JSON-lines and vendor JSON files imported from disk into the real database.

Each file goes through `ingest.import_file` (what `guestgraph import` and the upload page call) and
the batch is checked against the database with `tests/ingest_reconcile.py`: the counters reconcile
with the stored rows, the record issues and the quarantine; importing the same file again adds only
a batch of duplicates; the one failure allowed is a reader's refusal of the whole file (`ReaderError`)
naming where, after which the failed batch reconciles and a second try changes nothing.

- Excel (.xlsx, written with openpyxl as a PMS or a clerk would): blank rows, merged cells, report
  title rows above the header, numbers, dates, booleans and formulas as cells, strings past Excel's
  32,767-character limit, missing required cells, extra cells, a cover sheet first, damaged sheets.
- JSON lines (the loyalty export): dropped keys, values of the wrong JSON type, nulls, control
  characters, lone surrogates, very long values, lines that are not JSON or not objects.
- Vendor JSON files (OPERA Cloud / OHIP profiles and reservations, Mews, Cloudbeds), read from
  ../shared/samples and mutated in the same ways.

A few dozen examples per test; HYPOTHESIS_PROFILE=nightly runs many more (`.ci/nightly`).
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.db.models import ImportBatch, RecordIssue, RecordStatus, SourceRecord
from tests.fuzz import examples
from tests.ingest_helpers import PMS_CN_HEADER, booking, factory, good_row
from tests.ingest_reconcile import FUZZ, JSON_PATH, RUN, TEXT, check_batch, import_and_reconcile

pytestmark = pytest.mark.usefixtures("demo_group")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
EXCEL_CELL_LIMIT = 32_767
CONTROL = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\t", "\r\n"])
ODD_TEXT = TEXT.map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t))  # what openpyxl can write into a cell


# --- Excel: a PMS export (.xlsx) with broken rows -------------------------------------------------------

XLSX_KINDS = [
    "ok",
    "blank",
    "merged_cells",
    "subtotal_row",
    "numbers",
    "dates",
    "date_with_time",
    "boolean",
    "formula",
    "huge",
    "odd_text",
    "control",
    "missing_required",
    "extra_cells",
    "duplicate",
    "dates_reversed",
    "negative_amount",
]


@st.composite
def excel_rows(draw: st.DrawFn) -> list[tuple[str, list[Any], tuple[int, int] | None]]:
    """(kind, cells in PMS_CN_HEADER order (+ extras), a span of columns to merge) per row."""
    kinds = draw(st.lists(st.sampled_from(XLSX_KINDS), min_size=1, max_size=20))
    out: list[tuple[str, list[Any], tuple[int, int] | None]] = []
    column = {name: i for i, name in enumerate(PMS_CN_HEADER)}
    for n, kind in enumerate(kinds, start=1):
        row = good_row(f"{n}")
        cells: list[Any] = [row.get(h) for h in PMS_CN_HEADER]
        merge: tuple[int, int] | None = None
        if kind == "blank":
            cells = [None] * len(PMS_CN_HEADER)
        elif kind == "merged_cells":  # 房型 over 房价码 and 渠道: only the first keeps its value
            merge = (column["房型"], column["渠道"])
        elif kind == "subtotal_row":  # one value merged across the whole row
            cells = [draw(st.sampled_from(["小计: 12 间夜", "合计", "Total 2,560.00"]))] + [None] * (
                len(PMS_CN_HEADER) - 1
            )
            merge = (0, len(PMS_CN_HEADER) - 1)
        elif kind == "numbers":
            cells[column["确认号"]] = n  # prefixed with the run below
            cells[column["手机"]] = draw(st.sampled_from([13812345678, 8613812345678, 1.38e10, -1]))
            cells[column["房费"]] = draw(st.sampled_from([1280, 1280.5, 0.1 + 0.2, 1e20, float("inf")]))
            cells[column["证件号码"]] = draw(st.sampled_from([110101199003074258, 1.10101199003074e17]))
        elif kind == "dates":
            cells[column["到店日期"]] = date(2026, 10, 1)
            cells[column["离店日期"]] = datetime(2026, 10, 3)
            cells[column["生日"]] = draw(st.sampled_from([date(1990, 3, 7), datetime(1990, 3, 7), 32939]))
        elif kind == "date_with_time":
            cells[column[draw(st.sampled_from(["到店日期", "离店日期", "生日"]))]] = datetime(
                2026, 10, 2, 14, 30
            )
        elif kind == "boolean":
            cells[column[draw(st.sampled_from(["状态", "性别", "姓名", "房费"]))]] = draw(st.booleans())
        elif kind == "formula":  # no cached value (openpyxl does not calculate): read as an empty cell
            cells[column[draw(st.sampled_from(["房费", "姓名", "确认号"]))]] = "=SUM(1,2)"
        elif kind == "huge":
            cells[column[draw(st.sampled_from(["备注", "姓名", "邮箱"]))]] = "长" * draw(
                st.sampled_from([501, EXCEL_CELL_LIMIT, EXCEL_CELL_LIMIT + 10_000])
            )
        elif kind == "odd_text":
            cells[column[draw(st.sampled_from(PMS_CN_HEADER))]] = draw(ODD_TEXT)
        elif kind == "control":  # those a cell can hold: tab, line breaks, DEL, C1 controls, zero width
            name = draw(st.sampled_from(["姓名", "备注", "手机", "确认号"]))
            cells[column[name]] = f"{cells[column[name]] or ''}{draw(CONTROL.filter(_writable))}x"
        elif kind == "missing_required":
            cells[column[draw(st.sampled_from(["确认号", "姓名", "到店日期", "离店日期"]))]] = None
        elif kind == "extra_cells":
            cells += draw(st.sampled_from([["多余", 5], [None, "x"], [datetime(2026, 1, 1)]]))
        elif kind == "duplicate" and out:
            cells, merge = list(out[-1][1]), out[-1][2]
        elif kind == "dates_reversed":
            cells[column["离店日期"]] = "2026/09/01"
        elif kind == "negative_amount":
            cells[column["房费"]] = draw(st.sampled_from([-50, "-50", "(50.00)"]))
        out.append((kind, cells, merge))
    return out


def _writable(text: str) -> bool:
    return not ILLEGAL_CHARACTERS_RE.search(text)


def _blank(value: Any) -> bool:
    """What the reader sees as no value: None, spaces, or a formula (no cached result)."""
    return value is None or (isinstance(value, str) and (not value.strip() or value.startswith("=")))


def write_xlsx(
    path: Path,
    rows: list[tuple[str, list[Any], tuple[int, int] | None]],
    *,
    titles: int,
    drop: str | None,
    cover_sheet: bool,
) -> int:
    """The workbook as a PMS or a clerk saves it; returns how many data rows hold a value."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if cover_sheet:  # the export's first sheet is a cover page: the reader looks at the first sheet only
        ws.title = "说明"
        ws.append(["本报表由 PMS 导出，数据见下一页"])
        ws = wb.create_sheet("明细")
    keep = [i for i, h in enumerate(PMS_CN_HEADER) if h != drop]
    for t in range(titles):
        ws.append([["云栖上海外滩酒店 在住及离店客人报表", "导出时间: 2026-11-01"][t % 2]])
        ws.merge_cells(start_row=t + 1, start_column=1, end_row=t + 1, end_column=len(keep))
    ws.append([PMS_CN_HEADER[i] for i in keep])
    filled = 0
    for _kind, cells, merge in rows:
        values = [cells[i] if i < len(cells) else None for i in keep] + cells[len(PMS_CN_HEADER) :]
        ws.append(values)
        if merge is not None:
            first, last = (sum(1 for i in keep if i < m) for m in merge)
            if last > first:
                ws.merge_cells(
                    start_row=ws.max_row, start_column=first + 1, end_row=ws.max_row, end_column=last + 1
                )
        row = ws[ws.max_row]
        filled += any(not _blank(c.value) for c in row)
    wb.save(path)
    return filled


def damage(path: Path, how: str) -> None:
    """A workbook as broken exporters and interrupted copies leave them."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    if how == "control_in_xml":  # a raw control character inside the sheet's XML (not well-formed)
        parts[sheet] = parts[sheet].replace(b"</row>", b'<c t="inlineStr"><is><t>\x01</t></is></c></row>', 1)
    elif how == "truncated_sheet":
        parts[sheet] = parts[sheet][: len(parts[sheet]) // 2]
    elif how == "no_sheet":
        del parts[sheet]
    elif how == "truncated_file":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


@settings(FUZZ, max_examples=examples(25))
@given(
    rows=excel_rows(),
    titles=st.integers(0, 2),
    drop=st.one_of(st.none(), st.none(), st.sampled_from(["确认号", "到店日期", "姓名", "手机", "状态"])),
    cover_sheet=st.integers(0, 9).map(lambda n: n == 0),
    broken=st.sampled_from([None] * 16 + ["control_in_xml", "truncated_sheet", "no_sheet", "truncated_file"]),
)
def test_broken_excel_rows_import_and_reconcile(
    engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, list[Any], tuple[int, int] | None]],
    titles: int,
    drop: str | None,
    cover_sheet: bool,
    broken: str | None,
) -> None:
    note(repr((rows, titles, drop, cover_sheet, broken)))
    run = next(RUN)
    number = PMS_CN_HEADER.index("确认号")
    for _kind, cells, _merge in rows:  # a fresh confirmation number per example: examples do not collide
        if isinstance(cells[number], int):
            cells[number] = run * 1000 + cells[number]
        elif isinstance(cells[number], str) and cells[number]:
            cells[number] = f"X{run}-{cells[number]}"
    path = tmp_path_factory.mktemp("xlsx") / "SHA01_stays.xlsx"
    filled = write_xlsx(path, rows, titles=titles, drop=drop, cover_sheet=cover_sheet)
    if broken:
        damage(path, broken)
    imported = import_and_reconcile(engine, path, source="pms")
    if imported is None:  # refused whole, naming where
        return
    # Only the cover sheet may be lost (openpyxl skips a missing sheet: the data sheet is then the first)
    assert broken in (None, "control_in_xml") or cover_sheet, "a damaged workbook was read as if whole"
    _result, batch = imported
    if not broken:
        assert batch.rows_read == filled, "every row holding a value is read, blank ones are skipped"


# --- JSON lines: the loyalty system's member export ---------------------------------------------------

JSONL_KINDS = [
    "ok",
    "drop_key",
    "wrong_type",
    "null",
    "control",
    "surrogate",
    "long",
    "huge_number",
    "nested",
    "unknown_key",
    "blank",
    "not_json",
    "not_object",
    "duplicate",
    "newer",
]
MEMBER_KEYS = [
    "member_no",
    "tier",
    "name",
    "name_pinyin",
    "gender",
    "birth_date",
    "mobile",
    "email",
    "enrolled_at",
    "home_city",
    "updated_at",
]
LONE_SURROGATE = st.sampled_from(["\ud800", "\udfff"])
WRONG_TYPES = st.sampled_from([0, -1, 1.5, 1e308, True, False, [], [1, "a"], {}, {"v": "x"}, ""])


def member(n: str) -> dict[str, Any]:
    return {
        "member_no": n,
        "tier": "Gold",
        "name": "王小明",
        "name_pinyin": "Wang Xiaoming",
        "gender": "M",
        "birth_date": "1990-03-07",
        "mobile": "13812345678",
        "email": "wang.xm@qq.com",
        "enrolled_at": "2020-01-15",
        "home_city": "上海",
        "updated_at": "2026-10-01T10:00:00",
    }


@st.composite
def jsonl_lines(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(kind, the line as written, without its line break)."""
    kinds = draw(st.lists(st.sampled_from(JSONL_KINDS), min_size=1, max_size=20))
    out: list[tuple[str, str]] = []
    previous: dict[str, Any] | None = None
    for n, kind in enumerate(kinds, start=1):
        item: dict[str, Any] = member(f"M{n}")
        key = draw(st.sampled_from(MEMBER_KEYS))
        line: str | None = None
        if kind == "drop_key":
            del item[key]
        elif kind == "wrong_type":
            item[key] = draw(WRONG_TYPES)
        elif kind == "null":
            item[key] = None
        elif kind == "control":
            item[key] = f"{item[key]}{draw(CONTROL)}x"
        elif kind == "surrogate":  # JSON can escape a lone surrogate; no UTF-8 text can hold one
            item[key] = f"{item[key]}{draw(LONE_SURROGATE)}"
        elif kind == "long":
            item[key] = "长" * draw(st.sampled_from([501, 50_000]))
        elif kind == "huge_number":  # past Python's 4,300-digit limit for int(str)
            line = json.dumps(item)[:-1] + f', "{key}_n": ' + "9" * draw(st.sampled_from([400, 5000])) + "}"
        elif kind == "nested":
            item[key] = {"value": item[key], "list": [item[key]]}
        elif kind == "unknown_key":
            item[draw(TEXT)] = draw(TEXT)
        elif kind == "blank":
            line = draw(st.sampled_from(["", "   ", "\t"]))
        elif kind == "not_json":
            line = json.dumps(item)[: draw(st.integers(1, 40))]
        elif kind == "not_object":
            line = draw(st.sampled_from(["[1, 2]", '"text"', "42", "null"]))
        elif kind == "duplicate" and previous is not None:
            item = dict(previous)
        elif kind == "newer" and previous is not None:
            item = dict(previous, updated_at="2026-11-01T10:00:00", tier="Platinum")
        if line is None:  # a lone surrogate written raw is not UTF-8: now and then, the whole file is refused
            raw = kind != "surrogate" or draw(st.integers(0, 4)) == 0
            line = json.dumps(item, ensure_ascii=not raw or draw(st.booleans()))
            previous = item
        out.append((kind, line))
    return out


def _unique_members(line: str, run: int) -> str:
    """The member numbers of this example (M1 → M<run>-1): examples do not collide."""
    return re.sub(r'"M(\d+)"', lambda m: f'"M{run}-{m.group(1)}"', line)


@settings(FUZZ, max_examples=examples(25))
@given(lines=jsonl_lines(), bom=st.booleans(), crlf=st.booleans())
def test_broken_jsonl_members_import_and_reconcile(
    engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[tuple[str, str]],
    bom: bool,
    crlf: bool,
) -> None:
    note(repr(lines))
    run = next(RUN)
    text = ("\r\n" if crlf else "\n").join(_unique_members(line, run) for _k, line in lines) + "\n"
    path = tmp_path_factory.mktemp("jsonl") / "members.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
    imported = import_and_reconcile(engine, path, source="loyalty")
    if imported is None:
        return
    _result, batch = imported
    assert batch.rows_read == sum(1 for _k, line in lines if line.strip())


# --- vendor JSON files: OPERA Cloud (OHIP), Mews, Cloudbeds ---------------------------------------------

VENDOR_SAMPLES = [
    "oracle-ohip/crm.getProfile.response-200.example.json",
    "oracle-ohip/crm.postProfile.request.example.json",
    "oracle-ohip/crm.getProfileRelationships.response-200.example.json",
    "oracle-ohip/crm.getStayHistory.response-200.example.json",
    "oracle-ohip/rsv.getReservation.response-200.example.json",
    "oracle-ohip/rsv.getReservations.response-200.example.json",
    "oracle-ohip/rsv.postReservation.request.example.json",
    "oracle-ohip/rsv.putReservation.request.example.json",
    "oracle-ohip/rsv.postCancelReservation.request.example.json",
    "mews/reservations_getAll_2023-06-06.response.json",
    "mews/customers_getAll.response.json",
    "cloudbeds/guest-profiles.profiles.get.response-200.example.json",
]
ID_KEYS = frozenset({"id", "Id", "OrderId", "profileId", "reservationId"})
HOTEL_KEYS = frozenset({"hotelId", "registeredProperty", "EnterpriseId", "propertyID"})


def sample(relative: str) -> Any:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.fail(f"sample {path} is missing: check out ../shared/samples next to the repo", pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def json_nodes(value: Any) -> list[tuple[dict[str, Any] | list[Any], Any]]:
    """Every (container, key or index) of the document, depth first."""
    found: list[tuple[dict[str, Any] | list[Any], Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found += [(node, k) for k in node]
            stack.extend(node.values())
        elif isinstance(node, list):
            found += [(node, i) for i in range(len(node))]
            stack.extend(node)
    return found


def retag(document: Any, run: int) -> None:
    """Ids of this example (`<run>-<id>`), and our hotel where the payload names one, so that records are
    new in each example and some of them are accepted (the samples' property codes are not ours)."""
    for container, key in json_nodes(document):
        value = container[key]
        if isinstance(container, dict) and isinstance(value, str | int) and not isinstance(value, bool):
            if key in ID_KEYS:
                container[key] = f"{run}-{value}"
            elif key in HOTEL_KEYS:
                container[key] = "SHA01"


MUTATIONS = ["drop", "null", "wrong_type", "control", "surrogate", "long", "huge_number", "duplicate_item"]


def mutate(document: Any, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 6))):
        nodes = json_nodes(document)
        if not nodes:
            return
        container, key = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        value = container[key]
        how = data.draw(st.sampled_from(MUTATIONS))
        if how == "drop":
            del container[key]
        elif how == "null":
            container[key] = None
        elif how == "wrong_type":
            container[key] = data.draw(WRONG_TYPES)
        elif how == "control":
            container[key] = f"{value if isinstance(value, str) else ''}{data.draw(CONTROL)}x"
        elif how == "surrogate":
            container[key] = f"{value if isinstance(value, str) else ''}\udc80"
        elif how == "long":
            container[key] = "x" * data.draw(st.sampled_from([501, 60_000]))
        elif how == "huge_number":
            container[key] = 10 ** data.draw(st.sampled_from([30, 400]))
        elif how == "duplicate_item" and isinstance(container, list):
            container.append(json.loads(json.dumps(value)))


@settings(FUZZ, max_examples=examples(30))
@given(relative=st.sampled_from(VENDOR_SAMPLES), data=st.data())
def test_mutated_vendor_json_files_import_and_reconcile(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, relative: str, data: st.DataObject
) -> None:
    document = sample(relative)
    retag(document, next(RUN))
    mutate(document, data)
    path = tmp_path_factory.mktemp("json") / Path(relative).name
    path.write_text(json.dumps(document, ensure_ascii=data.draw(st.booleans())), "utf-8", "surrogatepass")
    note(path.read_text("utf-8", "surrogatepass")[:3000])
    import_and_reconcile(engine, path, source="pms", where=JSON_PATH)


# --- found by the tests above -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "expected"),
    [("control_in_xml", "damaged .*ParseError"), ("no_sheet", "no worksheet")],
    ids=["control-character-in-sheet-xml", "sheet-missing"],
)
def test_a_damaged_workbook_is_refused_naming_the_sheet(
    engine: Engine, tmp_path: Path, broken: str, expected: str
) -> None:
    """Found by the Excel test: a raw control character in the sheet's XML (ParseError) and a workbook
    whose sheet is missing (IndexError) crashed the import instead of a ReaderError saying what to do."""
    path = tmp_path / "SHA01_stays.xlsx"
    write_xlsx(
        path,
        [("ok", [good_row("D1").get(h) for h in PMS_CN_HEADER], None)],
        titles=0,
        drop=None,
        cover_sheet=False,
    )
    damage(path, broken)
    with pytest.raises(ingest.ReaderError, match=expected) as caught:
        ingest.import_file(factory(engine), path, source="pms")
    assert caught.value.location and caught.value.location.startswith("sheet 1") and caught.value.hint


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"member_no": "H1", "points": ' + "9" * 5000 + "}", "line 2: JSON that cannot be read"),
        ('{"member_no": "H1", "name": "\xff"}', "line 2: bytes that are not valid UTF-8"),
        ("42", "line 2: a line is not a JSON object"),
    ],
    ids=["number-of-5000-digits", "not-utf8", "not-an-object"],
)
def test_an_unreadable_jsonl_line_is_refused_naming_the_line(
    engine: Engine, tmp_path: Path, line: str, expected: str
) -> None:
    """Found by the JSON-lines test: a number of over 4,300 digits (ValueError) and bytes that are not
    UTF-8 (UnicodeDecodeError) crashed the import; now the reader refuses the file naming the line, and
    the member read before it is kept in the failed batch, which reconciles."""
    path = tmp_path / "members.jsonl"
    first = json.dumps(member("H0"))
    path.write_bytes(f"{first}\n".encode() + line.encode("latin-1" if "\xff" in line else "utf-8") + b"\n")
    with pytest.raises(ingest.ReaderError, match=expected):
        ingest.import_file(factory(engine), path, source="loyalty")
    with Session(engine) as s:
        batch_id = s.scalar(select(func.max(ImportBatch.id)))
    assert batch_id is not None
    failed = check_batch(engine, batch_id)
    assert failed.status.value == "failed" and failed.rows_read <= 1


def test_a_lone_surrogate_in_a_jsonl_member_is_quarantined_naming_the_field(
    engine: Engine, tmp_path: Path
) -> None:
    """Found by the JSON-lines test: a lone surrogate sent as a JSON escape ("\\udfff") crashed the import
    (UnicodeEncodeError: no text column can hold it). Now the record is quarantined (text.unstorable,
    naming the field), the row as sent keeps the escape, and the next member is imported."""
    path = tmp_path / "members.jsonl"
    bad = json.dumps(member("S1") | {"home_city": "上海\udfff"})  # ensure_ascii: the escape, valid UTF-8
    path.write_text(f"{bad}\n{json.dumps(member('S2'))}\n", encoding="utf-8")
    batch = check_batch(engine, ingest.import_file(factory(engine), path, source="loyalty").summary.batch_id)
    assert (batch.rows_read, batch.quarantined) == (2, 1)
    with Session(engine) as s:
        held = s.scalar(select(SourceRecord).where(SourceRecord.external_id == "S1"))
        assert held is not None and held.status is RecordStatus.QUARANTINED
        issue = s.execute(
            select(RecordIssue.rule, RecordIssue.field).where(RecordIssue.source_record_id == held.id)
        ).all()
        assert ("text.unstorable", "city") in issue


def test_a_lone_surrogate_in_an_ohip_profile_file_is_quarantined_not_a_crash(
    engine: Engine, tmp_path: Path
) -> None:
    """Found by the vendor JSON test: the OHIP payload was handed on as UTF-8, which cannot carry a lone
    surrogate (UnicodeEncodeError). Now it is read, and the profile is quarantined naming the field."""
    document = sample("oracle-ohip/crm.getProfile.response-200.example.json")
    retag(document, next(RUN))
    names = document["profiles"]["profileInfo"][0]["profile"]["customer"]["personName"]
    names[0]["givenName"] = "Thomas\udc80"
    path = tmp_path / "crm.getProfile.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    summary = ingest.import_file(factory(engine), path, source="pms").summary
    batch = check_batch(engine, summary.batch_id, JSON_PATH)
    assert (batch.rows_read, batch.quarantined) == (1, 1)
    assert batch.rule_counts.get("text.unstorable") == 1


def test_an_absurd_number_of_guests_is_a_warning_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    """Found by the vendor JSON test on PostgreSQL: an OHIP adultCount of 10**30 reached the stored
    record (orjson: "Integer exceeds 64-bit range"; an INTEGER column refuses far less). Now a count over
    999 is not used and the record is accepted with the warning stay.guests_invalid naming the field;
    a count in other decimal digits ("٣") is read, and a superscript "²" (which int() refuses) is not a
    number of nights."""
    document = sample("oracle-ohip/rsv.getReservation.response-200.example.json")
    retag(document, next(RUN))
    stay = document["reservations"]["reservation"][0]["roomStay"]
    stay["adultCount"], stay["childCount"] = 10**30, "٣"
    path = tmp_path / "rsv.getReservation.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    batch = check_batch(
        engine, ingest.import_file(factory(engine), path, source="pms").summary.batch_id, JSON_PATH
    )
    assert (batch.rows_read, batch.quarantined, batch.accepted_with_warnings) == (1, 0, 1)
    with Session(engine) as s:
        issues = s.execute(
            select(RecordIssue.rule, RecordIssue.field)
            .join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
            .where(SourceRecord.batch_id == batch.id)
        ).all()
    assert ("stay.guests_invalid", "adults") in issues
    pushed = booking("NIGHTS-1", 1)
    pushed["fields"]["nights"] = "²"
    summary = ingest.push_records(
        factory(engine), source="ota_booking", batch=ingest.PushBatch(records=[pushed])
    )
    assert check_batch(engine, summary.batch_id).rows_read == 1
