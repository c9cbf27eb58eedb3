"""From clusters of mentions to golden guests: stable IDs, survivorship with provenance, stay links."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from guestgraph import changes, pii
from guestgraph.crypto import Vault
from guestgraph.db.models import (
    ChangeKind,
    Charge,
    Guest,
    GuestMention,
    GuestMerge,
    GuestStatus,
    SourceRecord,
    Stay,
    StayGuest,
)
from guestgraph.identity._clusters import Clusters
from guestgraph.identity._folio import stay_primary_guest
from guestgraph.identity._resolve import SEALED_COLUMNS, MentionKeys

GOLDEN = (
    "full_name",
    "family_name",
    "given_name",
    "name_pinyin",
    "salutation",
    "gender",
    "birth_date",
    "nationality",
    "phone",
    "email",
    "id_type",
    "id_number",
    "loyalty_number",
    "loyalty_tier",
    "city",
)
MENTION_TO_GUEST = {"id_type": "id_document_type", "id_number": "id_document_number"}


@dataclass
class Assignment:
    created: int = 0
    merged: int = 0
    guests: int = 0
    guest_of: dict[int, int] = field(default_factory=dict)  # mention id -> its guest now
    moved: set[int] = field(default_factory=set)  # the mentions whose guest changed


def _move_statement() -> Any:
    """A mention to its guest, with the rule that joined it (executed for many at once), built once."""
    m = cast(Table, GuestMention.__table__)
    change: dict[str, Any] = {"guest_id": bindparam("to_guest"), "link_rule": bindparam("rule")}
    return m.update().where(m.c.id == bindparam("mention")).values(change)


_MOVE = _move_statement()


def assign(session: Session, mentions: list[MentionKeys], clusters: Clusters) -> Assignment:
    """Give every cluster one guest: the oldest guest already among its mentions, or a new one.

    A guest claimed by two clusters (a split) stays with the larger; the other gets a new guest.
    Guests left without mentions after a merge become `merged` into the survivor (their ID resolves).
    """
    result = Assignment()
    groups = sorted(clusters.groups().values(), key=len, reverse=True)
    claimed: set[int] = set()
    plan: list[tuple[list[int], int | None]] = []
    for members in groups:
        existing = sorted({g for i in members if (g := mentions[i].guest_id) is not None} - claimed)
        target = existing[0] if existing else None
        if target is not None:
            claimed.add(target)
        plan.append((members, target))
    new_guests = [Guest() for _members, target in plan if target is None]
    session.add_all(new_guests)
    session.flush()
    result.created = len(new_guests)
    fresh = iter(new_guests)
    updates: list[dict[str, object]] = []
    survivors: dict[int, int] = {}
    for members, target in plan:
        guest_id = target if target is not None else next(fresh).id
        for i in members:
            m = mentions[i]
            result.guest_of[m.id] = guest_id
            if m.guest_id is not None:
                survivors.setdefault(m.guest_id, guest_id)
            if m.guest_id != guest_id:
                result.moved.add(m.id)
                updates.append({"mention": m.id, "to_guest": guest_id, "rule": clusters.rule.get(i)})
    if updates:
        session.execute(_MOVE, updates)
    result.merged = _retire(session, survivors, claimed, _held(mentions, clusters))
    result.guests = len(plan)
    return result


def _held(mentions: list[MentionKeys], clusters: Clusters) -> dict[int, tuple[list[str], str | None]]:
    """Per guest before this pass: the keys of its mentions and a rule that joined one of them."""
    out: dict[int, tuple[list[str], str | None]] = {}
    for i, m in enumerate(mentions):
        if m.guest_id is not None:
            keys, rule = out.setdefault(m.guest_id, ([], None))
            keys.append(m.key)
            if rule is None and (found := clusters.rule.get(i)) is not None:
                out[m.guest_id] = (keys, found)
    return out


def _retire(
    session: Session,
    survivors: dict[int, int],
    claimed: set[int],
    held: dict[int, tuple[list[str], str | None]],
) -> int:
    """Guests left without mentions become `merged` into their survivor, and each merge is kept
    with the mentions the guest held (what an unmerge gives back)."""
    gone = [(old, new) for old, new in survivors.items() if old not in claimed and old != new]
    if gone:
        retired = [{"id": old, "status": GuestStatus.MERGED, "merged_into_id": new} for old, new in gone]
        session.execute(update(Guest), retired)
        now = datetime.now(UTC)
        history = []
        for old, new in gone:
            keys, rule = held.get(old, ([], None))
            history.append(
                {
                    "survivor_id": new,
                    "merged_id": old,
                    "mention_keys": sorted(keys),
                    "rule": rule,
                    "merged_at": now,
                }
            )
        session.execute(insert(GuestMerge), history)
        changes.record_many(session, ChangeKind.MERGED, gone)
    return len(gone)


def _golden_rows_statement(scoped: bool) -> Any:
    """The mentions' survivorship columns: every held mention's, or (`scoped`) those of the guests
    `guests`; built once."""
    m = cast(Table, GuestMention.__table__)
    plain = [c for c in GOLDEN if c not in pii.SEALED_FIELDS]
    head = ("id", "guest_id", "source_record_id", "person_index", "trust_rank", "seen_at", "surname_only")
    cols = [m.c[c] for c in (*head, *plain, *SEALED_COLUMNS)]
    guests: Any = bindparam("guests", expanding=True)
    which = m.c.guest_id.in_(guests) if scoped else m.c.guest_id.is_not(None)
    return select(*cols).where(which)


_GOLDEN_ROWS = _golden_rows_statement(scoped=False)
_GOLDEN_ROWS_OF = _golden_rows_statement(scoped=True)
_GUEST_TABLE = cast(Table, Guest.__table__)
STORED = "stored_"  # the guest row as it is, read with its mentions (`only_changed`)
_GOLDEN_ROWS_AND_GUESTS = (
    _GOLDEN_ROWS_OF.add_columns(*[c.label(STORED + c.key) for c in _GUEST_TABLE.c])
    .join(_GUEST_TABLE, _GUEST_TABLE.c.id == GuestMention.__table__.c.guest_id)
    .order_by(GuestMention.__table__.c.guest_id, GuestMention.__table__.c.id)
)
# the golden values of many guests at once (one executemany); `guest_row` names the row
_WRITE_GOLDEN = _GUEST_TABLE.update().where(_GUEST_TABLE.c.id == bindparam("guest_row"))
_GUEST_KEYS = select(_GUEST_TABLE.c.id, _GUEST_TABLE.c.public_id, _GUEST_TABLE.c.key_ref).where(
    _GUEST_TABLE.c.id.in_(bindparam("guests", expanding=True))
)


def refresh_golden(
    session: Session,
    opened: Mapping[int, pii.Sensitive] | None = None,
    *,
    guest_ids: Collection[int] | None = None,
    only_changed: bool = False,
) -> int:
    """Survivorship: each attribute from the most trusted, then most recent, mention that has it.
    Sensitive attributes come from the mentions (`opened`: the values this pass already opened, by
    mention id; others are opened here) and are sealed again under the guest's own key.
    `guest_ids` limits the pass to those guests (one guest's record was corrected). `only_changed`
    (online resolution): a guest whose golden values, provenance and status would stay exactly as
    they are is left alone (not sealed again, its `updated_at` kept); returns the guests written."""
    vault = pii.vault_of(session)
    known = opened or {}
    stored: dict[int, Any] = {}  # (only_changed) what each guest holds now
    if guest_ids is None:
        rows = session.execute(_GOLDEN_ROWS).all()
    elif only_changed:
        rows, stored = _split_stored(session.execute(_GOLDEN_ROWS_AND_GUESTS, {"guests": list(guest_ids)}))
    else:
        rows = session.execute(_GOLDEN_ROWS_OF, {"guests": list(guest_ids)}).all()
    closed = [r for r in rows if r.id not in known]
    by_mention = dict(known)
    by_mention.update(zip((r.id for r in closed), pii.open_mentions(vault, closed), strict=True))
    by_guest: dict[int, list[Any]] = {}
    for r in rows:
        clear = by_mention[r.id].as_dict()
        by_guest.setdefault(r.guest_id, []).append(SimpleNamespace(**r._asdict(), **clear))
    if stored:
        keys = _with_keys(vault, {gid: (g.public_id, g.key_ref) for gid, g in stored.items()})
    else:
        keys = _guest_keys(session, vault, list(by_guest))
    values = []
    for guest_id, mention_rows in by_guest.items():
        out = _golden(guest_id, mention_rows)
        public_id, key_ref = keys[guest_id]
        sensitive = pii.Sensitive(**{f: out.pop(MENTION_TO_GUEST.get(f, f)) for f in pii.SEALED_FIELDS})
        if guest_id in stored and _unchanged(vault, stored[guest_id], out, sensitive):
            continue
        row = out | pii.seal_person(vault, key_ref, "guest", public_id, sensitive)
        row["guest_row"] = row.pop("id")
        values.append(row)
    if values:
        session.execute(_WRITE_GOLDEN, values)
    return len(values)


def _split_stored(result: Any) -> tuple[list[Any], dict[int, Any]]:
    """Rows of `_GOLDEN_ROWS_AND_GUESTS` as the mentions' rows and each guest's row as it is."""
    rows: list[Any] = []
    stored: dict[int, Any] = {}
    for r in result:
        values = r._asdict()
        guest = {k[len(STORED) :]: values.pop(k) for k in list(values) if k.startswith(STORED)}
        rows.append(SimpleNamespace(**values, _asdict=values.copy))
        stored.setdefault(r.guest_id, SimpleNamespace(**guest))
    return rows, stored


def _unchanged(vault: Vault, stored: Any, out: dict[str, Any], sensitive: pii.Sensitive) -> bool:
    """Whether writing `out` and `sensitive` would leave the guest row `stored` as it is (but for its
    `updated_at` and the sealed values' fresh nonces)."""
    if stored.key_ref is None:  # a new guest: it gets its data key and sealed values now
        return False
    if any(getattr(stored, k) != v for k, v in out.items() if k not in ("id", "updated_at")):
        return False
    born = sensitive.birth_date
    indexes = {
        "phone_bidx": pii.index(vault, "phone", sensitive.phone),
        "phone_tail_bidx": pii.index(vault, "phone_tail", sensitive.phone),
        "email_bidx": pii.index(vault, "email", sensitive.email),
        "id_number_bidx": pii.index(vault, "id_number", sensitive.id_number),
        "birth_month": born.month if born else None,
        "birth_day": born.day if born else None,
    }
    if any(getattr(stored, k) != v for k, v in indexes.items()):
        return False
    return pii.open_person(vault, "guest", stored.public_id, stored) == sensitive


def _guest_keys(session: Session, vault: Vault, guest_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(public id, key ref) per guest; guests without a data key get one now."""
    found: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(guest_ids), 900):
        rows = session.execute(_GUEST_KEYS, {"guests": guest_ids[start : start + 900]})
        found.update({gid: (public, ref) for gid, public, ref in rows})
    return _with_keys(vault, found)


def _with_keys(vault: Vault, found: dict[int, tuple[str, str | None]]) -> dict[int, tuple[str, str]]:
    """(public id, key ref) per guest, a new data key for each guest that has none."""
    missing = [gid for gid, (_public, ref) in found.items() if ref is None]
    fresh = dict(zip(missing, vault.new_guest_keys(len(missing)), strict=True)) if missing else {}
    return {gid: (public, ref or fresh[gid]) for gid, (public, ref) in found.items()}


def _has_han(name: str | None) -> bool:
    return bool(name) and any("\u4e00" <= ch <= "\u9fff" for ch in name or "")


def _golden(guest_id: int, rows: list[Any]) -> dict[str, Any]:
    # most trusted source first, then the newest; the record id breaks ties the same way on every database
    ranked = sorted(
        rows, key=lambda r: (r.trust_rank, -(r.seen_at.timestamp() if r.seen_at else 0), -r.source_record_id)
    )
    # for names, among equally trusted sources the name as written in Han characters (as on the ID card)
    named = sorted(
        [r for r in ranked if not r.surname_only] or ranked,
        key=lambda r: (r.trust_rank, not _has_han(r.full_name)),
    )
    out: dict[str, Any] = {
        "id": guest_id,
        "status": GuestStatus.ACTIVE,
        "merged_into_id": None,
        "updated_at": datetime.now(UTC),
    }
    provenance: dict[str, int] = {}
    for attr in GOLDEN:
        pool = named if attr in ("full_name", "family_name", "given_name", "name_pinyin") else ranked
        source = next((r for r in pool if getattr(r, attr) is not None), None)
        out[MENTION_TO_GUEST.get(attr, attr)] = getattr(source, attr) if source else None
        if source is not None:
            provenance[attr] = source.source_record_id
    out["provenance"] = provenance
    return out


def _scoped_link_statements() -> list[Any]:
    """Linking the records `ids` (online resolution), as Core statements built once."""
    tables = (GuestMention, SourceRecord, Stay, StayGuest, Charge)
    m, r, st, sg, ch = (cast(Table, t.__table__) for t in tables)
    ids: Any = bindparam("ids", expanding=True)
    primary = (
        select(m.c.guest_id)
        .where(m.c.source_record_id == r.c.id, m.c.person_index == 0, m.c.guest_id.is_not(None))
        .scalar_subquery()
    )
    stays = select(st.c.id).where(st.c.source_record_id.in_(ids))
    links = (
        select(st.c.id, m.c.guest_id, m.c.role)
        .join(m, m.c.source_record_id == st.c.source_record_id)
        .where(m.c.guest_id.is_not(None), st.c.source_record_id.in_(ids))
        .distinct()
    )
    first_guest = stay_primary_guest(ch.c.stay_id)
    return [
        r.update().where(r.c.id.in_(ids), exists(primary.element)).values(guest_id=primary),
        sg.delete().where(sg.c.stay_id.in_(stays)),
        sg.insert().from_select(["stay_id", "guest_id", "role"], links),
        ch.update().where(ch.c.stay_id.in_(stays)).values(guest_id=first_guest),
    ]


_SCOPED_LINKS = _scoped_link_statements()


def link_records_and_stays(
    session: Session, record_ids: Collection[int] | None = None, *, stays: bool = True
) -> None:
    """Point source records, stays and folio lines at the guests their mentions resolved to: all of
    them, or those of the source records `record_ids` (online resolution of one import); with
    `stays` False (the caller knows none of those records carries a stay) only the records."""
    if record_ids is not None:
        wanted = sorted(record_ids)
        statements = _SCOPED_LINKS if stays else _SCOPED_LINKS[:1]
        for start in range(0, len(wanted), 500):
            for statement in statements:
                session.execute(statement, {"ids": wanted[start : start + 500]})
        return
    primary_rows = select(GuestMention.source_record_id, GuestMention.guest_id).where(
        GuestMention.person_index == 0, GuestMention.guest_id.is_not(None)
    )
    primary = session.execute(primary_rows).all()
    if primary:
        session.execute(update(SourceRecord), [{"id": rid, "guest_id": gid} for rid, gid in primary])
    links = (
        select(Stay.id, GuestMention.guest_id, GuestMention.role)
        .join(GuestMention, GuestMention.source_record_id == Stay.source_record_id)
        .where(GuestMention.guest_id.is_not(None))
        .distinct()
    )
    first_guest = stay_primary_guest(Charge.stay_id)
    session.execute(delete(StayGuest))
    session.execute(insert(StayGuest).from_select(["stay_id", "guest_id", "role"], links))
    session.execute(update(Charge).where(Charge.stay_id.is_not(None)).values(guest_id=first_guest))
