"""The consent ledger: append-only entries per guest, purpose and channel; the latest is in force.

`may_use` is what the rest of the product asks before using a guest's data for a purpose, and
`consent_granted` is the same question for a whole segment as one WHERE clause. No entry means
"unknown", never "granted".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import Consent, ConsentDecision, Guest, GuestStatus
from guestgraph.errors import GuestNotFound
from guestgraph.privacy._guests import aware, family
from guestgraph.privacy._vocabulary import Answer, Channel, LawfulBasis, Purpose, check_basis, check_topic


@dataclass(frozen=True)
class ConsentAnswer:
    answer: Answer
    reason: str
    entry_id: int | None = None
    recorded_at: datetime | None = None

    @property
    def granted(self) -> bool:
        return self.answer == "granted"


@dataclass(frozen=True)
class ConsentInput:
    """One decision as the guest gave it, with where it came from and what proves it."""

    purpose: Purpose
    channel: Channel
    decision: ConsentDecision
    source: str  # staff_ui, front_desk, api, import:<system>
    lawful_basis: LawfulBasis = LawfulBasis.CONSENT
    notice_version: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class ConsentRow:
    id: int
    purpose: str
    channel: str
    decision: str
    lawful_basis: str
    source: str | None
    notice_version: str | None
    evidence: str | None
    recorded_at: datetime
    recorded_by_id: int | None
    source_record_id: int | None


def _row(c: Consent) -> ConsentRow:
    return ConsentRow(
        c.id,
        c.purpose,
        c.channel,
        c.decision.value,
        c.lawful_basis,
        c.source,
        c.notice_version,
        c.evidence,
        aware(c.recorded_at),
        c.recorded_by_id,
        c.source_record_id,
    )


def may_use(
    session: Session, guest_id: int, purpose: Purpose, channel: Channel, *, now: datetime
) -> ConsentAnswer:
    """May we use this guest's data for `purpose` over `channel` at `now`? Granted only by an entry."""
    check_topic(purpose, channel)
    guest = session.get(Guest, guest_id)
    if guest is None:
        raise GuestNotFound(f"No guest with id {guest_id}.", hint="Pass the guest's database id.")
    if guest.status is GuestStatus.MERGED and guest.merged_into_id is not None:
        return may_use(session, guest.merged_into_id, purpose, channel, now=now)
    if guest.status is GuestStatus.ERASED:
        return ConsentAnswer("denied", "the guest's data was erased")
    latest = session.scalar(
        select(Consent)
        .where(
            Consent.guest_id.in_(family(session, guest.id)),
            Consent.purpose == purpose.value,
            Consent.channel == channel.value,
            Consent.recorded_at <= now,
        )
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1)
    )
    if latest is None:
        return ConsentAnswer("unknown", "no consent recorded: treat as not granted")
    when = aware(latest.recorded_at)
    if latest.decision is ConsentDecision.GRANTED:
        return ConsentAnswer("granted", f"granted {when:%Y-%m-%d} ({latest.source})", latest.id, when)
    return ConsentAnswer("denied", f"withdrawn {when:%Y-%m-%d} ({latest.source})", latest.id, when)


def consent_answers(
    session: Session, guest_ids: Sequence[int], purpose: Purpose, channel: Channel, *, now: datetime
) -> dict[int, Answer]:
    """`may_use` for many active guests at once (a sender's batch): "granted" or "denied" per guest
    with an entry in force (theirs or one of a guest merged into them, the latest recorded at or
    before `now`); a guest with none is absent: unknown, never granted. Two queries (plus one per
    level of merging)."""
    check_topic(purpose, channel)
    if not guest_ids:
        return {}
    root = {g: g for g in guest_ids}  # each id of the family -> the guest it answers for
    frontier = set(guest_ids)
    while frontier:  # as `family_of`, keeping who was merged into whom
        found = session.execute(
            select(Guest.id, Guest.merged_into_id).where(Guest.merged_into_id.in_(frontier))
        )
        frontier = set()
        for child, parent in found:
            if child not in root and parent is not None:
                root[child] = root[parent]
                frontier.add(child)
    latest: dict[int, tuple[datetime, int, ConsentDecision]] = {}
    rows = session.execute(
        select(Consent.guest_id, Consent.recorded_at, Consent.id, Consent.decision).where(
            Consent.guest_id.in_(list(root)),
            Consent.purpose == purpose.value,
            Consent.channel == channel.value,
            Consent.recorded_at <= now,
        )
    )
    for guest_id, recorded_at, entry_id, decision in rows:
        who, key = root[guest_id], (aware(recorded_at), entry_id)
        if who not in latest or key > latest[who][:2]:
            latest[who] = (*key, decision)
    return {g: ("granted" if d is ConsentDecision.GRANTED else "denied") for g, (_, _, d) in latest.items()}


