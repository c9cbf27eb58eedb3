"""Reading guests, always through the caller's data scope and with masking applied."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, null, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, guest_visible, mask_email, mask_name, mask_phone
from guestgraph.db.models import Guest, GuestStatus, Hotel, SourceRecord, Stay, StayGuest
from guestgraph.paging import Page, PageRequest
from guestgraph.profiles._schemas import GuestSummary

# What a guest summary shows, read as columns rather than whole `Guest` entities (lists and search
# results are read-only). It shows the phone and e-mail only: the other sealed columns are neither
# read nor decrypted (NULL stands in for them, so `pii.open_guests` skips them).
SUMMARY_COLUMNS = (
    Guest.id,
    Guest.public_id,
    Guest.full_name,
    Guest.name_pinyin,
    Guest.gender,
    Guest.nationality,
    Guest.loyalty_tier,
    Guest.status,
    Guest.updated_at,
    Guest.key_ref,
    Guest.phone_enc,
    Guest.email_enc,
    null().label("id_number_enc"),
    null().label("birth_date_enc"),
)


def list_guests(
    session: Session, *, scope: DataScope, paging: PageRequest, hotel_code: str | None = None
) -> Page[GuestSummary]:
    """Active guests in scope, most recently updated first; optionally only those seen at one hotel."""
    where = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    if hotel_code:
        where.append(_seen_at_hotel(hotel_code))
    total = session.scalar(select(func.count()).select_from(Guest).where(*where)) or 0
    guests = session.execute(
        select(*SUMMARY_COLUMNS)
        .where(*where)
        .order_by(Guest.updated_at.desc(), Guest.id.desc())
        .offset(paging.offset)
        .limit(paging.size)
    ).all()
    sealed = pii.open_guests(pii.vault_of(session), guests)
    items = [_summary(g, sealed[g.id]) for g in guests]
    return Page(items=items, total=total, page=paging.page, size=paging.size)


def _seen_at_hotel(hotel_code: str) -> ColumnElement[bool]:
    hotel_id = select(Hotel.id).where(Hotel.code == hotel_code).scalar_subquery()
    by_stay = (
        select(StayGuest.guest_id).join(Stay, Stay.id == StayGuest.stay_id).where(Stay.hotel_id == hotel_id)
    )
    by_record = select(SourceRecord.guest_id).where(SourceRecord.hotel_id == hotel_id)
    return Guest.id.in_(by_stay.union(by_record))


def _summary(guest: Any, sealed: pii.Sensitive) -> GuestSummary:
    """The summary of a row of SUMMARY_COLUMNS (or a `Guest`) with its opened sealed fields."""
    return GuestSummary(
        public_id=guest.public_id,
        name=mask_name(guest.full_name),
        name_pinyin=guest.name_pinyin,
        gender=guest.gender,
        nationality=guest.nationality,
        phone=mask_phone(sealed.phone),
        email=mask_email(sealed.email),
        loyalty_tier=guest.loyalty_tier,
        status=guest.status.value,
        updated_at=guest.updated_at,
    )
