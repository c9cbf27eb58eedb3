"""Merge and unmerge, as a data steward does them: "these two guests are one person" and "this merge
was wrong". Both are steward decisions that every later resolve pass honours (the pairs of mentions
are recorded as accepted or rejected, like review-queue decisions), applied at once by a resolve pass.

Every merge (by a pass or a steward) is kept in `guest_merge` with the mentions the merged guest held,
so an unmerge gives those mentions back to the merged guest's own, unchanged ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from guestgraph import audit, changes, pii
from guestgraph.access import DataScope, guest_visible
from guestgraph.db.models import (
    ChangeKind,
    Guest,
    GuestMention,
    GuestMerge,
    GuestStatus,
    MatchReview,
    SourceRecord,
)
from guestgraph.errors import Conflict, GuestNotFound, InvalidInput, NotFound
from guestgraph.identity._probabilistic import MatchSettings
from guestgraph.identity._resolve import SEALED_COLUMNS, mention_key
from guestgraph.identity._service import ResolveSummary, resolve_all
from guestgraph.profiles import visible_guest


class MergeNotFound(NotFound):
    code = "merge_not_found"


@dataclass(frozen=True)
class MergeLine:
    """One merge: `merged` became an alias of `survivor` (and, if undone, when and why)."""

    id: int
    survivor_public_id: str
    merged_public_id: str
    rule: str | None  # the rule or "model" that joined them in a pass, or "steward"
    merged_at: datetime
    decided_by: str | None
    reason: str | None
    records: int  # mentions the merged guest held
    undone_at: datetime | None
    undone_by: str | None
    undo_reason: str | None


@dataclass(frozen=True)
class MergeOutcome:
    merge: MergeLine
    resolve: ResolveSummary


def merge_history(session: Session, guest_id: int) -> list[MergeLine]:
    """Merges into this guest and out of it, newest first."""
    survivor, merged = aliased(Guest), aliased(Guest)
    rows = session.execute(
        select(GuestMerge, survivor.public_id, merged.public_id)
        .join(survivor, survivor.id == GuestMerge.survivor_id)
        .join(merged, merged.id == GuestMerge.merged_id)
        .where(or_(GuestMerge.survivor_id == guest_id, GuestMerge.merged_id == guest_id))
        .order_by(GuestMerge.merged_at.desc(), GuestMerge.id.desc())
    ).all()
    return [_line(m, s, g) for m, s, g in rows]


def guest_merges(session: Session, *, scope: DataScope, public_id: str) -> list[MergeLine]:
    """The merge history of a guest in scope (an alias ID gives its survivor's)."""
    return merge_history(session, visible_guest(session, scope, public_id).id)


def merge_guests(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    guest_public_id: str,
    other_public_id: str,
    decided_by: str,
    reason: str,
    matching: MatchSettings | None = None,
) -> MergeOutcome:
    """Merge two guests a steward knows are one person; the older guest ID survives, the other
    becomes its alias. Refused when their records carry two different ID numbers of one kind."""
    reason = _reason(reason)
    with factory.begin() as session:
        one = _active(session, scope, guest_public_id)
        two = _active(session, scope, other_public_id)
        if one.id == two.id:
            raise InvalidInput("A guest cannot be merged with itself.", hint="Give the other guest's ID.")
        keys_one, keys_two = _keys(session, [one.id]), _keys(session, [two.id])
        if not keys_one or not keys_two:
            raise Conflict(
                "Only guests that come from source records can be merged.",
                hint="Import or register the guest's records first.",
            )
        _refuse_two_documents(session, one, two)
        first = sorted(keys_one.values())[0]
        _decide(
            session,
            [(first, k) for k in keys_two.values()],
            {first: one.id} | dict.fromkeys(keys_two.values(), two.id),
            "accepted",
            decided_by,
            reason,
        )
    summary = resolve_all(factory, matching=matching)
    with factory.begin() as session:
        row = session.scalar(
            select(GuestMerge)
            .where(
                GuestMerge.undone_at.is_(None),
                or_(
                    and_(GuestMerge.survivor_id == one.id, GuestMerge.merged_id == two.id),
                    and_(GuestMerge.survivor_id == two.id, GuestMerge.merged_id == one.id),
                ),
            )
            .order_by(GuestMerge.id.desc())
            .limit(1)
        )
        if row is None:
            raise Conflict(
                f"Guests {guest_public_id} and {other_public_id} could not be merged: their records "
                "conflict (two different ID numbers or birth dates).",
                hint="Check both profiles; if they really are one person, correct the source records.",
            )
        row.rule, row.decided_by, row.reason = "steward", decided_by[:100], reason
        line = _line(row, *_public_ids(session, row))
        audit.log_event(
            session,
            "guest.merge",
            guest_public_id=line.survivor_public_id,
            object_type="guest",
            object_id=line.merged_public_id,
            details={"records": line.records},
        )
    return MergeOutcome(line, summary)


def unmerge_guest(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    merged_public_id: str,
    decided_by: str,
    reason: str,
    matching: MatchSettings | None = None,
) -> MergeOutcome:
    """Undo the latest merge of this (alias) guest ID: the mentions it held go back to it, it is a
    guest of its own again, and no later pass joins the two again (steward decision)."""
    reason = _reason(reason)
    with factory.begin() as session:
        merged = session.scalar(select(Guest).where(Guest.public_id == merged_public_id))
        merge = None
        if merged is not None and merged.status is GuestStatus.MERGED:
            merge = session.scalar(
                select(GuestMerge)
                .where(GuestMerge.merged_id == merged.id, GuestMerge.undone_at.is_(None))
                .order_by(GuestMerge.id.desc())
                .limit(1)
            )
        survivor = session.get(Guest, merge.survivor_id) if merge is not None else None
        if merged is None or merge is None or survivor is None or not _visible(session, scope, survivor):
            raise MergeNotFound(
                f"No merge of guest {merged_public_id!r} to undo in your data scope.",
                hint="Open the surviving guest's profile: its merge history lists what can be undone "
                "(merges made before revision 0022 were not recorded and cannot be undone).",
            )
        if survivor.status is not GuestStatus.ACTIVE:
            raise Conflict(
                f"Guest {survivor.public_id} has itself been merged or erased since.",
                hint="Undo the later merge first.",
            )
        held = set(merge.mention_keys)
        now_with = _keys(session, [survivor.id])
        back = {mid: k for mid, k in now_with.items() if k in held}
        stays = {mid: k for mid, k in now_with.items() if k not in held}
        if not back or not stays:
            raise Conflict(
                f"The records guest {merged_public_id} held are no longer with {survivor.public_id}.",
                hint="They may have been superseded or erased; split the guest by a review decision.",
            )
        merged.status, merged.merged_into_id = GuestStatus.ACTIVE, None
        session.execute(
            update(GuestMention), [{"id": mid, "guest_id": merged.id, "link_rule": "steward"} for mid in back]
        )
        guests = dict.fromkeys(back.values(), merged.id) | dict.fromkeys(stays.values(), survivor.id)
        pairs = [(a, b) for a in sorted(set(back.values())) for b in sorted(set(stays.values()))]
        _decide(session, pairs, guests, "rejected", decided_by, reason)
        merge.undone_at, merge.undone_by, merge.undo_reason = datetime.now(UTC), decided_by[:100], reason
        changes.record_many(session, ChangeKind.UNMERGED, [(merged.id, survivor.id)])
        line = _line(merge, survivor.public_id, merged.public_id)
        audit.log_event(
            session,
            "guest.unmerge",
            guest_public_id=survivor.public_id,
            object_type="guest",
            object_id=merged.public_id,
            details={"records": len(back)},
        )
    return MergeOutcome(line, resolve_all(factory, matching=matching))


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            "A merge or unmerge needs a reason.", hint="Say why, e.g. 'same passport on both cards'."
        )
    return text[:500]


