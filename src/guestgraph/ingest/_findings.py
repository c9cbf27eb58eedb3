"""A rule's finding on one record, and the outcome of standardising a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guestgraph.db.models import RecordStatus, Severity


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    field: str | None = None
    person: int | None = None
    raw_value: str | None = None
    fixed_value: str | None = None
    detail: str | None = None


@dataclass
class Outcome:
    """The standardised record (JSON-ready) and what the rules found on the way."""

    standardised: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> RecordStatus:
        severities = {f.severity for f in self.findings}
        if Severity.REJECT in severities:
            return RecordStatus.QUARANTINED
        if Severity.WARN in severities:
            return RecordStatus.ACCEPTED_WITH_WARNINGS
        return RecordStatus.ACCEPTED
