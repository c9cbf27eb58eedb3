"""Consent flags that source systems send (PMS opt-ins, OPERA privacy options, OTA newsletter
remarks) become ledger entries once their record has resolved to a guest.

The importer standardises each flag to `granted` or `withdrawn` on the person
(`consent_email_marketing`, `consent_sms_marketing`, `consent_post_marketing`); an absent flag
records nothing, so it stays "unknown". Each entry keeps its record as evidence and the source's
own time, so a newer decision made anywhere else still wins. Idempotent: a record is mapped once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import (
    Consent,
    ConsentDecision,
    GuestMention,
    RecordStatus,
    SourceRecord,
    SourceSystem,
)
from guestgraph.privacy._guests import aware
from guestgraph.privacy._vocabulary import Channel, LawfulBasis, Purpose

FLAGS: dict[str, tuple[Purpose, Channel]] = {
    "consent_email_marketing": (Purpose.MARKETING, Channel.EMAIL),
    "consent_sms_marketing": (Purpose.MARKETING, Channel.SMS),
    "consent_post_marketing": (Purpose.MARKETING, Channel.POST),
}
APPLIED = (RecordStatus.ACCEPTED, RecordStatus.ACCEPTED_WITH_WARNINGS, RecordStatus.SUPERSEDED)


def import_consents(session: Session, *, now: datetime) -> int:
    """Map the consent flags of resolved source records into the ledger; returns entries added."""
    query = (
        select(
            GuestMention.guest_id,
            GuestMention.person_index,
            SourceRecord.id,
            SourceRecord.external_id,
            SourceRecord.source_system_id,
            SourceRecord.version_key,
            SourceRecord.key_ref,
            SourceRecord.raw_sealed,
            SourceRecord.standardised_sealed,
            SourceRecord.source_updated_at,
            SourceRecord.received_at,
            SourceSystem.code,
        )
        .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(
            GuestMention.guest_id.is_not(None),
            SourceRecord.status.in_(APPLIED),
            SourceRecord.has_consent_flags,
            ~exists().where(Consent.source_record_id == SourceRecord.id),
        )
        .order_by(SourceRecord.id, GuestMention.person_index)
    )
    rows = session.execute(query).all()
    vault = pii.vault_of(session)
    pii.preload(vault, (r.key_ref for r in rows))
    added = [
        entry
        for r in rows
        for entry in _entries(
            r.guest_id,
            r.person_index,
            r.id,
            r.external_id,
            pii.open_record(vault, r).standardised,
            r.source_updated_at or r.received_at,
            r.code,
            now,
        )
    ]
    session.add_all(added)
    session.flush()
    return len(added)


def _entries(
    guest_id: int,
    index: int,
    record_id: int,
    external_id: str,
    standardised: dict[str, Any],
    at: datetime,
    system: str,
    now: datetime,
) -> list[Consent]:
    persons = standardised.get("persons") or []
    person = persons[index] if index < len(persons) else {}
    out = []
    for key, (purpose, channel) in FLAGS.items():
        value = person.get(key)
        if value not in ("granted", "withdrawn"):
            continue
        out.append(
            Consent(
                guest_id=guest_id,
                purpose=purpose.value,
                channel=channel.value,
                decision=ConsentDecision(value),
                lawful_basis=LawfulBasis.CONSENT.value,
                source=f"import:{system}"[:60],
                evidence=f"{key}={value} in {system} record {external_id}",
                source_record_id=record_id,
                recorded_at=min(aware(at), now),
            )
        )
    return out
