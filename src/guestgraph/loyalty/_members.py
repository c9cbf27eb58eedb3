"""Members: a guest's membership of a scheme, with a number unique in the scheme and a tier.

Members come from the loyalty system's numbers (`sync_members`: every golden guest's
`loyalty_number` becomes a member of each scheme marked `golden_number`, its tier from the label the
loyalty system sent, set-based) or from staff (`enrol_member`). Every new membership records its
first tier in the tier history."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, func, insert, literal, select, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Guest,
    GuestStatus,
    LoyaltyMember,
    LoyaltyScheme,
    LoyaltyTier,
    LoyaltyTierChange,
    MemberStatus,
)
from guestgraph.errors import GuestNotFound, InvalidInput
from guestgraph.loyalty._errors import AlreadyMember, MemberNotFound, SchemeNotFound
from guestgraph.loyalty._schemes import load_scheme, scheme_visible
from guestgraph.loyalty._sql import count_inserted
from guestgraph.profiles import visible_guest

NUMBER = re.compile(r"[A-Z0-9]{4,40}")
ANALYZE_AFTER = 1_000  # members added at once


def normalise_number(text: str) -> str:
    """A member number as stored: no spaces or dashes, upper case."""
    return re.sub(r"[\s-]", "", text).upper()


def _insert(session: Session, model: type) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _entry_tier(session: Session, scheme_id: int) -> int:
    tier = session.scalar(
        select(LoyaltyTier.id).where(LoyaltyTier.scheme_id == scheme_id, LoyaltyTier.rank == 0)
    )
    assert tier is not None  # noqa: S101 (a saved scheme always has its entry tier)
    return tier


def record_first_tiers(session: Session, *, now: datetime, source: str, reason: str) -> int:
    """A tier history row ('initial') for each membership this call made (from `source`, at `now`),
    set-based. Selected by their creation, not by an anti-join on the history: PostgreSQL re-scanned
    the growing history table per member when its statistics said it was empty."""
    m = LoyaltyMember
    rows = select(m.id, m.tier_id, literal("initial"), literal(reason), literal(now)).where(
        m.created_at == now, m.source == source, m.tier_id.is_not(None)
    )
    return count_inserted(
        session,
        insert(LoyaltyTierChange).from_select(
            ["member_id", "to_tier_id", "direction", "reason", "changed_at"], rows
        ),
    )


def sync_members(session: Session, *, now: datetime) -> int:
    """Make every active guest's golden loyalty number a member of each `golden_number` scheme (the
    guest with the lowest id when two hold one number); returns how many memberships were added."""
    added = 0
    for scheme in session.scalars(select(LoyaltyScheme).where(LoyaltyScheme.golden_number)):
        tiers = list(session.scalars(select(LoyaltyTier).where(LoyaltyTier.scheme_id == scheme.id)))
        label = func.lower(func.trim(Guest.loyalty_tier))
        mapped = [(label.in_(t.labels), t.id) for t in tiers if t.labels]
        tier = (
            case(*mapped, else_=_entry_tier(session, scheme.id))
            if mapped
            else literal(_entry_tier(session, scheme.id))
        )
        number = func.upper(func.trim(Guest.loyalty_number))
        first = (
            select(number.label("number"), func.min(Guest.id).label("gid"))
            .where(
                Guest.status == GuestStatus.ACTIVE,
                Guest.loyalty_number.is_not(None),
                func.trim(Guest.loyalty_number) != "",
            )
            .group_by(number)
            .subquery()
        )
        rows = (
            select(
                literal(scheme.id),
                Guest.id,
                first.c.number,
                tier,
                literal(MemberStatus.ACTIVE.value),
                literal("golden", String),
                literal(now),
                literal(now),
                literal(now),
                literal(now),
            )  # fmt: skip
            .join(first, first.c.gid == Guest.id)
            .where(true())  # numbers that are members already are left to ON CONFLICT: an anti-join here
        )  # re-scanned the table being filled, per row, on PostgreSQL
        statement = (
            _insert(session, LoyaltyMember)
            .from_select(
                [
                    "scheme_id",
                    "guest_id",
                    "member_number",
                    "tier_id",
                    "status",
                    "source",
                    "enrolled_at",
                    "tier_since",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=["scheme_id", "member_number"])
        )
        added += count_inserted(session, statement)
    if added:  # (a call that adds nothing adds no history either)
        record_first_tiers(session, now=now, source="golden", reason="from the loyalty system")
    if added >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        # fresh statistics, so the accrual that follows joins the members by index, not by nested scans
        session.execute(text("ANALYZE loyalty_member"))
    return added


@dataclass(frozen=True)
class Enrolled:
    scheme: str
    member_number: str
    guest_public_id: str


def enrol_member(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    scheme_code: str,
    number: str | None,
    staff_id: int | None,
    now: datetime,
) -> Enrolled:
    """Staff enrol a guest in their scope in a scheme (a number given, or a new one); audited."""
    guest = visible_guest(session, scope, public_id)
    scheme = load_scheme(session, scheme_code)
    if (
        session.scalar(select(LoyaltyScheme.id).where(LoyaltyScheme.id == scheme.id, scheme_visible(scope)))
        is None
    ):
        raise SchemeNotFound(  # the same answer as an unknown scheme
            f"No loyalty scheme {scheme_code!r}.", hint="See the schemes on the Loyalty page."
        )
    wanted = normalise_number(number or "") or f"{scheme.code}{secrets.randbelow(10**10):010d}"
    if not NUMBER.fullmatch(wanted):
        raise InvalidInput(
            f"Member number {number!r} is not valid.",
            hint="4 to 40 letters and digits (spaces and dashes are ignored).",
        )
    taken = session.scalar(
        select(LoyaltyMember.id).where(
            LoyaltyMember.scheme_id == scheme.id, LoyaltyMember.member_number == wanted
        )
    )
    if taken is not None:
        raise AlreadyMember(
            f"Member number {wanted} is taken in {scheme.code}.", hint="Check the number, or leave it empty."
        )
    session.add(
        LoyaltyMember(
            scheme_id=scheme.id,
            guest_id=guest.id,
            member_number=wanted,
            tier_id=_entry_tier(session, scheme.id),
            status=MemberStatus.ACTIVE,
            source="staff",
            enrolled_at=now,
            tier_since=now,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
    )
    session.flush()
    record_first_tiers(session, now=now, source="staff", reason="enrolled by staff")
    audit.log_event(
        session,
        "loyalty.enrol",
        guest_public_id=guest.public_id,
        object_type="loyalty_member",
        object_id=f"{scheme.code}:{wanted}",
    )
    return Enrolled(scheme.code, wanted, guest.public_id)


@dataclass(frozen=True)
class MemberHit:
    scheme: str
    member_number: str
    tier_zh: str | None
    tier_en: str | None
    guest_public_id: str


def find_members(session: Session, *, scope: DataScope, number: str) -> list[MemberHit]:
    """Memberships with this number (in any scheme the caller sees) whose guest is in scope; each
    names the guest it belongs to now (a merged guest's survivor). Looked up by number only."""
    wanted = normalise_number(number)
    if not wanted:
        raise MemberNotFound("Type a member number.", hint="Spaces and dashes are ignored.")
    rows = session.execute(
        select(
            LoyaltyScheme.code,
            LoyaltyMember.member_number,
            LoyaltyTier.name_zh,
            LoyaltyTier.name_en,
            Guest.public_id,
        )
        .join(LoyaltyScheme, LoyaltyScheme.id == LoyaltyMember.scheme_id)
        .join(Guest, Guest.id == LoyaltyMember.guest_id)
        .outerjoin(LoyaltyTier, LoyaltyTier.id == LoyaltyMember.tier_id)
        .where(
            LoyaltyMember.member_number == wanted,
            LoyaltyMember.status == MemberStatus.ACTIVE,
            scheme_visible(scope),
        )
        .order_by(LoyaltyScheme.code)
    ).all()
    hits = []
    for code, member_number, tier_zh, tier_en, public_id in rows:
        try:
            guest = visible_guest(session, scope, public_id)
        except GuestNotFound:
            continue
        hits.append(MemberHit(code, member_number, tier_zh, tier_en, guest.public_id))
    if not hits:
        raise MemberNotFound(f"No member {wanted} in your data scope.", hint="Check the number on the card.")
    return hits


def members_of(
    session: Session, guest_ids: list[int], scope: DataScope
) -> list[tuple[LoyaltyMember, LoyaltyScheme, LoyaltyTier | None, str]]:
    """The memberships of these guests (one person's IDs) in schemes the caller sees, oldest first,
    each with the guest ID it was made for."""
    rows = session.execute(
        select(LoyaltyMember, LoyaltyScheme, LoyaltyTier, Guest.public_id)
        .join(LoyaltyScheme, LoyaltyScheme.id == LoyaltyMember.scheme_id)
        .join(Guest, Guest.id == LoyaltyMember.guest_id)
        .outerjoin(LoyaltyTier, LoyaltyTier.id == LoyaltyMember.tier_id)
        .where(
            LoyaltyMember.guest_id.in_(guest_ids),
            and_(LoyaltyMember.status == MemberStatus.ACTIVE, scheme_visible(scope)),
        )
        .order_by(LoyaltyScheme.code, LoyaltyMember.id)
    ).all()
    return [(m, s, t, p) for m, s, t, p in rows]
