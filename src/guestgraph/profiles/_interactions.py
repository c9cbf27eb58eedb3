"""Interactions and notes: calls, e-mails, chats, complaints, compliments and staff notes, with author
and time. Each belongs to a hotel (or to the group when none); a hotel's staff see their hotels' only.

The text is sealed under the guest's data key (it may hold a phone number or a health remark):
`store_interactions` is the one writer and `interaction_texts` the one reader of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import DataScope, hotel_id_visible, hotel_in_scope
from guestgraph.crypto import Vault
from guestgraph.db.models import Hotel, Interaction, ScopeLevel, StaffUser
from guestgraph.errors import InvalidInput
from guestgraph.profiles._guests import guest_key_refs, visible_guest

INTERACTION_KINDS = ("call", "email", "chat", "complaint", "compliment", "note")
CHANNEL_OF = {"call": "phone", "email": "email", "chat": "chat"}  # others happen at the hotel
MAX_TEXT = 4000
TABLE, COLUMN = "interaction", "text"  # the text's place in its AAD (stored in `text_enc`)


@dataclass(frozen=True)
class NewInteraction:
    """An entry for a guest's timeline, its text in the clear (only ever in memory)."""

    guest_id: int
    hotel_id: int | None
    channel: str
    direction: str
    kind: str
    text: str
    occurred_at: datetime
    staff_user_id: int | None = None


def store_interactions(session: Session, entries: Sequence[NewInteraction]) -> list[int]:
    """Write the entries with each text sealed under its guest's data key (a guest without one gets
    one), set-based: one insert and one update for the lot. Returns the new ids in order. The caller
    has checked the guests' scope and the texts."""
    if not entries:
        return []
    keys = guest_key_refs(session, (e.guest_id for e in entries))
    rows = [
        {
            "guest_id": e.guest_id, "hotel_id": e.hotel_id, "channel": e.channel, "direction": e.direction,
            "kind": e.kind, "key_ref": keys[e.guest_id], "occurred_at": e.occurred_at,
            "staff_user_id": e.staff_user_id,
        }
        for e in entries
    ]  # fmt: skip
    new = insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True)
    ids = list(session.scalars(new, rows))
    vault = pii.vault_of(session)
    pii.preload(vault, keys.values())
    sealed = [  # the row id names the text's place (its AAD), so the text is sealed once the row exists
        {"id": i, "text_enc": _seal(vault, keys[e.guest_id], i, e.text)}
        for i, e in zip(ids, entries, strict=True)
    ]
    session.execute(update(Interaction), sealed)
    return ids


def _seal(vault: Vault, key_ref: str, interaction_id: int, text: str) -> str | None:
    return pii.seal_value(vault, key_ref, TABLE, COLUMN, pii.interaction_row(interaction_id), text)


def interaction_texts(session: Session, rows: Sequence[Any]) -> list[str]:
    """The texts of interactions (ORM objects or rows with `id`, `key_ref` and `text_enc`), in order;
    empty for an erased guest's (its key was shredded)."""
    vault = pii.vault_of(session)
    pii.preload(vault, (r.key_ref for r in rows))
    return [
        pii.open_value(vault, r.key_ref, TABLE, COLUMN, pii.interaction_row(r.id), r.text_enc) or ""
        for r in rows
    ]


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
    ).all()
    texts = interaction_texts(session, [i for i, _hotel, _author in rows])
    return [
        InteractionLine(i.id, i.kind, i.channel, i.direction, text, hotel, author, i.occurred_at)
        for (i, hotel, author), text in zip(rows, texts, strict=True)
    ]


def _hotel_id(session: Session, scope: DataScope, hotel_code: str | None) -> int | None:
    """The hotel the interaction belongs to: the one named (in scope), else a hotel user's own hotel;
    group staff may leave it empty (a group-level note, e.g. from the service centre)."""
    if hotel_code:
        return hotel_in_scope(session, scope, hotel_code).id
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
    entry = NewInteraction(
        guest_id=guest.id,
        hotel_id=_hotel_id(session, scope, hotel_code),
        channel=CHANNEL_OF.get(kind, "in_person"),
        direction=direction or ("internal" if kind == "note" else "inbound"),
        kind=kind,
        text=body,
        occurred_at=datetime.now(UTC),
        staff_user_id=staff_user_id,
    )
    (new_id,) = store_interactions(session, [entry])
    line = next(i for i in list_interactions(session, scope=scope, guest_id=guest.id) if i.id == new_id)
    audit.log_event(  # the kind and the hotel, never the text
        session,
        "guest.interaction.add",
        guest_public_id=guest.public_id,
        object_type="interaction",
        object_id=str(new_id),
        details={"kind": kind, "hotel": line.hotel},
    )
    return line
