"""A guest's loyalty as staff see it on the 360° profile and in the API: the memberships (each with
its own tier: one per brand), the pooled balance, the newest ledger entries and tier changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope
from guestgraph.db.models import LoyaltyMember, LoyaltyScheme, LoyaltyTier, LoyaltyTierChange
from guestgraph.loyalty._ledger import EntryLine, balance_of, recent_entries
from guestgraph.loyalty._members import members_of
from guestgraph.loyalty._owners import family
from guestgraph.loyalty._schemes import scheme_visible
from guestgraph.profiles import visible_guest


@dataclass(frozen=True)
class Membership:
    scheme: str
    scheme_zh: str
    scheme_en: str
    member_number: str
    tier: str | None
    tier_zh: str | None
    tier_en: str | None
    tier_since: datetime | None
    enrolled_at: datetime
    via: str | None  # the merged guest ID it was made for, if not this guest's own


@dataclass(frozen=True)
class TierChangeLine:
    changed_at: datetime
    scheme: str
    member_number: str
    direction: str
    from_zh: str | None
    from_en: str | None
    to_zh: str
    to_en: str
    nights: int | None
    spend: Decimal | None
    reason: str


@dataclass(frozen=True)
class GuestLoyalty:
    public_id: str
    memberships: list[Membership]
    balance: int
    entries: list[EntryLine] = field(default_factory=list)
    changes: list[TierChangeLine] = field(default_factory=list)


def _changes(
    session: Session, guest_ids: list[int], scope: DataScope, limit: int = 10
) -> list[TierChangeLine]:
    c, old, new = LoyaltyTierChange, aliased(LoyaltyTier), aliased(LoyaltyTier)
    rows = session.execute(
        select(
            c.changed_at,
            LoyaltyScheme.code,
            LoyaltyMember.member_number,
            c.direction,
            old.name_zh,
            old.name_en,
            new.name_zh,
            new.name_en,
            c.nights,
            c.spend,
            c.reason,
        )  # fmt: skip
        .join(LoyaltyMember, LoyaltyMember.id == c.member_id)
        .join(LoyaltyScheme, LoyaltyScheme.id == LoyaltyMember.scheme_id)
        .join(new, new.id == c.to_tier_id)
        .outerjoin(old, old.id == c.from_tier_id)
        .where(LoyaltyMember.guest_id.in_(guest_ids), scheme_visible(scope))
        .order_by(c.changed_at.desc(), c.id.desc())
        .limit(limit)
    ).all()
    return [TierChangeLine(*row) for row in rows]


def guest_loyalty(session: Session, *, scope: DataScope, public_id: str) -> GuestLoyalty:
    """The guest's loyalty (a merged ID gives its survivor's). The balance pools every membership of
    the person; entries are those at hotels in the caller's scope."""
    guest = visible_guest(session, scope, public_id)
    ids = family(session, guest.id)
    memberships = [
        Membership(
            s.code,
            s.name_zh,
            s.name_en,
            m.member_number,
            t.code if t else None,
            t.name_zh if t else None,
            t.name_en if t else None,
            m.tier_since,
            m.enrolled_at,
            via if via != guest.public_id else None,
        )  # fmt: skip
        for m, s, t, via in members_of(session, ids, scope)
    ]
    return GuestLoyalty(
        guest.public_id,
        memberships,
        balance_of(session, ids),
        recent_entries(session, ids, scope),
        _changes(session, ids, scope),
    )
