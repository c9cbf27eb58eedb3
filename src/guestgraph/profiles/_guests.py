"""Finding a guest through the caller's data scope (shared by the profile, preferences and notes)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, guest_visible
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.errors import GuestNotFound


def visible_guest(session: Session, scope: DataScope, public_id: str) -> Guest:
    """The guest in scope (a merged guest's old ID gives its survivor), or `GuestNotFound` exactly as
    for an unknown ID, so a guest outside the scope cannot be told from none."""
    guest = session.scalar(select(Guest).where(Guest.public_id == public_id))
    if guest is not None and guest.status is GuestStatus.MERGED and guest.merged_into_id is not None:
        guest = session.get(Guest, guest.merged_into_id)
    if (
        guest is None
        or guest.status is GuestStatus.ERASED
        or not session.scalar(
            select(func.count()).select_from(Guest).where(Guest.id == guest.id, guest_visible(scope))
        )
    ):
        raise GuestNotFound(
            f"No guest {public_id!r} in your data scope.", hint="Search for the guest instead."
        )
    return guest


def guest_key_refs(session: Session, guest_ids: Iterable[int]) -> dict[int, str]:
    """The data key ref of each guest, what their notes are sealed under; a guest without a key (one
    made before keys existed) gets one now."""
    return pii.key_refs_of(session, Guest, guest_ids)
