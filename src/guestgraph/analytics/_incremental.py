"""What an incremental refresh recomputes: the guests whose stays, folio lines, complaints, manual tags
or merges changed since the last refresh, found from high-water marks the last refresh stored.

Each refresh stores (`analytics_run.marks`) the highest row ids of the tables that grow, and the lowest
id of the records still waiting for identity resolution (a later resolve pass links them to guests,
which changes those guests' facts). The next incremental run takes as changed:

- guests linked to records past either mark (new records, new versions of old ones, records the last
  refresh saw unlinked), and the guests on the stays and folio lines those records carry;
- guests on new stays and folio lines, on stays updated since (a stay whose folio line was replaced by
  a newer version is marked updated by the import: the line may have gone to another stay), with new
  complaints or staff tags (or tags retired since);
- both sides of every merge or unmerge since; new guests.

Ids are taken with a margin (`Margins`): a row inserted by a transaction still open at the last refresh
has a lower id than rows it could see. Re-computing a few guests too many costs little; missing one
would leave its figures stale until the next full refresh, so the margins err on the generous side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    CompoundSelect,
    Connection,
    MetaData,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
    union,
)

from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMention,
    GuestMerge,
    GuestTag,
    Interaction,
    SourceRecord,
    Stay,
    StayGuest,
)

GROWING: dict[str, Any] = {
    "source_record": SourceRecord,
    "stay": Stay,
    "charge": Charge,
    "interaction": Interaction,
    "guest_tag": GuestTag,
    "guest_merge": GuestMerge,
    "guest": Guest,
}


@dataclass(frozen=True)
class Margins:
    ids: int = 2000  # rows an import chunk still open at the last refresh may hold
    time: timedelta = timedelta(minutes=2)  # for retirements and undone merges, which are updates


def current_marks(conn: Connection, now: datetime) -> dict[str, Any]:
    """What this refresh has seen, for the next incremental run."""
    marks: dict[str, Any] = {
        name: int(conn.scalar(select(func.max(model.id))) or 0) for name, model in GROWING.items()
    }
    unlinked = select(func.min(GuestMention.source_record_id)).where(GuestMention.guest_id.is_(None))
    marks["unlinked_record"] = conn.scalar(unlinked)
    marks["at"] = now.isoformat()
    return marks


def _first_record(marks: dict[str, Any], margins: Margins) -> int:
    first_record = int(marks.get("source_record") or 0) - margins.ids
    if marks.get("unlinked_record") is not None:
        first_record = min(first_record, int(marks["unlinked_record"]) - 1)
    return first_record


def changed_days(marks: dict[str, Any], margins: Margins) -> CompoundSelect[Any]:
    """The arrival days whose dashboard roll-up to rebuild: of new or re-imported stays, of stays
    updated since the last refresh, and of the stays new folio lines were posted to; and the day each
    of those stays was counted under until now (`stay.rollup_day`), which differs from its arrival when
    a newer version or the front desk moved it. A day is rebuilt whole (every hotel and channel), so a
    stay cancelled, marked no-show, moved to another channel or lengthened on its day needs nothing
    more; one moved to another hotel is a new stay (hotel and confirmation number are its key), and
    an erasure keeps the stays (dates, hotel, amounts) for accounting. Stays are never deleted; a folio
    line replaced by its newer version (which may name another stay) marks its old stay updated."""
    first_record = _first_record(marks, margins)
    stays = Stay.id.in_(_changed_stays(marks, margins))
    charges = or_(
        Charge.id > int(marks.get("charge") or 0) - margins.ids, Charge.source_record_id > first_record
    )
    return union(
        select(Stay.arrival).where(stays),
        select(Stay.rollup_day).where(stays, Stay.rollup_day != Stay.arrival),
        select(Stay.arrival).where(Stay.id.in_(select(Charge.stay_id).where(charges))),
    )


def _changed_stays(marks: dict[str, Any], margins: Margins) -> CompoundSelect[Any]:
    """The ids of the stays new, re-imported or updated since the last refresh: one index range per
    kind of change, united (as one OR, SQLite read every stay: 0.2 s at 800k stays, and joined to
    stay_guest it scanned every link)."""
    since = datetime.fromisoformat(str(marks["at"])) - margins.time
    return union(
        select(Stay.id).where(Stay.id > int(marks.get("stay") or 0) - margins.ids),
        select(Stay.id).where(Stay.source_record_id > _first_record(marks, margins)),
        select(Stay.id).where(Stay.updated_at >= since),
    )


def changed_guests(marks: dict[str, Any], margins: Margins) -> CompoundSelect[Any]:
    """The ids of the guests to recompute from their stays (see the module docstring)."""

    def past(name: str) -> int:
        return int(marks.get(name) or 0) - margins.ids

    since = datetime.fromisoformat(str(marks["at"])) - margins.time
    first_record = _first_record(marks, margins)
    records = SourceRecord.id > first_record
    charges = or_(Charge.id > past("charge"), Charge.source_record_id > first_record)
    manual = and_(
        GuestTag.kind == "manual", or_(GuestTag.id > past("guest_tag"), GuestTag.retired_at >= since)
    )
    merges = or_(GuestMerge.id > past("guest_merge"), GuestMerge.undone_at >= since)
    return union(
        select(SourceRecord.guest_id).where(records, SourceRecord.guest_id.is_not(None)),
        select(StayGuest.guest_id).where(StayGuest.stay_id.in_(_changed_stays(marks, margins))),
        select(Charge.guest_id).where(charges, Charge.guest_id.is_not(None)),
        select(Interaction.guest_id).where(Interaction.id > past("interaction")),
        select(GuestTag.guest_id).where(manual),
        select(GuestMerge.survivor_id).where(merges),
        select(GuestMerge.merged_id).where(merges),
        select(Guest.id).where(Guest.id > past("guest")),
    )


def guest_set(conn: Connection, name: str, rows: Any) -> Table:
    """A temporary table of guest ids (dropped by the caller), filled from a SELECT."""
    table = Table(name, MetaData(), Column("guest_id", BigInteger, primary_key=True), prefixes=["TEMPORARY"])
    table.create(conn)
    found = rows.subquery()
    conn.execute(insert(table).from_select(["guest_id"], select(found.c[0]).distinct()))
    return table