def _visible(session: Session, scope: DataScope, guest: Guest) -> bool:
    query = select(func.count()).select_from(Guest).where(Guest.id == guest.id, guest_visible(scope))
    return bool(session.scalar(query))


def _active(session: Session, scope: DataScope, public_id: str) -> Guest:
    guest = session.scalar(select(Guest).where(Guest.public_id == public_id))
    if guest is None or guest.status is not GuestStatus.ACTIVE or not _visible(session, scope, guest):
        raise GuestNotFound(
            f"No guest {public_id!r} in your data scope.", hint="Search for the guest and use its ID."
        )
    return guest


def _keys(session: Session, guest_ids: Iterable[int]) -> dict[int, str]:
    """Mention id -> the key that names the mention across new versions of its record."""
    rows = session.execute(
        select(
            GuestMention.id,
            GuestMention.source_system_id,
            GuestMention.person_index,
            SourceRecord.external_id,
        )
        .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
        .where(GuestMention.guest_id.in_(list(guest_ids)))
    )
    return {mid: mention_key(system, person, external) for mid, system, person, external in rows}


def _refuse_two_documents(session: Session, one: Guest, two: Guest) -> None:
    rows = session.execute(
        select(
            GuestMention.guest_id,
            GuestMention.id_type,
            GuestMention.source_record_id,
            GuestMention.person_index,
            *[getattr(GuestMention, c) for c in SEALED_COLUMNS],
        ).where(GuestMention.guest_id.in_([one.id, two.id]), GuestMention.id_type.is_not(None))
    ).all()
    seen: dict[str, set[str]] = {}
    for r, opened in zip(rows, pii.open_mentions(pii.vault_of(session), rows), strict=True):
        if r.id_type and opened.id_number:
            seen.setdefault(r.id_type, set()).add(opened.id_number)
    if any(len(numbers) > 1 for numbers in seen.values()):
        raise Conflict(
            f"Guests {one.public_id} and {two.public_id} carry two different ID numbers of one kind: "
            "they are different people.",
            hint="If a number was typed wrongly, correct the source record, then merge.",
        )


