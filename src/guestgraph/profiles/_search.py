"""Front-desk search: whatever the clerk has — a phone in any format or its last four digits, a name in
Han (simplified or traditional), pinyin (any order, no tones) or Latin script, a partial or mistyped
name, an e-mail, a loyalty number, a member number of any loyalty scheme, a confirmation or ID number,
the last four of the ID with a name, or the room of a guest in house — finds the guest. Exact
identifiers rank first, a mistyped name last. Scoped and masked like the guest list."""

from __future__ import annotations

import contextlib
import re

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, Select, and_, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph import cleanse, pii
from guestgraph.access import DataScope, guest_visible, stay_visible
from guestgraph.crypto import Vault
from guestgraph.db.models import Guest, GuestMention, GuestStatus, LoyaltyMember, Stay, StayGuest, StayStatus
from guestgraph.paging import Page, PageRequest
from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._service import SUMMARY_COLUMNS, _summary

IdQuery = Select[int] | Select[int | None]  # a query for guest ids
DIGITS = re.compile(r"[\d\s+()-]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NOT_A_LETTER = re.compile(r"[\W\d_]")
ROOM = re.compile(r"[A-Za-z]?\d{3,5}[A-Za-z]?")  # 1208, A302, 8015B
ID_TAIL = (  # a name and the last four of the ID, either way round: "张伟 123X", "123x zhang wei"
    re.compile(r"(?P<name>\D{2,}?)\s*(?P<tail>\d{3}[\dXx])"),
    re.compile(r"(?P<tail>\d{3}[\dXx])\s*(?P<name>\D{2,})"),
)
TYPO_SCORE = 85  # rapidfuzz ratio (0-100) for a mistyped name key to count
NAME_READING_CAP = 1_000  # newest mentions a name reading ranks (see _recent)
TYPO_POOL = 20_000  # distinct name keys compared at most per mistyped query


def _mentioned(condition: ColumnElement[bool]) -> Select[int | None]:
    return select(GuestMention.guest_id).where(condition, GuestMention.guest_id.is_not(None))


def _recent(condition: ColumnElement[bool]) -> Select[int | None]:
    """A name reading's guests, through its newest NAME_READING_CAP mentions: a common name (张伟) is
    shared by thousands, and a clerk refines with more of the name or a phone rather than paging."""
    # `id + 0`: order by an expression, so the planner finds the matches by the name index and sorts
    # them, rather than walking the primary key backwards filtering every row (PostgreSQL did, at 1M:
    # seconds for a rare name).
    newest = (GuestMention.id + 0).desc()
    return _mentioned(condition).order_by(newest).limit(NAME_READING_CAP)


def _candidates(vault: Vault, q: str, scope: DataScope) -> list[tuple[str, IdQuery]]:
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
        found.append(("member_number", _member(compact)))
        by_conf = (
            select(StayGuest.guest_id)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .where(Stay.confirmation_number == text)
        )
        found.append(("confirmation_number", by_conf))
    if "@" in text:
        found.append(("email", _mentioned(GuestMention.email_bidx == pii.index(vault, "email", text))))
    if ROOM.fullmatch(text):
        found.append(("room", _in_house(text, scope)))
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
    elif len(NOT_A_LETTER.sub("", text)) >= 2 and "@" not in text:  # punctuation does not make a name
        found += _name_candidates(text)
    return found


def _member(number: str) -> IdQuery:
    """The guests holding a membership with this number in any loyalty scheme (index
    `ix_loyalty_member_number`); a membership of a merged guest finds its survivor."""
    named = select(LoyaltyMember.guest_id).where(LoyaltyMember.member_number == number)
    return select(func.coalesce(Guest.merged_into_id, Guest.id)).where(Guest.id.in_(named))


def _in_house(room: str, scope: DataScope) -> IdQuery:
    """The guests in house in that room at a hotel in scope (index `ix_stay_room_status`)."""
    rooms = sorted({room, room.upper(), room.lower()})
    return (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.room_number.in_(rooms), Stay.status == StayStatus.IN_HOUSE, stay_visible(scope))
    )


def _id_tail(session: Session, vault: Vault, text: str, visible: list[ColumnElement[bool]]) -> list[int]:
    """Guests found by name whose ID number ends with the four characters given (opened in memory:
    a name narrows the guests to a few hundred at most)."""
    for pattern in ID_TAIL:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        tail, names = m["tail"].upper(), _name_candidates(m["name"].strip())
        ids: set[int] = set()
        for _why, query in names:
            ids.update(session.scalars(select(Guest.id).where(Guest.id.in_(query), *visible).limit(500)))
        guests = session.scalars(select(Guest).where(Guest.id.in_(sorted(ids)))).all()
        opened = pii.open_guests(vault, guests)
        return [g.id for g in guests if (opened[g.id].id_number or "").upper().endswith(tail)]
    return []


