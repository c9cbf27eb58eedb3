"""Finding the stay a desk operation acts on: in the reader's scope at a hotel the desk operates, its
primary guest (or why it has none and what brings one back), its other guests and its record's newest
version."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import identity, pii
from guestgraph.access import DataScope, stay_visible
from guestgraph.db.models import (
    Guest,
    GuestMention,
    GuestRole,
    GuestStatus,
    RecordStatus,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import Conflict, NotFound
from guestgraph.frontdesk._hotels import operable_hotel
from guestgraph.frontdesk._stay_records import SOURCE, stay_external_id


class StayNotFound(NotFound):
    code = "stay_not_found"


class StayWithoutPrimaryGuest(Conflict):
    """The stay names no primary guest the desk could act for (not resolved yet, or erased); the
    answer names the stay, so a page or client can offer `name_primary_guest` for it."""

    code = "stay_without_primary_guest"

    def __init__(self, message: str, *, hint: str, hotel_code: str, confirmation_number: str) -> None:
        super().__init__(message, hint=hint)
        self.hotel_code, self.confirmation_number = hotel_code, confirmation_number

    def to_dict(self) -> dict[str, object]:
        return super().to_dict() | {
            "hotel_code": self.hotel_code,
            "confirmation_number": self.confirmation_number,
        }


class StayHasPrimaryGuest(Conflict):
    code = "stay_has_primary_guest"


def stay_and_guest(
    session: Session, scope: DataScope, hotel_code: str, confirmation_number: str
) -> tuple[Stay, Guest, int]:
    """The stay in scope, its primary guest, and the latest front-desk version of its record."""
    stay = stay_in_scope(session, scope, hotel_code, confirmation_number)
    guest = primary_guest_of(session, stay.id)
    if guest is None:
        raise _no_primary_guest(session, stay, hotel_code)
    version = latest_version(session, hotel_code, confirmation_number)
    session.expunge(stay)
    session.expunge(guest)
    return stay, guest, version


def stay_in_scope(session: Session, scope: DataScope, hotel_code: str, confirmation_number: str) -> Stay:
    """The stay at a hotel the desk operates, in the reader's scope, or `StayNotFound` (404)."""
    hotel = operable_hotel(session, scope, hotel_code)
    stay = session.scalar(
        select(Stay).where(
            Stay.hotel_id == hotel.id, Stay.confirmation_number == confirmation_number, stay_visible(scope)
        )
    )
    if stay is None:
        raise StayNotFound(
            f"No stay {confirmation_number!r} at {hotel_code}.", hint="Check the confirmation number."
        )
    return stay


def primary_guest_of(session: Session, stay_id: int) -> Guest | None:
    return session.scalar(
        select(Guest)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .where(StayGuest.stay_id == stay_id, StayGuest.role == GuestRole.PRIMARY)
    )


def latest_version(session: Session, hotel_code: str, confirmation_number: str) -> int:
    """The newest front-desk version of the stay's record, erased ones (under their tombstone) too."""
    external_id = stay_external_id(hotel_code, confirmation_number)
    stored_as = [external_id, pii.tombstone(pii.vault_of(session), external_id)]
    version = session.scalar(
        select(func.max(SourceRecord.source_version))
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(SourceSystem.code == SOURCE, SourceRecord.external_id.in_(stored_as))
    )
    return version or 0


def primary_rule(session: Session, stay: Stay, guest_id: int) -> str:
    """How the stay's new version links its primary guest: as the version it follows does when a
    clerk named her (identity.NAMED, kept through a pass), else as the desk's choice."""
    named = session.scalar(
        select(func.count())
        .select_from(GuestMention)
        .where(
            GuestMention.source_record_id == stay.source_record_id,
            GuestMention.person_index == 0,
            GuestMention.guest_id == guest_id,
            GuestMention.link_rule == identity.NAMED,
        )
    )
    return identity.NAMED if named else "front_desk"


def _no_primary_guest(session: Session, stay: Stay, hotel_code: str) -> StayWithoutPrimaryGuest:
    """Why the desk cannot act on a stay without a primary guest, and what brings one back. After an
    erasure a resolve pass does not: the stay's record was erased with the guest's data."""
    where = f"Stay {stay.confirmation_number} at {hotel_code}"
    left = session.scalar(select(func.count()).select_from(StayGuest).where(StayGuest.stay_id == stay.id))
    erased = stay.source_record_id is not None and (
        session.scalar(select(SourceRecord.status).where(SourceRecord.id == stay.source_record_id))
        is RecordStatus.ERASED
    )
    name_one = (
        "Name the stay's primary guest at the desk: the guest in the room, one of its companions or any "
        "guest you find, with a reason ('Name the primary guest' on this page, or POST "
        f"/api/v1/hotels/{hotel_code}/stays/{stay.confirmation_number}/primary-guest), then try again; "
        "or have the booking's source send it again naming them and run identity resolution."
    )
    stay_named = {"hotel_code": hotel_code, "confirmation_number": stay.confirmation_number}
    if erased:
        return StayWithoutPrimaryGuest(
            f"{where} has no primary guest: its record was erased with its primary guest's data (a "
            f"data-subject erasure or the retention schedule; {left} companion or booker link(s) left), "
            "and stay operations act for the primary guest.",
            hint=name_one,
            **stay_named,
        )
    if left:
        return StayWithoutPrimaryGuest(
            f"{where} names only a companion or booker ({left}), no primary guest.",
            hint=name_one,
            **stay_named,
        )
    return StayWithoutPrimaryGuest(
        f"{where} is not linked to a guest yet.",
        hint="Run identity resolution (guestgraph resolve --all), or " + name_one[0].lower() + name_one[1:],
        **stay_named,
    )


def other_guests(session: Session, stay_id: int) -> list[tuple[Guest, GuestRole]]:
    """The stay's links besides its primary guest's (companions, booker) as they stand, with their
    roles: the primary guest's own too when they booked the stay (its booker), so a new version keeps
    every link; active guests only (an erased guest is on no stay; a merged one is not linked yet)."""
    rows = session.execute(
        select(Guest, StayGuest.role)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .where(
            StayGuest.stay_id == stay_id,
            StayGuest.role != GuestRole.PRIMARY,
            Guest.status == GuestStatus.ACTIVE,
        )
        .order_by(StayGuest.role, Guest.id)
    ).all()
    for other, _role in rows:
        session.expunge(other)
    return [(other, role) for other, role in rows]


def folio_stay(
    factory: sessionmaker[Session],
    scope: DataScope,
    hotel_code: str,
    confirmation_number: str,
    allowed: frozenset[StayStatus],
    refusal: tuple[str, str],
) -> tuple[Stay, Guest]:
    """The stay in scope whose folio a line goes to, and its primary guest; a stay whose status takes no
    such line is a `Conflict` saying what it takes (`refusal`: which stays take it, and the hint)."""
    takes, hint = refusal
    with factory() as session:
        stay, guest, _version = stay_and_guest(session, scope, hotel_code, confirmation_number)
    if stay.status not in allowed:
        raise Conflict(f"Stay {confirmation_number} is {stay.status.value}; {takes}.", hint=hint)
    return stay, guest
