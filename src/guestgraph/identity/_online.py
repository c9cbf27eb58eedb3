"""Online resolution: the persons of one import resolved as it lands, without a pass over every mention.

A new mention finds its candidates through the indexed keys of `guest_mention` (the same evidence the
exact rules use: ID number, loyalty number, the same stay, contact + name, stay or room + name, name +
birth date), never by scanning guests. The new mentions and every mention of each guest they touch
are then clustered by the same rules as the batch pass, with the mentions a guest already holds kept
together (a guest is never split here, whatever joined it: a rule, the model or a steward), steward
decisions honoured, and `assign` giving the clusters their guests: an existing guest's stable ID, a
new guest, or a merge when a new record proves two guests are one person (the older ID survives).

The probabilistic model is not consulted here: its term frequencies are counted over all guests, so a
record whose only evidence is probabilistic becomes a guest of its own, and the next batch pass
(`guestgraph resolve`, or the worker's when other records wait: an import resolved online leaves
none, see `records_waiting`) joins it, recording the merge, so the two modes converge.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, literal, select, union, union_all
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import pii
from guestgraph.db import take_app_lock
from guestgraph.db.models import Guest, GuestMention, SourceRecord, Stay
from guestgraph.identity._golden import assign, link_records_and_stays, refresh_golden
from guestgraph.identity._resolve import (
    MentionKeys,
    cluster,
    load_neighbourhood,
    mentions_select,
    open_rows,
    opened_values,
)
from guestgraph.identity._review import apply_decisions

M = GuestMention
LOCK_WAIT = timedelta(seconds=2)  # how long an online pass waits for the resolve lock on PostgreSQL


@dataclass(frozen=True)
class OnlineSummary:
    records: int  # source records looked at
    new_mentions: int  # persons no pass had resolved
    attached: int  # of those, joined to a guest that existed
    created: int  # new guests
    merged: int  # guests found to be one person by a new record
    milliseconds: float


def _candidates_statement(*, of_records: bool = False) -> Any:
    """Guests holding a mention that shares some exact rule's key with one of the new mentions (`ids`;
    `of_records`: the mentions without a guest of the source records `records`): one indexed join per
    key, as one UNION (an OR of them would scan). Built once: constructing it is most of its cost."""
    m = GuestMention.__table__
    n = m.alias("n")
    c, k = m.c, n.c
    keys = [
        and_(c.id_number_bidx == k.id_number_bidx, c.id_type == k.id_type),
        c.loyalty_number == k.loyalty_number,
        c.stay_ref == k.stay_ref,
        c.channel_ref == k.channel_ref,
        and_(c.phone_bidx == k.phone_bidx, c.name_key == k.name_key),
        and_(c.email_bidx == k.email_bidx, c.name_key == k.name_key),
        and_(c.stay_span == k.stay_span, c.name_key == k.name_key),
        and_(c.room_night == k.room_night, c.name_key == k.name_key),
        and_(c.name_key == k.name_key, c.birth_bidx == k.birth_bidx),
    ]
    ids: Any = bindparam("ids", expanding=True)
    records: Any = bindparam("records", expanding=True)
    new = and_(k.source_record_id.in_(records), k.guest_id.is_(None)) if of_records else k.id.in_(ids)
    parts = [
        select(c.guest_id).select_from(m.join(n, key)).where(new, c.guest_id.is_not(None)) for key in keys
    ]
    return union(*parts)


CANDIDATES = _candidates_statement()


def _record_neighbourhood_statement() -> Any:
    """The persons of the records `records` (tagged `of_record`) and every mention of the guests
    they touch (the candidates above), as one statement: what an online pass of a few records reads
    before it clusters. Built once."""
    g = cast(Table, Guest.__table__)
    # with the data key of the mention's guest: the golden refresh opens the guest's values with it
    mentions = mentions_select().outerjoin(g, g.c.id == _MT.c.guest_id)
    guest_key = g.c.key_ref.label("guest_key_ref")
    st = cast(Table, Stay.__table__)
    # whether the person's record carries a stay: one without needs no stay links (only its guest)
    has_stay = exists(select(st.c.id).where(st.c.source_record_id == _MT.c.source_record_id))
    of_records = mentions.add_columns(
        literal(True).label("of_record"), guest_key, has_stay.label("has_stay")
    ).where(_MT.c.source_record_id.in_(bindparam("records", expanding=True)))
    touched = _candidates_statement(of_records=True)
    held = mentions.add_columns(
        literal(False).label("of_record"), guest_key, literal(False).label("has_stay")
    ).where(_MT.c.guest_id.in_(touched))
    return union_all(of_records, held)


_MT = cast(Table, M.__table__)
RECORD_NEIGHBOURHOOD = _record_neighbourhood_statement()


@dataclass
class _Neighbourhood:
    new_ids: list[int]
    carried: set[int]
    touched: set[int]
    mentions: list[MentionKeys]
    record_of: dict[int, int]
    stays: bool = True  # False: none of the records carries a stay (known only for up to 900 records)


def _read_neighbourhood(session: Session, records: list[int]) -> _Neighbourhood:
    """For up to 900 records, in one statement: their new mentions, the guests of those a pass has
    resolved (carried), the guests the new ones touch, and the neighbourhood (the new mentions and
    every mention of the touched guests, by id, opened) with each one's source record; and whether
    any of the records carries a stay."""
    rows = session.execute(RECORD_NEIGHBOURHOOD, {"records": records}).all()
    new_ids = [r.id for r in rows if r.of_record and r.guest_id is None]
    carried = {r.guest_id for r in rows if r.of_record and r.guest_id is not None}
    touched = {r.guest_id for r in rows if not r.of_record}
    seen = {r.source_record_id for r in rows if r.of_record}
    # a record without persons is not in `rows`: whether it has a stay is not known, so links run
    stays = any(r.has_stay for r in rows if r.of_record) or len(seen) < len(records)
    kept: dict[int, Any] = {}
    for r in rows:  # a carried mention of a touched guest comes twice; one of another guest is left out
        if r.guest_id is None or not r.of_record:
            kept[r.id] = r
    # every key this pass opens with (the mentions' and their guests'), from the key store at once
    pii.preload(pii.vault_of(session), [k for r in rows for k in (r.key_ref, r.guest_key_ref)])
    mentions, record_of = open_rows(session, sorted(kept.values(), key=lambda r: r.id))
    return _Neighbourhood(new_ids, carried, touched, mentions, record_of, stays)


def _read_many(session: Session, records: list[int]) -> _Neighbourhood:
    """The same as `_read_neighbourhood`, in chunks, for more than 900 records (stays not looked at)."""
    new_ids, carried = _new_and_carried(session, records)
    touched = _touched_guests(session, new_ids) if new_ids else set()
    mentions, record_of = load_neighbourhood(session, new_ids, touched) if new_ids else ([], {})
    return _Neighbourhood(new_ids, carried, touched, mentions, record_of)


def _touched_guests(session: Session, new_ids: list[int]) -> set[int]:
    """The guests holding a mention that shares some rule's key with one of the new mentions."""
    found: set[int] = set()
    for start in range(0, len(new_ids), 500):
        rows = session.execute(CANDIDATES, {"ids": new_ids[start : start + 500]})
        found.update(g for (g,) in rows if g is not None)
    return found


