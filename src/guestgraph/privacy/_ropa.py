"""The record of processing activities (checklist DG-02, third bullet; GDPR 30, PIPL 55-56): generated
from what the system itself knows, so it cannot drift from it: the column inventory (purposes,
categories, sensitivity, encryption), the retention schedule in force, the configured recipients with
their transfer routes, and the protection measures of this installation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from guestgraph.config import Settings
from guestgraph.privacy._inventory import CLASSIFIED
from guestgraph.privacy._retention import ScheduleLine, retention_schedule
from guestgraph.privacy._transfer import RecipientRow, list_recipients

STAFF_CATEGORIES = frozenset({"staff account", "staff activity", "credential"})  # about staff, not guests


@dataclass(frozen=True)
class Activity:
    """One purpose of processing with the data it uses."""

    purpose: str
    subjects: str  # "guests" or "staff"
    categories: list[str]
    sensitive: bool  # holds sensitive personal information (PIPL 28): a PIPIA is required
    retention: list[str]
    protection: list[str]  # sealed, hashed, none
    columns: list[str]  # table.column, sorted


@dataclass(frozen=True)
class RopaReport:
    generated_at: datetime
    controller: str
    activities: list[Activity]
    retention: list[ScheduleLine]
    recipients: list[RecipientRow]
    measures: list[str]

    @property
    def cross_border(self) -> list[RecipientRow]:
        return [r for r in self.recipients if r.cross_border]


def processing_activities() -> list[Activity]:
    """One activity per purpose and kind of data subject, from the column inventory."""
    by_purpose: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for table, columns in CLASSIFIED.items():
        for column, c in columns.items():
            subjects = "staff" if c.category in STAFF_CATEGORIES else "guests"
            by_purpose.setdefault((c.purpose, subjects), []).append((table, column))
    activities = []
    for (purpose, subjects), cols in sorted(by_purpose.items()):
        found = [CLASSIFIED[t][c] for t, c in cols]
        activities.append(
            Activity(
                purpose=purpose,
                subjects=subjects,
                categories=sorted({c.category for c in found}),
                sensitive=any(c.sensitivity == "sensitive" for c in found),
                retention=sorted({c.retention for c in found}),
                protection=sorted({c.encryption for c in found}),
                columns=sorted(f"{t}.{c}" for t, c in cols),
            )
        )
    return activities


def ropa_report(session: Session, *, settings: Settings, controller: str, now: datetime) -> RopaReport:
    return RopaReport(
        generated_at=now,
        controller=controller,
        activities=processing_activities(),
        retention=retention_schedule(session),
        recipients=list_recipients(session),
        measures=_measures(settings),
    )


def _measures(settings: Settings) -> list[str]:
    cipher = "SM4-GCM" if settings.field_cipher == "sm4-gcm" else "AES-256-GCM"
    return [
        f"Field encryption: phones, e-mails, ID numbers, birth dates and source records sealed with {cipher} "
        "under a data key per guest and per record, keys wrapped by a master key outside the database; "
        "erasure destroys the keys (crypto-shredding), old backups included.",
        "Keyed HMAC blind indexes for exact search; no clear value in any index.",
        "Masking by role in the data layer; full values only with the reveal permission and a stated "
        "purpose, for 5 minutes, each reveal audited.",
        "Data scope per staff account (group, region, hotel) enforced in every query; role and scope "
        "changes need a second administrator.",
        "Staff sign-in with argon2id passwords, TOTP second factor, throttling, idle and absolute session "
        "timeouts.",
        "Tamper-evident audit log (hash chain with signed checkpoints kept outside the database).",
        "Minimisation at import: columns no purpose needs and payment card numbers are not stored.",
        "Retention schedule enforced by a job; encrypted, verified backups.",
    ]
