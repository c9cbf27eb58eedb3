"""Importing files and folders: pick the reader for each file and run it through the engine."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.ingest._collect import fewer_collections
from guestgraph.ingest._engine import BatchSummary, ImportRequest, run_import
from guestgraph.ingest._inbound import InboundRecord
from guestgraph.ingest._open import file_format, jsonl_lines, open_table, read_jsonl
from guestgraph.ingest._profiles import MappingProfile, load_profile_file, shipped_profiles
from guestgraph.ingest._rules import RuleSet
from guestgraph.ingest._tabular import file_sha256
from guestgraph.ingest.readers._errors import ReaderError

MAX_MESSAGE = 50 * 1024 * 1024


@dataclass
class FileImport:
    path: Path
    summary: BatchSummary
    profile: str | None
    blank_rows: int = 0


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders as their importable files (sorted, recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            out.append(path)
        else:
            raise ReaderError("no such file or folder", source=str(path), fix="Check the path.")
    return out


def _profiles_for(source: str, profile: str | Path | None) -> list[MappingProfile]:
    if profile is not None:
        path = Path(profile)
        if path.suffix in (".yaml", ".yml") and path.exists():
            return [load_profile_file(path)]
        found = shipped_profiles().get(str(profile))
        if found is None:
            raise ReaderError(
                f"no mapping profile called {profile!r}",
                source=str(profile),
                fix=f"Use one of: {', '.join(sorted(shipped_profiles()))}, or a .yaml file.",
            )
        return [found]
    candidates = [p for p in shipped_profiles().values() if p.source == source]
    return candidates or list(shipped_profiles().values())


def import_file(
    factory: sessionmaker[Session],
    path: Path,
    *,
    source: str,
    profile: str | Path | None = None,
    hotel_code: str | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    rules: RuleSet | None = None,
) -> FileImport:
    """Import one file as one batch; `rules` the deployment's (`load_rules`), else the shipped ones."""
    with fewer_collections():  # a bulk import makes few cycles: collect them less often
        return _import_file(factory, path, source, profile, hotel_code, today, progress, rules)


def _import_file(
    factory: sessionmaker[Session],
    path: Path,
    source: str,
    profile: str | Path | None,
    hotel_code: str | None,
    today: date | None,
    progress: Callable[[int], None] | None,
    rules: RuleSet | None,
) -> FileImport:
    fmt = file_format(path)
    request = ImportRequest(
        source=source,
        channel="file",
        format=fmt,
        filename=path.name,
        file_sha256=file_sha256(path),
        file_size=path.stat().st_size,
        hotel_code=hotel_code,
    )
    if fmt in ("csv", "xlsx"):
        reading = open_table(path, profiles=_profiles_for(source, profile), hotel_code=hotel_code)
        p, variant = reading.profile, reading.profile.variant(reading.hotel_code)
        request = _with_profile(request, p, reading.hotel_code, variant.day_first, variant.date_formats)
        summary = run_import(factory, reading.records(), request, rules=rules, today=today, progress=progress)
        return FileImport(path, summary, p.name, reading.blank_rows)
    if fmt == "jsonl":
        p = _jsonl_profile(path, _profiles_for(source, profile))
        request = _with_profile(request, p, hotel_code, None, ())
        summary = run_import(
            factory, read_jsonl(path, p, hotel_code), request, rules=rules, today=today, progress=progress
        )
        return FileImport(path, summary, p.name)
    records = _message_records(path, fmt)
    summary = run_import(factory, records, request, rules=rules, today=today, progress=progress)
    return FileImport(path, summary, None)


def _with_profile(
    request: ImportRequest,
    p: MappingProfile,
    hotel: str | None,
    day_first: bool | None,
    date_formats: tuple[str, ...],
) -> ImportRequest:
    return replace(
        request,
        profile=p.name,
        hotel_code=hotel,
        day_first=p.day_first if day_first is None else day_first,
        date_formats=date_formats or p.date_formats,
        status_map=p.status_map,
    )


def _jsonl_profile(path: Path, profiles: list[MappingProfile]) -> MappingProfile:
    n, first = next(((n, line) for n, line in jsonl_lines(path) if line.strip()), (1, ""))
    try:
        item: object = json.loads(first) if first else {}
    except (ValueError, RecursionError) as e:  # JSONDecodeError, or a number of over 4,300 digits
        raise ReaderError(
            f"the first line is not JSON ({str(e)[:120]})",
            source=path.name,
            location=f"line {n}",
            fix="Each line must be one JSON object.",
        ) from e
    if not isinstance(item, dict):
        raise ReaderError(
            "the first line is not a JSON object",
            source=path.name,
            location=f"line {n}",
            fix="Each line must be one {...} object, its keys the columns of the export.",
        )
    keys = list(item)
    ranked = sorted(
        ((p.header_score(keys), p.name, p) for p in profiles if "jsonl" in p.formats), reverse=True
    )
    if not ranked or ranked[0][0] < 0.5:
        raise ReaderError(
            "no mapping profile matches the keys of the first line",
            source=path.name,
            location=f"line {n}",
            fix="Pass --profile with a profile for this file.",
        )
    return ranked[0][2]


def _message_records(path: Path, fmt: str) -> list[InboundRecord]:
    if path.stat().st_size > MAX_MESSAGE:
        raise ReaderError(
            f"the message is larger than {MAX_MESSAGE // (1024 * 1024)} MB",
            source=path.name,
            fix="Split it into smaller messages.",
        )
    data = path.read_bytes()
    if fmt == "ota_xml":
        from guestgraph.ingest.readers.ota_xml import read_ota_xml

        return read_ota_xml(data, source=path.name).records
    from guestgraph.ingest.readers.vendor_json import read_vendor_json

    return read_vendor_json(data, source=path.name)