def _mistyped(session: Session, text: str) -> IdQuery | None:
    """Guests whose name key is a near miss of the query's (a letter dropped, swapped or doubled):
    compared with the distinct keys that share its first two letters and about its length."""
    if "@" in text or any(ch.isdigit() for ch in text):
        return None
    try:
        name = cleanse.parse_person_name(full=text)
    except cleanse.CleanseError:
        return None
    key = name.latin_key
    if not key or len(key) < 4:
        return None
    pool = session.scalars(
        select(GuestMention.name_key)
        .where(
            _starts_with(GuestMention.name_key, key[:2]),  # an index range, not a scan of every mention
            func.length(GuestMention.name_key).between(len(key) - 1, len(key) + 1),
        )
        .distinct()
        .limit(TYPO_POOL)
    ).all()
    near = [
        k
        for k, _score, _i in process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=20)
    ]
    return _recent(GuestMention.name_key.in_(near)) if near else None


def _name_candidates(text: str) -> list[tuple[str, IdQuery]]:
    out: list[tuple[str, IdQuery]] = []
    try:
        name = cleanse.parse_person_name(full=text)
    except cleanse.CleanseError:
        return out
    keys = {name.latin_key, *cleanse.latin_variants(name)} - {None}
    if keys:
        out.append(("name", _recent(GuestMention.name_key.in_(keys))))
    if name.simplified:
        out.append(("name", _recent(GuestMention.name_simplified == name.simplified)))
    if name.latin_key and len(name.latin_key) >= 3:  # a partial name: the start of the key
        out.append(("partial_name", _recent(_starts_with(GuestMention.name_key, name.latin_key))))
    return out


def _starts_with(column: InstrumentedAttribute[str | None], prefix: str) -> ColumnElement[bool]:
    """`column LIKE 'prefix%'` with the range that lets both databases use the column's index (SQLite's
    LIKE ignores case and PostgreSQL's needs a pattern index, so neither uses a plain one for it). The
    prefix's own `%` and `_` are escaped: they match themselves, never any character."""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # every string starting with `prefix` sorts below
    return and_(column >= prefix, column < after, column.startswith(prefix, autoescape=True))


PER_READING = 500  # guests each way of reading the query contributes at most


def _ranked(session: Session, readings: list[IdQuery], visible: list[ColumnElement[bool]]) -> list[int]:
    """The visible active guests the readings find, in one statement: each guest at its strongest
    reading, each reading's guests newest first and at most PER_READING of them, readings in order."""
    if not readings:
        return []
    found = union_all(
        *(
            select(literal(rank).label("rank"), q.subquery().c[0].label("gid"))
            for rank, q in enumerate(readings)
        )
    ).subquery()
    best = select(found.c.gid, func.min(found.c.rank).label("rank")).group_by(found.c.gid).subquery()
    order = func.row_number().over(
        partition_by=best.c.rank, order_by=(Guest.updated_at.desc(), Guest.id.desc())
    )
    scored = (
        select(Guest.id.label("id"), best.c.rank, Guest.updated_at, order.label("n"))
        .join(best, best.c.gid == Guest.id)
        .where(*visible)
        .subquery()
    )
    query = (
        select(scored.c.id)
        .where(scored.c.n <= PER_READING)
        .order_by(scored.c.rank, scored.c.updated_at.desc(), scored.c.id.desc())
    )
    return list(session.scalars(query))


def search_guests(session: Session, *, scope: DataScope, q: str, paging: PageRequest) -> Page[GuestSummary]:
    """Active guests in scope matching `q`, strongest kind of match first, then most recently updated."""
    q = CONTROL.sub(" ", q)  # a pasted NUL or tab is not part of a name (and PostgreSQL refuses NUL)
    visible = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    vault = pii.vault_of(session)
    readings: list[IdQuery] = [query for _why, query in _candidates(vault, q, scope)]
    tail = _id_tail(session, vault, q.strip(), visible)
    if tail:
        readings.append(select(Guest.id).where(Guest.id.in_(tail)))
    ranked = _ranked(session, readings, visible)
    if not ranked and (near := _mistyped(session, q.strip())) is not None:  # nothing exact: a typo?
        ranked = _ranked(session, [near], visible)
    page_ids = ranked[paging.offset : paging.offset + paging.size]
    guests = {g.id: g for g in session.execute(select(*SUMMARY_COLUMNS).where(Guest.id.in_(page_ids)))}
    sealed = pii.open_guests(vault, guests.values())
    return Page([_summary(guests[i], sealed[i]) for i in page_ids], len(ranked), paging.page, paging.size)
