"""Front-desk search: whatever the clerk has — a phone in any format or its last four digits, a name in
Han (simplified or traditional), pinyin (any order, no tones) or Latin script, a partial or mistyped
name, an e-mail, a loyalty number, a member number of any loyalty scheme, a confirmation or ID number,
the last four of the ID with a name, or the room of a guest in house — finds the guest. Exact
identifiers rank first, a mistyped name last. Scoped and masked like the guest list.

Every statement is built once per shape — which readings of the query apply, in what order, and the
level of the data scope — with bind parameters for the query's values and the scope's hotels, and
kept (`functools.cache`): a search then builds no SQL, and SQLAlchemy reuses the statement's cache
key and compiled form (building and compiling them each time was a third of a search's CPU)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph import cleanse, pii
from guestgraph.access import DataScope, guest_visible_bound, scope_parameters, stay_visible_bound
from guestgraph.crypto import Vault
from guestgraph.db.models import (
    Guest,
    GuestMention,
    GuestStatus,
    LoyaltyMember,
    ScopeLevel,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.paging import Page, PageRequest
from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._service import SUMMARY_COLUMNS, _summary

IdQuery = Select[int] | Select[int | None]  # a query for guest ids
Reading = tuple[str, dict[str, Any]]  # a way of reading the query (a key of READINGS) and its values
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
PER_READING = 500  # guests each way of reading the query contributes at most
LIKE_ESCAPE = "/"


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


def _starts_with(column: InstrumentedAttribute[str | None], name: str) -> ColumnElement[bool]:
    """`column LIKE 'prefix%'` with the range that lets both databases use the column's index (SQLite's
    LIKE ignores case and PostgreSQL's needs a pattern index, so neither uses a plain one for it), for
    the parameters `_prefix_values(name, prefix)`. The prefix's own `%` and `_` are escaped: they
    match themselves, never any character."""
    return and_(
        column >= bindparam(f"{name}_from"),
        column < bindparam(f"{name}_below"),
        column.like(bindparam(f"{name}_like"), escape=LIKE_ESCAPE),
    )


def _prefix_values(name: str, prefix: str) -> dict[str, str]:
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # every string starting with `prefix` sorts below
    escaped = "".join(LIKE_ESCAPE + ch if ch in ("%", "_", LIKE_ESCAPE) else ch for ch in prefix)
    return {f"{name}_from": prefix, f"{name}_below": after, f"{name}_like": escaped + "%"}


def _member() -> IdQuery:
    """The guests holding a membership with this number in any loyalty scheme (index
    `ix_loyalty_member_number`); a membership of a merged guest finds its survivor."""
    named = select(LoyaltyMember.guest_id).where(LoyaltyMember.member_number == bindparam("member_number"))
    return select(func.coalesce(Guest.merged_into_id, Guest.id)).where(Guest.id.in_(named))


def _in_house(level: ScopeLevel) -> IdQuery:
    """The guests in house in that room at a hotel in scope (index `ix_stay_room_status`)."""
    return (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            Stay.room_number.in_(bindparam("rooms", expanding=True)),
            Stay.status == StayStatus.IN_HOUSE,
            stay_visible_bound(level),
        )
    )


# Each way of reading the query: the statement of its guest ids for a scope level, with bind
# parameters named after it (the values come with the reading, see `_candidates`).
READINGS: dict[str, Callable[[ScopeLevel], IdQuery]] = {
    "id_number": lambda _: _mentioned(GuestMention.id_number_bidx == bindparam("id_number_bidx")),
    "loyalty_number": lambda _: _mentioned(GuestMention.loyalty_number == bindparam("loyalty_number")),
    "member_number": lambda _: _member(),
    "confirmation_number": lambda _: (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.confirmation_number == bindparam("confirmation_number"))
    ),
    "email": lambda _: _mentioned(GuestMention.email_bidx == bindparam("email_bidx")),
    "room": _in_house,
    "phone_last4": lambda _: select(Guest.id).where(Guest.phone_tail_bidx == bindparam("phone_tail_bidx")),
    "phone": lambda _: _mentioned(GuestMention.phone_bidx == bindparam("phone_bidx")),
    "name": lambda _: _recent(GuestMention.name_key.in_(bindparam("name_keys", expanding=True))),
    "name_simplified": lambda _: _recent(GuestMention.name_simplified == bindparam("name_simplified")),
    "partial_name": lambda _: _recent(_starts_with(GuestMention.name_key, "partial")),
    "id_tail": lambda _: select(Guest.id).where(Guest.id.in_(bindparam("tail_ids", expanding=True))),
    "mistyped": lambda _: _recent(GuestMention.name_key.in_(bindparam("near_keys", expanding=True))),
}


def _visible(level: ScopeLevel) -> list[ColumnElement[bool]]:
    return [Guest.status == GuestStatus.ACTIVE, guest_visible_bound(level)]


def _candidates(vault: Vault, q: str) -> list[Reading]:
    """Each way the query could identify a guest, strongest first. Phones, e-mails and ID numbers are
    found by their keyed blind index (the columns hold ciphertext)."""
    text = q.strip()
    found: list[Reading] = []
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact:
        found.append(("id_number", {"id_number_bidx": pii.index(vault, "id_number", compact)}))
        found.append(("loyalty_number", {"loyalty_number": compact}))
        found.append(("member_number", {"member_number": compact}))
        found.append(("confirmation_number", {"confirmation_number": text}))
    if "@" in text:
        found.append(("email", {"email_bidx": pii.index(vault, "email", text)}))
    if ROOM.fullmatch(text):
        found.append(("room", {"rooms": sorted({text, text.upper(), text.lower()})}))
    if DIGITS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4:
            found.append(("phone_last4", {"phone_tail_bidx": pii.index(vault, "phone_tail", digits)}))
        elif len(digits) >= 7:
            try:
                e164 = cleanse.parse_phone(text).e164
            except cleanse.CleanseError:  # not a phone number: the other readings stand
                pass
            else:
                found.append(("phone", {"phone_bidx": pii.index(vault, "phone", e164)}))
    elif len(NOT_A_LETTER.sub("", text)) >= 2 and "@" not in text:  # punctuation does not make a name
        found += _name_candidates(text)
    return found


def _name_candidates(text: str) -> list[Reading]:
    out: list[Reading] = []
    try:
        name = cleanse.parse_person_name(full=text)
    except cleanse.CleanseError:
        return out
    keys = {name.latin_key, *cleanse.latin_variants(name)} - {None}
    if keys:
        out.append(("name", {"name_keys": sorted(k for k in keys if k is not None)}))
    if name.simplified:
        out.append(("name_simplified", {"name_simplified": name.simplified}))
    if name.latin_key and len(name.latin_key) >= 3:  # a partial name: the start of the key
        out.append(("partial_name", _prefix_values("partial", name.latin_key)))
    return out


@functools.cache
def _visible_among(kind: str, level: ScopeLevel) -> Select[int]:
    """The visible active guests of one name reading, at most 500 (for the ID's last four)."""
    return select(Guest.id).where(Guest.id.in_(READINGS[kind](level)), *_visible(level)).limit(500)


def _id_tail(session: Session, vault: Vault, text: str, scope: DataScope) -> list[int]:
    """Guests found by name whose ID number ends with the four characters given (opened in memory:
    a name narrows the guests to a few hundred at most)."""
    for pattern in ID_TAIL:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        tail, names = m["tail"].upper(), _name_candidates(m["name"].strip())
        ids: set[int] = set()
        for kind, values in names:
            statement = _visible_among(kind, scope.level)
            ids.update(session.scalars(statement, {**values, **scope_parameters(scope)}))
        guests = session.scalars(select(Guest).where(Guest.id.in_(sorted(ids)))).all()
        opened = pii.open_guests(vault, guests)
        return [g.id for g in guests if (opened[g.id].id_number or "").upper().endswith(tail)]
    return []


# The distinct name keys that share a mistyped key's first two letters and about its length.
TYPO_CANDIDATES = (
    select(GuestMention.name_key)
    .where(
        _starts_with(GuestMention.name_key, "typo"),  # an index range, not a scan of every mention
        func.length(GuestMention.name_key).between(bindparam("shortest"), bindparam("longest")),
    )
    .distinct()
    .limit(TYPO_POOL)
)


def _mistyped(session: Session, text: str) -> Reading | None:
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
    values = {**_prefix_values("typo", key[:2]), "shortest": len(key) - 1, "longest": len(key) + 1}
    pool = session.scalars(TYPO_CANDIDATES, values).all()
    near = [
        k
        for k, _score, _i in process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=20)
    ]
    return ("mistyped", {"near_keys": near}) if near else None


