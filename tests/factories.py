"""Test data builders: real rows in the real database, with sensible defaults to override."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import Guest, GuestRole, Hotel, Stay, StayGuest, StayStatus

_seq = itertools.count(1)


def make_guest(session: Session, **overrides: object) -> Guest:
    n = next(_seq)
    values: dict[str, object] = {
        "full_name": "王小明",
        "family_name": "王",
        "given_name": "小明",
        "name_pinyin": "wang xiaoming",
        "gender": "M",
        "nationality": "CN",
        "phone": f"+86138{n:08d}",
        "email": f"guest{n}@example.com",
    }
    values.update(overrides)
    sensitive = _sensitive(values, number="id_document_number")
    guest = Guest(**values)
    session.add(guest)
    session.flush()
    vault = pii.vault_of(session)
    for column, value in pii.seal_person(
        vault, vault.new_guest_key(), "guest", guest.public_id, sensitive
    ).items():
        setattr(guest, column, value)
    session.flush()
    # the clear values stay on the returned object (not mapped, never stored) for the test's assertions
    guest.phone, guest.email = sensitive.phone, sensitive.email  # type: ignore[attr-defined]
    guest.id_document_number, guest.birth_date = sensitive.id_number, sensitive.birth_date  # type: ignore[attr-defined]
    return guest


def _sensitive(values: dict[str, object], *, number: str) -> pii.Sensitive:
    """Take the sensitive fields out of `values` (they are sealed, not stored as given)."""
    born = values.pop("birth_date", None)
    return pii.Sensitive(
        phone=values.pop("phone", None),  # type: ignore[arg-type]
        email=values.pop("email", None),  # type: ignore[arg-type]
        id_number=values.pop(number, None),  # type: ignore[arg-type]
        birth_date=born if isinstance(born, date) else None,
    )


def contact(session: Session, guest: Guest) -> pii.Sensitive:
    """A guest's sensitive fields, opened (as the app would for a full-value reveal)."""
    return pii.open_person(pii.vault_of(session), "guest", guest.public_id, guest)


def hotel(session: Session, code: str) -> Hotel:
    found = session.scalar(select(Hotel).where(Hotel.code == code))
    assert found is not None, f"hotel {code} is not loaded"
    return found


def without_pms_feed(session: Session, code: str) -> Hotel:
    """Mark a (demo) hotel as having no PMS feed, so its front desk operates stays; flushed."""
    found = hotel(session, code)
    found.pms_feed = False
    session.flush()
    return found


def make_stay(session: Session, hotel_code: str, *guests: Guest, **overrides: object) -> Stay:
    arrival = overrides.pop("arrival", date(2026, 10, 1))
    assert isinstance(arrival, date)
    values: dict[str, object] = {
        "hotel_id": hotel(session, hotel_code).id,
        "confirmation_number": f"C{next(_seq):07d}",
        "arrival": arrival,
        "departure": arrival + timedelta(days=2),
        "status": StayStatus.CHECKED_OUT,
        "amount": Decimal("1280.00"),
        "currency": "CNY",
    }
    values.update(overrides)
    stay = Stay(**values)
    for i, g in enumerate(guests):
        stay.guests.append(
            StayGuest(guest_id=g.id, role=GuestRole.PRIMARY if i == 0 else GuestRole.ADDITIONAL)
        )
    session.add(stay)
    session.flush()
    return stay


def make_mention(session: Session, guest: Guest, source: str = "pms", **values: object) -> None:
    """A guest mention (and the source record it comes from) pointing at `guest`."""
    from guestgraph.db.models import GuestMention, RecordStatus, RecordType, SourceRecord, SourceSystem

    system = session.scalars(select(SourceSystem).where(SourceSystem.code == source)).one()
    vault = pii.vault_of(session)
    key_ref, external_id = vault.new_guest_key(), f"M{next(_seq)}"
    record = SourceRecord(
        source_system_id=system.id,
        record_type=RecordType.RESERVATION,
        external_id=external_id,
        version_key="h",
        content_hash="h",
        raw_format="csv",
        key_ref=key_ref,
        **pii.seal_record(vault, key_ref, pii.record_row(system.id, external_id, "h"), "{}", {}),
        status=RecordStatus.ACCEPTED,
        guest_id=guest.id,
    )
    session.add(record)
    session.flush()
    sensitive = _sensitive(values, number="id_number")
    sealed = pii.seal_person(vault, key_ref, "guest_mention", pii.mention_row(record.id, 0), sensitive)
    session.add(
        GuestMention(
            source_record_id=record.id,
            person_index=0,
            role="primary",
            source_system_id=system.id,
            guest_id=guest.id,
            **values,
            **sealed,
        )
    )
    session.flush()


def opened_record(session: Session, record: object) -> pii.OpenRecord:
    """A source record's payload and standardised form, opened."""
    return pii.open_record(pii.vault_of(session), record)


def make_preference(
    session: Session, guest: Guest, category: str, value: str, *, source_record_id: int | None = None
) -> None:
    """A preference of `guest`, its value sealed as the product writes it."""
    from datetime import UTC, datetime

    from guestgraph.profiles import store_preference

    store_preference(
        session,
        guest,
        category=category,
        value=value,
        now=datetime.now(UTC),
        source_record_id=source_record_id,
    )


def make_interaction(
    session: Session,
    guest: Guest,
    text: str,
    *,
    kind: str = "note",
    hotel_id: int | None = None,
    channel: str = "front_desk",
    direction: str = "inbound",
    occurred_at: datetime | None = None,
) -> int:
    """An entry on `guest`'s timeline, its text sealed as the product writes it; returns its id."""
    from guestgraph.profiles import NewInteraction, store_interactions

    at = occurred_at or datetime.now(UTC)
    entry = NewInteraction(guest.id, hotel_id, channel, direction, kind, text, at)
    return store_interactions(session, [entry])[0]


def timeline_texts(session: Session, guest: Guest) -> list[str]:
    """The texts on `guest`'s timeline, oldest first, opened by the product's reader."""
    from guestgraph.db.models import Interaction
    from guestgraph.profiles import interaction_texts

    query = select(Interaction).where(Interaction.guest_id == guest.id)
    rows = session.scalars(query.order_by(Interaction.occurred_at, Interaction.id)).all()
    return interaction_texts(session, rows)
