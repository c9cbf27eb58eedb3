"""Front-desk search (first slice): whatever the clerk has — a phone in any format or its last four
digits, a name in Han, pinyin (any order, no tones) or Latin script, an e-mail, a loyalty, confirmation
or ID number — finds the guest. Exact identifiers rank first. Scoped and masked like the guest list."""

from __future__ import annotations

import contextlib
import re

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from guestgraph import cleanse, pii
from guestgraph.access import DataScope, guest_visible
from guestgraph.crypto import Vault
from guestgraph.db.models import Guest, GuestMention, GuestStatus, Stay, StayGuest
from guestgraph.paging import Page, PageRequest
from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._service import _summary

IdQuery = Select[int] | Select[int | None]  # a query for guest ids
DIGITS = re.compile(r"[\d\s+()-]+")


def _mentioned(condition: ColumnElement[bool]) -> Select[int | None]:
    return select(GuestMention.guest_id).where(condition, GuestMention.guest_id.is_not(None))


def _candidates(vault: Vault, q: str) -> list[tuple[str, IdQuery]]:
    """(why, guest ids) for each way the query could identify a guest, strongest first. Phones,
    e-mails and ID numbers are found by their keyed blind index (the columns hold ciphertext)."""
    text = q.strip()
    found: list[tuple[str, IdQuery]] = []
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact:
        found.append(
            ("id_number", _mentioned(GuestMention.id_number_bidx == pii.index(vault, "id_number", compact)))
        )
        found.append(("loyalty_number", _mentioned(GuestMention.loyalty_number == compact)))
        by_conf = (
            select(StayGuest.guest_id)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .where(Stay.confirmation_number == text)
        )
        found.append(("confirmation_number", by_conf))
    if "@" in text:
        found.append(("email", _mentioned(GuestMention.email_bidx == pii.index(vault, "email", text))))
    if DIGITS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4:
            tail = pii.index(vault, "phone_tail", digits)
            found.append(("phone_last4", select(Guest.id).where(Guest.phone_tail_bidx == tail)))
        elif len(digits) >= 7:
            with contextlib.suppress(cleanse.CleanseError):  # not a phone number: the other readings stand
                e164 = cleanse.parse_phone(text).e164
                found.append(
                    ("phone", _mentioned(GuestMention.phone_bidx == pii.index(vault, "phone", e164)))
                )
    elif len(text) >= 2 and "@" not in text:
        found += _name_candidates(text)
    return found


def _name_candidates(text: str) -> list[tuple[str, IdQuery]]:
    out: list[tuple[str, IdQuery]] = []
    try:
        name = cleanse.parse_person_name(full=text)
    except cleanse.CleanseError:
        return out
    keys = {name.latin_key, *cleanse.latin_variants(name)} - {None}
    if keys:
        out.append(("name", _mentioned(GuestMention.name_key.in_(keys))))
    if name.simplified:
        out.append(("name", _mentioned(GuestMention.name_simplified == name.simplified)))
    if name.latin_key and len(name.latin_key) >= 3:  # a partial name: the start of the key
        out.append(("partial_name", _mentioned(GuestMention.name_key.like(f"{name.latin_key}%"))))
    return out


def search_guests(session: Session, *, scope: DataScope, q: str, paging: PageRequest) -> Page[GuestSummary]:
    """Active guests in scope matching `q`, strongest kind of match first, then most recently updated."""
    ranked: list[int] = []
    seen: set[int] = set()
    visible = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    vault = pii.vault_of(session)
    for _why, ids in _candidates(vault, q):
        rows = session.scalars(
            select(Guest.id).where(Guest.id.in_(ids), *visible).order_by(Guest.updated_at.desc()).limit(500)
        )
        for gid in rows:
            if gid not in seen:
                seen.add(gid)
                ranked.append(gid)
    page_ids = ranked[paging.offset : paging.offset + paging.size]
    guests = {g.id: g for g in session.scalars(select(Guest).where(Guest.id.in_(page_ids)))}
    sealed = pii.open_guests(vault, guests.values())
    return Page([_summary(guests[i], sealed[i]) for i in page_ids], len(ranked), paging.page, paging.size)
