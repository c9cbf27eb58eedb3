"""What is written on a ticket, sealed: its title (a complaint's first line), its description and the
texts of its history (comments, notes, file names) may hold a guest's phone number or a health remark.
Each ticket has its own data key (a ticket need not be about a guest, and may be erased or expire on its
own); erasing or expiring the ticket shreds it. `record_events` is the one writer of history texts,
`event_texts` their one reader; `seal_ticket_texts` writes a ticket's title and description,
`ticket_titles` and `ticket_descriptions` read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import ServiceTicket, TicketEvent

TITLE = ("service_ticket", "title")  # the places (table, column) in the values' AAD
DESCRIPTION = ("service_ticket", "description")
EVENT = ("ticket_event", "text")


@dataclass(frozen=True)
class NewEvent:
    """A line for a ticket's history, its text in the clear (only ever in memory)."""

    ticket_id: int
    at: datetime
    kind: str
    text: str | None = None
    actor_id: int | None = None
    from_status: str | None = None
    to_status: str | None = None


def record_events(session: Session, events: Sequence[NewEvent]) -> None:
    """Append the events, each text sealed under its ticket's key (a ticket without one gets one),
    set-based: one insert and one update for the lot."""
    if not events:
        return
    keys = pii.key_refs_of(session, ServiceTicket, (e.ticket_id for e in events))
    rows = [{k: v for k, v in asdict(e).items() if k != "text"} for e in events]
    new = insert(TicketEvent).returning(TicketEvent.id, sort_by_parameter_order=True)
    ids = list(session.scalars(new, rows))
    vault = pii.vault_of(session)
    pii.preload(vault, keys.values())
    sealed = [  # the row id names the text's place (its AAD), so the text is sealed once the row exists
        {"id": i, "text_enc": _seal(session, keys[e.ticket_id], EVENT, pii.ticket_event_row(i), e.text)}
        for i, e in zip(ids, events, strict=True)
        if e.text
    ]
    if sealed:
        session.execute(update(TicketEvent), sealed)


def event_texts(session: Session, key_ref: str | None, rows: Sequence[Any]) -> list[str | None]:
    """The texts of one ticket's events (rows with `id` and `text_enc`), in order; None where there is
    none or the ticket's key was shredded."""
    vault = pii.vault_of(session)
    return [pii.open_value(vault, key_ref, *EVENT, pii.ticket_event_row(r.id), r.text_enc) for r in rows]


def seal_ticket_texts(session: Session, ticket: ServiceTicket, title: str, description: str | None) -> None:
    """Put `title` and `description` on the (flushed) ticket, sealed under the ticket's key."""
    if ticket.key_ref is None:
        ticket.key_ref = pii.vault_of(session).new_guest_key()
    row = pii.ticket_row(ticket.id)
    ticket.title_enc = _seal(session, ticket.key_ref, TITLE, row, title)
    ticket.description_enc = _seal(session, ticket.key_ref, DESCRIPTION, row, description)


def ticket_titles(session: Session, tickets: Sequence[Any]) -> list[str | None]:
    """The titles of tickets (rows with `id`, `key_ref` and `title_enc`), in order; None where the
    ticket's key was shredded (a row from a backup of an erased guest's ticket)."""
    vault = pii.vault_of(session)
    pii.preload(vault, (t.key_ref for t in tickets))
    return [pii.open_value(vault, t.key_ref, *TITLE, pii.ticket_row(t.id), t.title_enc) for t in tickets]


def ticket_descriptions(session: Session, tickets: Sequence[Any]) -> list[str | None]:
    """The descriptions of tickets (rows with `id`, `key_ref` and `description_enc`), in order."""
    vault = pii.vault_of(session)
    pii.preload(vault, (t.key_ref for t in tickets))
    return [
        pii.open_value(vault, t.key_ref, *DESCRIPTION, pii.ticket_row(t.id), t.description_enc)
        for t in tickets
    ]


def _seal(session: Session, key_ref: str, place: tuple[str, str], row: str, text: str | None) -> str | None:
    return pii.seal_value(pii.vault_of(session), key_ref, *place, row, text)
