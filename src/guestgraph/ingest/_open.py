"""Opening a file: which format, encoding, delimiter, mapping profile and header row it has."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from guestgraph.ingest._inbound import PERSON_FIELDS, InboundRecord
from guestgraph.ingest._profiles import MappingProfile
from guestgraph.ingest._tabular import SAMPLE, TableReading, _csv_rows, _excel_rows, detect_encoding
from guestgraph.ingest.readers._errors import ReaderError

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "ota_xml",
    ".json": "vendor_json",
}
MIN_HEADER_SCORE = 0.5


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReaderError(
            f"files ending in {path.suffix or '(nothing)'} are not a format we read",
            source=path.name,
            fix=f"Use one of: {', '.join(sorted(FORMATS))}.",
        )
    return fmt


def _sample_rows(path: Path, fmt: str, limit: int) -> tuple[list[list[str]], str | None, str | None]:
    if fmt == "xlsx":
        return (
            [[c or "" for c in cells] for _n, cells in islice(_excel_rows(path, skip=0), limit)],
            None,
            None,
        )
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
    if not sample.strip():
        raise ReaderError("the file is empty", source=path.name, fix="Export it again; it has no rows.")
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(text[:20000], delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), limit))
    except csv.Error as e:
        raise ReaderError(
            f"malformed CSV near the top ({e})",
            source=path.name,
            location="header",
            fix="Check quoting and line endings, or export the file again.",
        ) from e
    return rows, encoding, delimiter


def table_rows(path: Path) -> Iterator[tuple[int, list[str | None]]]:
    """Every row of a CSV or Excel file with its line number, read as imports read them (encoding
    UTF-8, UTF-8 with BOM or GB18030, and the delimiter, detected): for importers that find their own
    header row, such as OTA review exports. Raises ReaderError for a file that cannot be read."""
    fmt = file_format(path)
    if fmt == "xlsx":
        yield from _excel_rows(path, skip=0)
        return
    if fmt != "csv":
        raise ReaderError(
            f"a {fmt} file is not a table", source=path.name, fix="Export it as CSV or Excel (.xlsx)."
        )
    _rows, encoding, delimiter = _sample_rows(path, fmt, 1)
    yield from _csv_rows(path, encoding or "utf-8", delimiter or ",", skip=0)


def open_table(path: Path, *, profiles: list[MappingProfile], hotel_code: str | None = None) -> TableReading:
    """Pick the profile whose columns best match a row near the top; that row is the header."""
    fmt = file_format(path)
    limit = max(p.header_search_rows for p in profiles)
    rows, encoding, delimiter = _sample_rows(path, fmt, limit)
    best: tuple[float, int, MappingProfile] | None = None
    for profile in profiles:
        if fmt not in profile.formats:
            continue
        for index, cells in enumerate(rows[: profile.header_search_rows]):
            score = profile.header_score(cells)
            if score >= MIN_HEADER_SCORE and (best is None or score > best[0]):
                best = (score, index, profile)
    if best is None:
        expected = ", ".join(list(profiles[0].columns)[:6]) if profiles else "?"
        raise ReaderError(
            f"no header row matching a mapping profile in the first {limit} rows "
            f"(format {fmt}, delimiter {delimiter!r}, encoding {encoding})",
            source=path.name,
            location="header",
            fix=f"Check the delimiter and that the header has columns such as {expected}, or pass --profile.",
        )
    _score, index, profile = best
    header = [c.strip() for c in rows[index]]
    hotel = hotel_code or profile.hotel_in_filename(path.name)
    return TableReading(path, profile, fmt, encoding, delimiter, index + 1, header, hotel)


def read_jsonl(path: Path, profile: MappingProfile, hotel_code: str | None = None) -> Iterator[InboundRecord]:
    """One JSON object per line, mapped by key like a CSV column."""
    for n, line in jsonl_lines(path):
        if line.strip():
            item = _json_line(line, path, n)
            if not isinstance(item, dict):
                raise ReaderError(
                    "a line is not a JSON object",
                    source=path.name,
                    location=f"line {n}",
                    fix="Each line must be one {...} object.",
                )
            yield _jsonl_record(path, profile, n, item, hotel_code)


def jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of a JSON-lines file (UTF-8, with or without BOM) with their numbers; decoded line by
    line, so that bytes that are not UTF-8 are refused naming their line."""
    with path.open("rb") as fh:
        for n, data in enumerate(fh, start=1):
            try:
                yield n, data.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise ReaderError(
                    f"bytes that are not valid UTF-8 at byte {e.start + 1} of the line",
                    source=path.name,
                    location=f"line {n}",
                    fix="Export the file again as UTF-8 (JSON text is UTF-8).",
                ) from e


def _json_line(line: str, path: Path, n: int) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise ReaderError(
            f"not valid JSON ({e.msg} at column {e.colno})",
            source=path.name,
            location=f"line {n}",
            fix="Fix or remove that line and import again.",
        ) from e
    except (ValueError, RecursionError) as e:  # a number of over 4,300 digits, absurd nesting
        raise ReaderError(
            f"JSON that cannot be read ({type(e).__name__}: {str(e)[:120]})",
            source=path.name,
            location=f"line {n}",
            fix="Send numbers of that size as strings, nest less deeply, or remove that line.",
        ) from e


def _jsonl_record(
    path: Path, profile: MappingProfile, n: int, item: dict[str, object], hotel_code: str | None
) -> InboundRecord:
    flat = {k: (None if v is None else str(v)) for k, v in item.items() if not isinstance(v, dict | list)}
    fields: dict[str, str | None] = {}
    person: dict[str, str | None] = {"role": "primary"}
    for key, target in profile.columns.items():
        (person if target in PERSON_FIELDS else fields)[target] = flat.get(key)
    ext = "/".join(v for c in profile.external_id if (v := (flat.get(c) or "").strip()))
    return InboundRecord(
        record_type=profile.record_type,
        external_id=ext or None,
        location=f"line {n}",
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        raw_format="jsonl",
        fields=fields,
        persons=[person],
        source_updated_at=flat.get(profile.updated_at_column) if profile.updated_at_column else None,
        hotel_code=hotel_code or flat.get(profile.hotel_column or "") or None,
    )
