"""Test data builders: real rows in the real database, with sensible defaults to override."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    guest = Guest(**values)
    session.add(guest)
    session.flush()
    return guest


def hotel(session: Session, code: str) -> Hotel:
    found = session.scalar(select(Hotel).where(Hotel.code == code))
    assert found is not None, f"hotel {code} is not loaded"
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
    record = SourceRecord(
        source_system_id=system.id,
        record_type=RecordType.RESERVATION,
        external_id=f"M{next(_seq)}",
        version_key="h",
        content_hash="h",
        raw_format="csv",
        raw_payload="{}",
        status=RecordStatus.ACCEPTED,
        guest_id=guest.id,
    )
    session.add(record)
    session.flush()
    session.add(
        GuestMention(
            source_record_id=record.id,
            person_index=0,
            role="primary",
            source_system_id=system.id,
            guest_id=guest.id,
            **values,
        )
    )
    session.flush()
