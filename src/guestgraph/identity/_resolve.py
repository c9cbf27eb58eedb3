"""Batch identity resolution (first slice): exact evidence, strongest first, into golden guests.

Rules, in order (each links mentions that share the key, unless the cluster would then hold two
different ID numbers of one kind, or — for the weaker rules — two different birth dates):

1. the same ID document number (resident ID, passport, permits);
2. the same loyalty number;
3. the same stay: a POS check charged to a PMS confirmation number, a PMS row and the OTA booking
   whose order number the clerk copied into its remarks (primary guests only);
4. the same identifying mobile and the same name (Han, pinyin or Latin, any order);
5. the same identifying e-mail and the same name;
6. the same hotel, arrival and departure and the same name (the OTA booking and the PMS stay it
   became), or the same room on the same arrival date and the same name (front-desk register);
7. the same name, birth date and gender.

Relay e-mails and virtual numbers never take part (they are not in guest_mention), and a cashier's
"王先生" (surname only) links only through an identifier. The probabilistic model (Fellegi–Sunter
with EM and term frequencies, `_probabilistic`) then scores what these rules left apart.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import GuestMention, SourceRecord
from guestgraph.identity._clusters import Clusters
from guestgraph.identity._mentions import CARRIED, NAMED

Key = Callable[[Any], tuple[Any, ...] | None]

RULES: tuple[tuple[str, Key, bool], ...] = (
    ("id_number", lambda m: (m.id_type, m.id_number) if m.id_number else None, False),
    ("loyalty_number", lambda m: (m.loyalty_number,) if m.loyalty_number else None, False),
    ("same_stay", lambda m: (m.stay_ref,) if m.stay_ref else None, True),
    ("channel_booking", lambda m: (m.channel_ref,) if m.channel_ref else None, True),
    (
        "phone_name",
        lambda m: (m.phone, m.name_key) if m.phone and m.name_key and not m.surname_only else None,
        True,
    ),
    (
        "email_name",
        lambda m: (m.email, m.name_key) if m.email and m.name_key and not m.surname_only else None,
        True,
    ),
    ("stay_name", lambda m: (m.stay_span, m.name_key) if m.stay_span and m.name_key else None, True),
    ("room_night_name", lambda m: (m.room_night, m.name_key) if m.room_night and m.name_key else None, True),
    (
        "name_birth",
        lambda m: (
            (m.name_key, m.birth_date, m.gender)
            if m.name_key and m.birth_date and m.gender and not m.surname_only
            else None
        ),
        True,
    ),
)
COLUMNS = (
    "id",
    "id_type",
    "id_number",
    "loyalty_number",
    "phone",
    "email",
    "name_key",
    "birth_date",
    "gender",
    "surname_only",
    "stay_ref",
    "channel_ref",
    "room_night",
    "stay_span",
    "guest_id",
    "name_simplified",
    "city",
    "source_system_id",
    "person_index",
)


@dataclass(frozen=True)
class MentionKeys:
    id: int
    id_type: str | None
    id_number: str | None
    loyalty_number: str | None
    phone: str | None
    email: str | None
    name_key: str | None
    birth_date: date | None
    gender: str | None
    surname_only: bool
    stay_ref: str | None
    channel_ref: str | None
    room_night: str | None
    stay_span: str | None
    guest_id: int | None
    name_simplified: str | None = None
    city: str | None = None
    source_system_id: int = 0
    person_index: int = 0
    external_id: str = ""

    @property
    def key(self) -> str:
        return mention_key(self.source_system_id, self.person_index, self.external_id)


def mention_key(source_system_id: int, person_index: int, external_id: str) -> str:
    """Names a person on a record across new versions of it (a mention's row id does not)."""
    return f"{source_system_id}:{person_index}:{external_id}"[:240]


SEALED_COLUMNS = ("key_ref", "phone_enc", "email_enc", "id_number_enc", "birth_date_enc")


_M = cast(Table, GuestMention.__table__)


def mentions_select() -> Any:
    """The columns `load_mentions` reads (Core, on the tables: an online pass runs it per record),
    unordered; a statement built once from it."""
    r = cast(Table, SourceRecord.__table__)
    plain = [c for c in COLUMNS if c not in pii.SEALED_FIELDS]
    cols = [_M.c[c] for c in (*plain, *SEALED_COLUMNS, "source_record_id")]
    return select(*cols, r.c.external_id).join(r, r.c.id == _M.c.source_record_id)


_MENTIONS = mentions_select().order_by(_M.c.id)
# online resolution: the new mentions `ids` and every mention of the guests `guests`, in one statement
_NEIGHBOURHOOD = _MENTIONS.where(
    or_(
        _M.c.id.in_(bindparam("ids", expanding=True)),
        _M.c.guest_id.in_(bindparam("guests", expanding=True)),
    )
)


def load_mentions(session: Session, ids: Collection[int] | None = None) -> list[MentionKeys]:
    """Every mention (or those of `ids`) with its match keys; the sealed fields are opened in memory,
    chunk by chunk."""
    query = _MENTIONS
    if ids is None:
        rows = session.execute(query).all()
    else:
        wanted = sorted(ids)
        rows = [
            row
            for start in range(0, len(wanted), 900)
            for row in session.execute(query.where(_M.c.id.in_(wanted[start : start + 900])))
        ]
    return open_rows(session, rows)[0]


def load_neighbourhood(
    session: Session, ids: Collection[int], guest_ids: Collection[int]
) -> tuple[list[MentionKeys], dict[int, int]]:
    """The new mentions `ids` (no guest yet) and every mention the guests `guest_ids` hold (online
    resolution), opened, in one statement for up to 900 of each (so no mention comes twice), by
    mention id as `load_mentions` gives them; and each one's source record."""
    new, guests = sorted(ids), sorted(guest_ids)
    rows: list[Any] = []
    for start in range(0, max(len(new), len(guests)), 900):
        chunk = {"ids": new[start : start + 900], "guests": guests[start : start + 900]}
        rows.extend(session.execute(_NEIGHBOURHOOD, chunk))
    if len(new) > 900 or len(guests) > 900:
        rows.sort(key=lambda r: r.id)
    return open_rows(session, rows)


def open_rows(session: Session, rows: Sequence[Any]) -> tuple[list[MentionKeys], dict[int, int]]:
    """Rows of `mentions_select` as MentionKeys, their sealed fields opened; and each one's record."""
    opened = pii.open_mentions(pii.vault_of(session), rows)
    out: list[MentionKeys] = []
    records: dict[int, int] = {}
    for r, sensitive in zip(rows, opened, strict=True):
        values = r._asdict()
        records[r.id] = values.pop("source_record_id")
        values.pop("of_record", None)  # online resolution's tag, guest key and stay flag (see _online)
        values.pop("guest_key_ref", None)
        values.pop("has_stay", None)
        for name in SEALED_COLUMNS:
            del values[name]
        out.append(MentionKeys(**values, **sensitive.as_dict()))
    return out, records


def opened_values(mentions: Iterable[MentionKeys]) -> dict[int, pii.Sensitive]:
    """The sensitive values `load_mentions` opened, by mention id, for the golden refresh to reuse."""
    return {
        m.id: pii.Sensitive(phone=m.phone, email=m.email, id_number=m.id_number, birth_date=m.birth_date)
        for m in mentions
    }


def carried_pairs(session: Session, mentions: list[MentionKeys]) -> list[tuple[int, int]]:
    """Position pairs (a carried mention, an anchor: the first mention its guest holds that was not
    carried, else the first): a person a record carried over from the record it follows stays with the
    guest it was carried to, though no rule may join it (a companion the booking names by name alone);
    so does the guest a clerk named a stay's primary guest (NAMED)."""
    held = GuestMention.guest_id.is_not(None)
    kept = GuestMention.link_rule.in_((CARRIED, NAMED))
    carried = set(session.scalars(select(GuestMention.id).where(kept, held)))
    if not carried:
        return []
    anchor: dict[int, int] = {}
    for i, m in enumerate(mentions):
        if m.guest_id is not None and m.id not in carried:
            anchor.setdefault(m.guest_id, i)
    for i, m in enumerate(mentions):
        if m.guest_id is not None:
            anchor.setdefault(m.guest_id, i)
    return [
        (i, anchor[m.guest_id])
        for i, m in enumerate(mentions)
        if m.id in carried and m.guest_id is not None and anchor[m.guest_id] != i
    ]


def cluster(
    mentions: list[MentionKeys],
    apart: Iterable[tuple[int, int]] = (),
    together: Iterable[tuple[int, int]] = (),
) -> tuple[Clusters, dict[int, int]]:
    """Cluster mentions by the rules; returns the union-find (over list positions) and id -> position.
    `apart` holds position pairs a steward said are different people: no rule joins them. `together`
    holds pairs joined before the rules run and whatever they say (online resolution: the mentions a
    guest already holds stay one guest)."""
    position = {m.id: i for i, m in enumerate(mentions)}
    clusters = Clusters(len(mentions))
    for i, m in enumerate(mentions):
        clusters.note(i, m.id_type, m.id_number, m.birth_date)
    for a, b in apart:
        clusters.forbid(a, b)
    for a, b in together:
        clusters.union(a, b, "existing", force=True)
    for name, key, check_birth in RULES:
        for members in _groups(mentions, key):
            first = members[0]
            for other in members[1:]:
                clusters.union(first, other, name, check_birth=check_birth)
    return clusters, position


def _groups(mentions: Iterable[MentionKeys], key: Key) -> list[list[int]]:
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, m in enumerate(mentions):
        k = key(m)
        if k is not None:
            groups.setdefault(k, []).append(i)
    return [g for g in groups.values() if len(g) > 1]