@functools.cache
def _ranking(kinds: tuple[str, ...], level: ScopeLevel) -> Select[int]:
    """The visible active guests the readings find, in one statement: each guest at its strongest
    reading, each reading's guests newest first and at most PER_READING of them, readings in order."""
    found = union_all(
        *(
            select(literal(rank).label("rank"), READINGS[kind](level).subquery().c[0].label("gid"))
            for rank, kind in enumerate(kinds)
        )
    ).subquery()
    best = select(found.c.gid, func.min(found.c.rank).label("rank")).group_by(found.c.gid).subquery()
    order = func.row_number().over(
        partition_by=best.c.rank, order_by=(Guest.updated_at.desc(), Guest.id.desc())
    )
    scored = (
        select(Guest.id.label("id"), best.c.rank, Guest.updated_at, order.label("n"))
        .join(best, best.c.gid == Guest.id)
        .where(*_visible(level))
        .subquery()
    )
    return (
        select(scored.c.id)
        .where(scored.c.n <= PER_READING)
        .order_by(scored.c.rank, scored.c.updated_at.desc(), scored.c.id.desc())
    )


def _ranked(session: Session, readings: list[Reading], scope: DataScope) -> list[int]:
    if not readings:
        return []
    statement = _ranking(tuple(kind for kind, _values in readings), scope.level)
    values = scope_parameters(scope)
    for _kind, reading_values in readings:
        values.update(reading_values)
    return list(session.scalars(statement, values))


PAGE = select(*SUMMARY_COLUMNS).where(Guest.id.in_(bindparam("page_ids", expanding=True)))


def search_guests(session: Session, *, scope: DataScope, q: str, paging: PageRequest) -> Page[GuestSummary]:
    """Active guests in scope matching `q`, strongest kind of match first, then most recently updated."""
    q = CONTROL.sub(" ", q)  # a pasted NUL or tab is not part of a name (and PostgreSQL refuses NUL)
    vault = pii.vault_of(session)
    readings = _candidates(vault, q)
    tail = _id_tail(session, vault, q.strip(), scope)
    if tail:
        readings.append(("id_tail", {"tail_ids": tail}))
    ranked = _ranked(session, readings, scope)
    if not ranked and (near := _mistyped(session, q.strip())) is not None:  # nothing exact: a typo?
        ranked = _ranked(session, [near], scope)
    page_ids = ranked[paging.offset : paging.offset + paging.size]
    guests = {g.id: g for g in session.execute(PAGE, {"page_ids": page_ids})} if page_ids else {}
    sealed = pii.open_guests(vault, guests.values())
    return Page([_summary(guests[i], sealed[i]) for i in page_ids], len(ranked), paging.page, paging.size)
