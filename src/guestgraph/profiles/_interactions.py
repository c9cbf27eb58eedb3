"""Interactions and notes: calls, e-mails, chats, complaints, compliments and staff notes, with author
and time. Each belongs to a hotel (or to the group when none); a hotel's staff see their hotels' only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_id_visible, hotel_visible
from guestgraph.db.models import Hotel, Interaction, ScopeLevel, StaffUser
from guestgraph.errors import HotelNotFound, InvalidInput
from guestgraph.profiles._guests import visible_guest

INTERACTION_KINDS = ("call", "email", "chat", "complaint", "compliment", "note")
CHANNEL_OF = {"call": "phone", "email": "email", "chat": "chat"}  # others happen at the hotel
MAX_TEXT = 4000


@dataclass(frozen=True)
class InteractionLine:
    id: int
    kind: str
    channel: str
    direction: str
    text: str
    hotel: str | None
    author: str | None
    occurred_at: datetime


def list_interactions(
    session: Session, *, scope: DataScope, guest_id: int, limit: int = 200
) -> list[InteractionLine]:
    """The guest's interactions at hotels in scope (and group-level ones), newest first."""
    rows = session.execute(
        select(Interaction, Hotel.code, StaffUser.display_name)
        .join(Hotel, Hotel.id == Interaction.hotel_id, isouter=True)
        .join(StaffUser, StaffUser.id == Interaction.staff_user_id, isouter=True)
        .where(Interaction.guest_id == guest_id, hotel_id_visible(Interaction.hotel_id, scope))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return [
        InteractionLine(i.id, i.kind, i.channel, i.direction, i.text, hotel, author, i.occurred_at)
        for i, hotel, author in rows
    ]


def _hotel_id(session: Session, scope: DataScope, hotel_code: str | None) -> int | None:
    """The hotel the interaction belongs to: the one named (in scope), else a hotel user's own hotel;
    group staff may leave it empty (a group-level note, e.g. from the service centre)."""
    if hotel_code:
        found = session.scalar(select(Hotel.id).where(Hotel.code == hotel_code, hotel_visible(scope)))
        if found is None:
            raise HotelNotFound(
                f"No hotel with code {hotel_code!r} in your data scope.",
                hint="See the hotel list for valid codes.",
            )
        return found
    if scope.level is ScopeLevel.HOTEL and scope.hotel_ids:
        return min(scope.hotel_ids)
    if scope.is_group:
        return None
    raise InvalidInput("Say which hotel the interaction belongs to.", hint="Pass the hotel code.")


def add_interaction(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    kind: str,
    text: str,
    staff_user_id: int | None,
    hotel_code: str | None = None,
    direction: str | None = None,
) -> InteractionLine:
    """Record a contact with a guest in scope, by the member of staff `staff_user_id`."""
    if kind not in INTERACTION_KINDS:
        raise InvalidInput(
            f"Unknown interaction kind {kind!r}.", hint=f"Use one of: {', '.join(INTERACTION_KINDS)}."
        )
    body = text.strip()
    if not body or len(body) > MAX_TEXT:
        raise InvalidInput(
            f"An interaction needs a text of 1 to {MAX_TEXT} characters.", hint="Write what happened."
        )
    if direction not in (None, "inbound", "outbound", "internal"):
        raise InvalidInput(f"Unknown direction {direction!r}.", hint="Use inbound, outbound or internal.")
    guest = visible_guest(session, scope, public_id)
    row = Interaction(
        guest_id=guest.id,
        hotel_id=_hotel_id(session, scope, hotel_code),
        channel=CHANNEL_OF.get(kind, "in_person"),
        direction=direction or ("internal" if kind == "note" else "inbound"),
        kind=kind,
        text=body,
        occurred_at=datetime.now(UTC),
        staff_user_id=staff_user_id,
    )
    session.add(row)
    session.flush()
    return next(i for i in list_interactions(session, scope=scope, guest_id=guest.id) if i.id == row.id)
