"""Finding the guest a privacy action is about: in the staff member's scope, a merged ID leading to
its survivor, an erased guest gone like one that never existed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, Forbidden, guest_visible
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.errors import GuestNotFound


def find_guest(session: Session, *, scope: DataScope, public_id: str) -> Guest:
    """The active guest `public_id` names (the survivor for a merged ID), or GuestNotFound."""
    found = session.scalar(select(Guest.id).where(Guest.public_id == public_id))
    guest = session.get(Guest, survivor(session, found)) if found is not None else None
    if guest is None or guest.status is not GuestStatus.ACTIVE:
        raise _not_found(public_id)
    if (
        not scope.is_group
        and session.scalar(select(Guest.id).where(Guest.id == guest.id, guest_visible(scope))) is None
    ):
        raise _not_found(public_id)
    return guest


def survivor(session: Session, guest_id: int) -> int:
    """The guest a merged guest lives on as (itself if not merged): an old ID names the same person."""
    guest = session.get(Guest, guest_id)
    seen = 0
    while guest is not None and guest.status is GuestStatus.MERGED and guest.merged_into_id and seen < 10:
        guest, seen = session.get(Guest, guest.merged_into_id), seen + 1
    return guest.id if guest is not None else guest_id


def _not_found(public_id: str) -> GuestNotFound:
    return GuestNotFound(
        f"No guest {public_id} in your data scope.", hint="Check the guest ID (G followed by 12 characters)."
    )


def require_group_scope(scope: DataScope) -> None:
    """Data-subject rights cover a guest at every hotel, so only group-wide staff may exercise them."""
    if not scope.is_group:
        raise Forbidden(
            "Data-subject requests cover a guest's data at every hotel; your data scope is narrower.",
            hint="Ask a group-wide compliance officer.",
        )


def family(session: Session, guest_id: int) -> list[int]:
    """The guest and every guest merged into it (at any depth): one person, several old IDs."""
    return family_of(session, [guest_id])


def family_of(session: Session, guest_ids: list[int]) -> list[int]:
    """`family` for many guests at once: one query per level of merging, not per guest."""
    ids, frontier = set(guest_ids), set(guest_ids)
    while frontier:
        frontier = set(session.scalars(select(Guest.id).where(Guest.merged_into_id.in_(frontier)))) - ids
        ids |= frontier
    return sorted(ids)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); make them comparable with aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
