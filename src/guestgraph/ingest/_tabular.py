"""CSV, Excel and JSON-lines files through a mapping profile, streamed in constant memory.

Finds the encoding (UTF-8, UTF-8 with BOM, GB18030/GBK), the delimiter and the header row (which
may sit below report title rows), skips blank and merged-cell rows, and yields one InboundRecord
per data row with the row as sent kept in `raw` (payment-card columns dropped before anything else).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from guestgraph.ingest._inbound import PERSON_FIELDS, InboundRecord
from guestgraph.ingest._profiles import MappingProfile
from guestgraph.ingest._scrub import is_card_key
from guestgraph.ingest.readers._errors import ReaderError

SAMPLE = 256 * 1024
csv.field_size_limit(8 * 1024 * 1024)  # a 1 MB field is reported by the rules, not crashed on


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


@dataclass
class TableReading:
    """What the reader found about the file; iterate `records()` for the rows."""

    path: Path
    profile: MappingProfile
    format: str
    encoding: str | None
    delimiter: str | None
    header_row: int
    header: list[str]
    hotel_code: str | None
    blank_rows: int = 0

    @cached_property
    def layout(self) -> _Layout:
        return _layout(self)

    def records(self) -> Iterator[InboundRecord]:
        rows = _rows(self)
        for line, cells in rows:
            if not any(c is not None and str(c).strip() for c in cells):
                self.blank_rows += 1
                continue
            yield _to_record(self, line, cells)


@dataclass(frozen=True)
class _Layout:
    """Where each kept column sits in a row, worked out once per file rather than once per row."""

    used: tuple[tuple[int, str], ...]  # (cell index, header) of the columns the profile reads
    unused: tuple[tuple[int, str], ...]  # the other named columns (never card columns)
    targets: tuple[tuple[str, str, bool], ...]  # (column, canonical field, is a person field)


def _layout(reading: TableReading) -> _Layout:
    profile = reading.profile
    named = [(i, h) for i, h in enumerate(reading.header) if h and not is_card_key(h)]
    used = {h for _i, h in named if h in profile.used_columns}
    return _Layout(
        used=tuple((i, h) for i, h in named if h in used),
        unused=tuple((i, h) for i, h in named if h not in used),
        targets=tuple((c, t, t in PERSON_FIELDS) for c, t in profile.columns.items()),
    )


def _to_record(reading: TableReading, line: int, cells: list[str | None]) -> InboundRecord:
    profile, header = reading.profile, reading.header
    layout = reading.layout
    problems = []
    width = len(cells)
    if width != len(header) and any(c for c in cells[len(header) :]):
        problems.append(f"{width} values, the header has {len(header)} columns")
    # Minimisation (checklist DG-02): a column the mapping profile does not use serves no purpose, so
    # it is not stored, not even in the row as sent (民族, the address on an ID card); it is counted.
    if width >= len(header):
        row = {h: cells[i] for i, h in layout.used}
        unused = {h: cells[i] for i, h in layout.unused}
    else:
        row = {h: (cells[i] if i < width else None) for i, h in layout.used}
        unused = {h: (cells[i] if i < width else None) for i, h in layout.unused}
    dropped = [h for h, v in unused.items() if v is not None and str(v).strip()]
    fields: dict[str, str | None] = {}
    person: dict[str, str | None] = {"role": "primary"}
    for column, target, of_person in layout.targets:
        (person if of_person else fields)[target] = row.get(column)
    hotel = row.get(profile.hotel_column) if profile.hotel_column else None
    hotel = hotel or reading.hotel_code
    ext = "/".join(v for c in profile.external_id if (v := (row.get(c) or "").strip()))
    if profile.id_row_number:
        ext = str(line)
    if ext and profile.id_prefix_hotel and hotel:
        ext = f"{hotel}:{ext}"
    return InboundRecord(
        record_type=profile.record_type,
        external_id=ext or None,
        location=f"row {line}",
        raw=orjson.dumps(row).decode("utf-8"),
        raw_format=reading.format,
        fields=fields,
        persons=[person] if len(person) > 1 else [],
        source_updated_at=row.get(profile.updated_at_column) if profile.updated_at_column else None,
        hotel_code=hotel,
        reader_problems=problems,
        dropped_columns=dropped,
    )


def _rows(reading: TableReading) -> Iterator[tuple[int, list[str | None]]]:
    if reading.format == "xlsx":
        yield from _excel_rows(reading.path, skip=reading.header_row)
    elif reading.format == "jsonl":
        raise AssertionError("jsonl is read by read_jsonl")
    else:
        yield from _csv_rows(
            reading.path, reading.encoding or "utf-8", reading.delimiter or ",", skip=reading.header_row
        )


def _csv_rows(
    path: Path, encoding: str, delimiter: str, *, skip: int
) -> Iterator[tuple[int, list[str | None]]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for n, cells in enumerate(reader, start=1):
                if n > skip:
                    yield reader.line_num, [c if c.strip() else None for c in cells]
        except UnicodeDecodeError as e:
            raise ReaderError(
                f"bytes that are not valid {encoding} near line {reader.line_num + 1}",
                source=path.name,
                location=f"line {reader.line_num + 1}",
                fix="The file mixes encodings; export it again as UTF-8 or GB18030.",
            ) from e
        except csv.Error as e:
            raise ReaderError(
                f"malformed CSV ({e})",
                source=path.name,
                location=f"line {reader.line_num}",
                fix="Check quoting on that line, or export the file again.",
            ) from e


def _excel_rows(path: Path, *, skip: int) -> Iterator[tuple[int, list[str | None]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as e:
        raise ReaderError(
            f"not a readable Excel workbook ({e.__class__.__name__})",
            source=path.name,
            fix="Save it again as .xlsx (Excel 2007 or later), or export it as CSV.",
        ) from e
    n = 0
    try:
        if not wb.worksheets:
            raise ReaderError(
                "the workbook has no worksheet that can be read",
                source=path.name,
                location="sheet 1",
                fix="Open and save it again in Excel with the rows on the first sheet, or export it as CSV.",
            )
        sheet = wb.worksheets[0]
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if n > skip:
                yield n, [_cell(v) for v in values]
    # SyntaxError: the sheet's XML is not well-formed (ElementTree's ParseError and lxml's
    # XMLSyntaxError both derive from it), e.g. a control character an exporter wrote raw.
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, SyntaxError) as e:
        raise ReaderError(
            f"the workbook is damaged ({e.__class__.__name__}: {str(e)[:120]})",
            source=path.name,
            location=f"sheet 1, after row {n}",
            fix="Open and save it again in Excel, or export it as CSV.",
        ) from e
    finally:
        wb.close()
