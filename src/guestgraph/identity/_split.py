"""Split a guest: a data steward picks the records that belong to another person, and they become a
guest of their own — also where no merge was ever recorded (the records were one cluster from the
first pass). The picked records' mentions move to a new guest, and every pair across the two sides is
recorded as a steward's "different people" decision, which every later resolve pass honours; the
guest keeps its ID with the records left."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import audit, changes
from guestgraph.access import DataScope
from guestgraph.db.models import ChangeKind, Guest, GuestMention
from guestgraph.errors import InvalidInput
from guestgraph.identity._merges import _active, _decide, _keys, _reason
from guestgraph.identity._probabilistic import MatchSettings
from guestgraph.identity._service import ResolveSummary, resolve_all


@dataclass(frozen=True)
class SplitOutcome:
    guest_public_id: str  # keeps the records left
    new_public_id: str  # the records picked
    records: int
    resolve: ResolveSummary


def split_guest(
    factory: sessionmaker[Session],
    *,
    scope: DataScope,
    public_id: str,
    record_keys: list[str],
    decided_by: str,
    reason: str,
    matching: MatchSettings | None = None,
) -> SplitOutcome:
    """Move the mentions named by `record_keys` (the `record_key` of the profile's identities) to a
    new guest and keep them apart from the rest for good; runs a resolve pass."""
    reason = _reason(reason)
    wanted = set(record_keys)
    with factory.begin() as session:
        guest = _active(session, scope, public_id)
        held = _keys(session, [guest.id])
        picked = {mid: key for mid, key in held.items() if key in wanted}
        rest = {mid: key for mid, key in held.items() if key not in wanted}
        unknown = wanted - set(picked.values())
        if unknown or not picked:
            missing = ", ".join(sorted(unknown)) or "(none picked)"
            raise InvalidInput(
                f"Guest {guest.public_id} holds no such record: {missing}.",
                hint="Pick records from the guest's identities list (their record_key).",
            )
        if not rest:
            raise InvalidInput(
                "A split must leave at least one record with the guest.",
                hint="Pick only the records that belong to the other person.",
            )
        new = Guest()
        session.add(new)
        session.flush()
        session.execute(
            update(GuestMention),
            [{"id": mid, "guest_id": new.id, "link_rule": "steward"} for mid in picked],
        )
        sides = dict.fromkeys(picked.values(), new.id) | dict.fromkeys(rest.values(), guest.id)
        pairs = [(a, b) for a in sorted(set(picked.values())) for b in sorted(set(rest.values()))]
        _decide(session, pairs, sides, "rejected", decided_by, reason)
        changes.record_many(session, ChangeKind.SPLIT, [(new.id, guest.id)])
        audit.log_event(
            session,
            "guest.split",
            guest_public_id=guest.public_id,
            object_type="guest",
            object_id=new.public_id,
            details={"records": len(picked)},
        )
        kept, made = guest.public_id, new.public_id
    return SplitOutcome(kept, made, len(picked), resolve_all(factory, matching=matching))
