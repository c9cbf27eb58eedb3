"""The per-record state of standardisation: where findings are collected with their severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from guestgraph import cleanse
from guestgraph.db.models import Severity
from guestgraph.ingest._findings import Finding
from guestgraph.ingest._rules import RuleSet


@dataclass(frozen=True)
class SourceSettings:
    """How to read one source's values: its code (for rule overrides), date order, defaults."""

    source: str
    rules: RuleSet
    today: date
    day_first: bool = False
    default_region: str = "CN"
    hotel_currency: dict[str, str] = field(default_factory=dict)  # hotel code -> ISO currency
    hotel_timezone: dict[str, str] = field(default_factory=dict)  # hotel code -> IANA zone
    default_hotel: str | None = None
    status_map: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()  # strptime formats tried first, e.g. OPERA's "%d-%b-%y"
    trust_rank: int = 50  # the source's rank for survivorship (lower is more trusted)
    channel_source: bool = False  # an OTA: its external ids are the channel's booking ids
    # Standardised persons of this import by their fields as sent (repeat guests are parsed once).
    person_cache: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass
class RecordContext:
    settings: SourceSettings
    findings: list[Finding] = field(default_factory=list)

    @property
    def day_first(self) -> bool:
        return self.settings.day_first

    @property
    def today(self) -> date:
        return self.settings.today

    @property
    def default_region(self) -> str:
        return self.settings.default_region

    def parse_date(self, raw: str) -> date:
        """The source's own date formats first, then every form hotels write (cleanse.parse_date)."""
        for fmt in self.settings.date_formats:
            try:
                return datetime.strptime(raw.strip(), fmt).date()
            except ValueError:
                continue
        return cleanse.parse_date(raw, day_first=self.settings.day_first)

    def add(
        self,
        rule: str,
        field_name: str | None,
        person: int | None,
        raw: str | None = None,
        fixed: str | None = None,
        *,
        detail: str | None = None,
    ) -> Severity:
        severity = self.settings.rules.severity(rule, self.settings.source)
        self.findings.append(
            Finding(rule, severity, field_name, person, _cut(raw), _cut(fixed), _cut(detail))
        )
        return severity

    # Readable aliases: the rules file decides the real severity, these only say what we expect.
    fix = add
    warn = add
    reject = add


def _cut(value: str | None) -> str | None:
    return value if value is None or len(value) <= 500 else value[:497] + "..."