def _decide(
    session: Session,
    pairs: list[tuple[str, str]],
    guests: dict[str, int],
    status: str,
    decided_by: str,
    reason: str,
) -> None:
    """Record steward decisions on mention pairs (an earlier decision on a pair is replaced)."""
    now = datetime.now(UTC)
    wanted = {(min(a, b), max(a, b)) for a, b in pairs if a != b}
    existing: dict[tuple[str, str], MatchReview] = {}
    keys = sorted({k for p in wanted for k in p})
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        for row in session.scalars(
            select(MatchReview).where(MatchReview.left_key.in_(chunk), MatchReview.right_key.in_(keys))
        ):
            existing[(min(row.left_key, row.right_key), max(row.left_key, row.right_key))] = row
    for left, right in sorted(wanted):
        found = existing.get((left, right))
        if found is None:
            row = MatchReview(
                left_key=left,
                right_key=right,
                match_weight=0.0,
                match_probability=0.0,
                contributions={},
                model_version=None,
            )
            session.add(row)
        else:
            row = found
        row.left_guest_id, row.right_guest_id = guests.get(row.left_key), guests.get(row.right_key)
        row.status, row.decided_by, row.reason, row.decided_at = status, decided_by[:100], reason, now
    session.flush()


def _public_ids(session: Session, merge: GuestMerge) -> tuple[str, str]:
    survivor = session.scalar(select(Guest.public_id).where(Guest.id == merge.survivor_id))
    merged = session.scalar(select(Guest.public_id).where(Guest.id == merge.merged_id))
    return survivor or "", merged or ""


def _line(m: GuestMerge, survivor: str, merged: str) -> MergeLine:
    return MergeLine(
        m.id,
        survivor,
        merged,
        m.rule,
        m.merged_at,
        m.decided_by,
        m.reason,
        len(m.mention_keys or []),
        m.undone_at,
        m.undone_by,
        m.undo_reason,
    )
