"""The per-record state of standardisation: where findings are collected with their severity."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from guestgraph import cleanse
from guestgraph.cleanse import CleanseError
from guestgraph.db.models import Severity
from guestgraph.ingest._findings import Finding
from guestgraph.ingest._rules import RuleSet

T = TypeVar("T")
MEMO_LIMIT = 20_000  # entries per standardiser; a full cache starts again, so memory stays flat
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Failed:
    """Why a value could not be standardised, kept without the exception: a cached exception would
    hold its traceback, and through it the frames (and the whole chunk) it was raised in."""

    message: str
    hint: str
    what: str

    def error(self) -> CleanseError:
        return CleanseError(self.message, hint=self.hint, what=self.what)


class Memo:
    """The results of the pure standardisers (dates, names, phones, e-mails, documents…) of one
    import, by the value as sent: hotel files repeat names, dates and codes on many rows, and each
    distinct value is parsed once. The results are immutable, and a value that could not be parsed
    raises the same CleanseError on every row."""

    __slots__ = ("_caches",)

    def __init__(self) -> None:
        self._caches: dict[str, dict[Hashable, Any]] = {}

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        cache = self._caches.get(kind)
        if cache is None:
            cache = self._caches[kind] = {}
        hit = cache.get(key, _MISSING)
        if hit is _MISSING:
            try:
                hit = compute()
            except CleanseError as e:
                hit = _Failed(e.message, e.hint or "", e.what)
            if len(cache) >= MEMO_LIMIT:
                cache.clear()
            cache[key] = hit
        if type(hit) is _Failed:
            raise hit.error()
        return hit  # type: ignore[no-any-return]


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
    # Each distinct value of this import is standardised once (see Memo).
    memo: Memo = field(default_factory=Memo, compare=False, hash=False, repr=False)


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
        return self.settings.memo.get("date", raw, lambda: self._parse_date(raw))

    def cached(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per distinct `key` of this import (a pure standardiser's result)."""
        return self.settings.memo.get(kind, key, compute)

    def _parse_date(self, raw: str) -> date:
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