def consented_guest_ids(purpose: Purpose, channel: Channel, *, now: datetime) -> Select[tuple[int]]:
    """The ids of guests whose latest entry for purpose x channel (merged IDs included) is a grant."""
    check_topic(purpose, channel)
    owner = func.coalesce(Guest.merged_into_id, Guest.id)
    ranked = (
        select(
            owner.label("guest_id"),
            Consent.decision.label("decision"),
            func.row_number()
            .over(partition_by=owner, order_by=(Consent.recorded_at.desc(), Consent.id.desc()))
            .label("rank"),
        )
        .join(Guest, Guest.id == Consent.guest_id)
        .where(Consent.purpose == purpose.value, Consent.channel == channel.value, Consent.recorded_at <= now)
        .subquery()
    )
    return select(ranked.c.guest_id).where(ranked.c.rank == 1, ranked.c.decision == ConsentDecision.GRANTED)


def consent_granted(purpose: Purpose, channel: Channel, *, now: datetime) -> ColumnElement[bool]:
    """A WHERE clause on `Guest` for segments and exports: active guests with consent in force."""
    return and_(
        Guest.status == GuestStatus.ACTIVE, Guest.id.in_(consented_guest_ids(purpose, channel, now=now))
    )


def record_consent(
    session: Session,
    *,
    guest_id: int,
    entry: ConsentInput,
    recorded_by_id: int | None,
    now: datetime,
    source_record_id: int | None = None,
) -> ConsentRow:
    """Append one entry; it is in force from `now` (a withdrawal at once)."""
    check_topic(entry.purpose, entry.channel)
    if entry.decision is ConsentDecision.GRANTED:
        check_basis(entry.purpose, entry.lawful_basis)
    row = Consent(
        guest_id=guest_id,
        purpose=entry.purpose.value,
        channel=entry.channel.value,
        decision=entry.decision,
        lawful_basis=entry.lawful_basis.value,
        source=entry.source[:60],
        notice_version=entry.notice_version,
        evidence=entry.evidence,
        recorded_by_id=recorded_by_id,
        source_record_id=source_record_id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return _row(row)


def withdraw_all(
    session: Session,
    *,
    guest_id: int,
    source: str,
    recorded_by_id: int | None,
    now: datetime,
    evidence: str | None,
) -> list[ConsentRow]:
    """One action: every purpose x channel currently granted becomes withdrawn, from `now`."""
    withdrawn = []
    for entry in current_consents(session, guest_id=guest_id, now=now):
        if entry.decision == ConsentDecision.GRANTED.value:
            spec = ConsentInput(
                Purpose(entry.purpose),
                Channel(entry.channel),
                ConsentDecision.WITHDRAWN,
                source,
                evidence=evidence,
            )
            withdrawn.append(
                record_consent(session, guest_id=guest_id, entry=spec, recorded_by_id=recorded_by_id, now=now)
            )
    return withdrawn


def consent_history(session: Session, *, guest_id: int) -> list[ConsentRow]:
    """Every entry of the guest (and its merged IDs), newest first."""
    rows = session.scalars(
        select(Consent)
        .where(Consent.guest_id.in_(family(session, guest_id)))
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    )
    return [_row(c) for c in rows]


def current_consents(session: Session, *, guest_id: int, now: datetime) -> list[ConsentRow]:
    """The entry in force per purpose x channel (only those with an entry: the rest are unknown)."""
    latest: dict[tuple[str, str], ConsentRow] = {}
    for row in consent_history(session, guest_id=guest_id):
        if row.recorded_at <= now:
            latest.setdefault((row.purpose, row.channel), row)
    return sorted(latest.values(), key=lambda r: (r.purpose, r.channel))