def _held_together(mentions: list[MentionKeys]) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    pairs = []
    for i, m in enumerate(mentions):
        if m.guest_id is not None:
            pairs.append((first.setdefault(m.guest_id, i), i))
    return pairs


# the persons of the records `records`: new ones have no guest yet
_RECORD_MENTIONS = select(_MT.c.id, _MT.c.guest_id).where(
    _MT.c.source_record_id.in_(bindparam("records", expanding=True))
)


def _new_and_carried(session: Session, records: list[int]) -> tuple[list[int], set[int]]:
    """The mentions of these records no pass has resolved, and the guests of those it has (their
    record came again in a new version: their golden values are refreshed)."""
    new_ids: list[int] = []
    carried: set[int] = set()
    for start in range(0, len(records), 900):
        chunk = {"records": records[start : start + 900]}
        for mention_id, guest_id in session.execute(_RECORD_MENTIONS, chunk):
            if guest_id is None:
                new_ids.append(mention_id)
            else:
                carried.add(guest_id)
    return new_ids, carried


def resolve_records(factory: sessionmaker[Session], record_ids: Collection[int]) -> OnlineSummary | None:
    """Resolve the persons of these source records (one import's) now; see the module docstring.
    Serialised with batch passes by the same lock (None: a batch pass holds it); one transaction."""
    started = time.perf_counter()
    records = sorted(set(record_ids))
    with factory.begin() as session:
        # The batch pass's lock, without moving its mark (`records_waiting` reads it). On PostgreSQL
        # online passes queue for it (each holds it for milliseconds), but one that waits longer than
        # LOCK_WAIT (a batch pass holds it, for minutes) gives up: the import's records wait for the
        # next pass rather than hold a push open. SQLite's one writer queues as imports do.
        if not take_app_lock(session, "resolve", give_up_after=LOCK_WAIT):
            return None
        hood = _read_neighbourhood(session, records) if len(records) <= 900 else _read_many(session, records)
        new_ids, carried, touched, mentions, record_of = (
            hood.new_ids,
            hood.carried,
            hood.touched,
            hood.mentions,
            hood.record_of,
        )
        if not new_ids and not carried:  # nothing new (an empty file, or records sent again)
            return OnlineSummary(len(records), 0, 0, 0, 0, _ms(started))
        accepted, rejected = apply_decisions(session, mentions, only_these=True)
        clusters, _position = cluster(mentions, apart=rejected, together=_held_together(mentions))
        for a, b in accepted:
            clusters.union(a, b, "steward", check_birth=False)
        result = assign(session, mentions, clusters)
        guests_now = {mid: result.guest_of[mid] for mid in new_ids}
        attached = sum(1 for g in guests_now.values() if g in touched)
        affected = set(guests_now.values()) | touched | carried
        refresh_golden(session, opened_values(mentions), guest_ids=affected, only_changed=True)
        # the records whose persons changed guest (a record whose persons all stayed keeps its links)
        # (other records whose persons moved may carry stays; records without any need only their guest)
        others = {record_of[mid] for mid in result.moved} - set(records)
        link_records_and_stays(session, set(records) | others, stays=hood.stays or bool(others))
    return OnlineSummary(len(records), len(new_ids), attached, result.created, result.merged, _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def resolve_import(
    factory: sessionmaker[Session], batch_id: int, *, max_records: int
) -> OnlineSummary | None:
    """Resolve one import's records online when it holds at most `max_records` (a push, a
    registration, a small file); a bigger one (or `max_records` 0) is left to the batch pass."""
    if max_records <= 0:
        return None
    with factory() as session:
        query = select(SourceRecord.id).where(SourceRecord.batch_id == batch_id).limit(max_records + 1)
        ids = list(session.scalars(query))
    if len(ids) > max_records:
        return None
    return resolve_records(factory, ids)
