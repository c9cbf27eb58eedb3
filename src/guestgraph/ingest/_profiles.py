"""Mapping profiles: how one source's files name their columns, as data (YAML) not code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from guestgraph.db.models import RecordType
from guestgraph.errors import ConfigurationError
from guestgraph.ingest._inbound import PERSON_FIELDS, RECORD_FIELDS

PROFILE_DIR = Path(__file__).parent / "profiles"


@dataclass(frozen=True)
class HotelVariant:
    day_first: bool | None = None
    date_formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class MappingProfile:
    """Source column -> canonical field, plus how to find the header, the ID, the version, the hotel."""

    name: str
    source: str
    formats: tuple[str, ...]
    record_type: RecordType
    columns: dict[str, str]
    description: str = ""
    external_id: tuple[str, ...] = ()
    id_prefix_hotel: bool = False
    id_row_number: bool = False  # no ID column: the row number in the file identifies the entry
    updated_at_column: str | None = None
    hotel_column: str | None = None
    hotel_from_filename: str | None = None
    header_search_rows: int = 15
    day_first: bool = False
    date_formats: tuple[str, ...] = ()
    status_map: dict[str, str] = field(default_factory=dict)
    hotels: dict[str, HotelVariant] = field(default_factory=dict)

    @cached_property
    def used_columns(self) -> frozenset[str]:
        """The columns this profile reads; any other column of the file serves no purpose."""
        extra = (self.hotel_column, self.updated_at_column, *self.external_id)
        return frozenset(self.columns) | {c for c in extra if c}

    def hotel_in_filename(self, filename: str) -> str | None:
        if not self.hotel_from_filename:
            return None
        m = re.search(self.hotel_from_filename, Path(filename).name)
        return m.group("hotel") if m else None

    def variant(self, hotel: str | None) -> HotelVariant:
        return self.hotels.get(hotel or "", HotelVariant())

    def header_score(self, cells: list[str]) -> float:
        wanted = set(self.columns)
        return len(wanted.intersection(c.strip() for c in cells)) / max(len(wanted), 1)


def parse_profile(doc: dict[str, Any], *, where: str) -> MappingProfile:
    try:
        columns = {str(k): str(v) for k, v in doc["columns"].items()}
        bad = [v for v in columns.values() if v not in PERSON_FIELDS | RECORD_FIELDS]
        if bad:
            raise ConfigurationError(
                f"{where}: unknown canonical field(s) {', '.join(bad)}.",
                hint="See PERSON_FIELDS and RECORD_FIELDS in guestgraph.ingest._inbound.",
            )
        hotels = {
            str(code): HotelVariant(v.get("day_first"), tuple(v.get("date_formats", ())))
            for code, v in (doc.get("hotels") or {}).items()
        }
        ext = doc.get("external_id") or {}
        return MappingProfile(
            name=str(doc["name"]),
            source=str(doc["source"]),
            formats=tuple(doc.get("formats", ("csv",))),
            record_type=RecordType(doc["record_type"]),
            columns=columns,
            description=str(doc.get("description", "")),
            external_id=tuple(ext.get("columns", ())),
            id_prefix_hotel=bool(ext.get("prefix_hotel", False)),
            id_row_number=bool(ext.get("row_number", False)),
            updated_at_column=doc.get("updated_at_column"),
            hotel_column=doc.get("hotel_column"),
            hotel_from_filename=doc.get("hotel_from_filename"),
            header_search_rows=int(doc.get("header_search_rows", 15)),
            day_first=bool(doc.get("day_first", False)),
            date_formats=tuple(doc.get("date_formats", ())),
            status_map={str(k): str(v) for k, v in (doc.get("status_map") or {}).items()},
            hotels=hotels,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigurationError(
            f"{where}: mapping profile is incomplete or malformed ({e!r}).",
            hint="A profile needs name, source, record_type and columns.",
        ) from e


def load_profile_file(path: Path) -> MappingProfile:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"Cannot read mapping profile {path}: {e}") from e
    return parse_profile(doc, where=str(path))


@cache
def shipped_profiles() -> dict[str, MappingProfile]:
    profiles = [load_profile_file(p) for p in sorted(PROFILE_DIR.glob("*.yaml"))]
    return {p.name: p for p in profiles}
