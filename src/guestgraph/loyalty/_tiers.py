"""Tier evaluation: each active membership's tier recomputed from the rolling 12 months, set-based.

Per guest (with every guest merged into it) and scheme: the nights of checked-out stays that ended in
the last 365 days at hotels the scheme covers, and the qualifying spend (the revenue the scheme's
earns were on, less reversals, in the same window). The tier is the highest rank whose threshold
is met — nights OR spend; a threshold of 0 does not count, except for the entry tier. A change
(up or down) is written to `loyalty_tier_change` with the figures, then the membership moves; the
journeys' `tier_changed` trigger enrols from those rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from guestgraph.analytics import days_between
from guestgraph.db.models import (
    EntryKind,
    GuestRole,
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyTier,
    LoyaltyTierChange,
    MemberStatus,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.loyalty._ledger import covers
from guestgraph.loyalty._lock import take_lock
from guestgraph.loyalty._owners import member_owners
from guestgraph.loyalty._sql import count_inserted

WINDOW_DAYS = 365
REASON = "rolling 12 months"


def _figures(now: datetime):  # type: ignore[no-untyped-def]
    """(member_id, nights, spend) per active membership."""
    today = now.date()
    since = today - timedelta(days=WINDOW_DAYS)
    owners = member_owners(select(LoyaltyMember.id).where(LoyaltyMember.status == MemberStatus.ACTIVE))
    pairs = select(owners.c.owner, owners.c.scheme_id).distinct().subquery("pairs")
    stays = (
        select(
            pairs.c.owner, pairs.c.scheme_id, Stay.id, days_between(Stay.arrival, Stay.departure).label("n")
        )
        .join(StayGuest, StayGuest.guest_id == pairs.c.owner)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            StayGuest.role.in_((GuestRole.PRIMARY, GuestRole.ADDITIONAL)),
            Stay.status == StayStatus.CHECKED_OUT,
            Stay.departure > since,
            Stay.departure <= today,
            covers(pairs.c.scheme_id, Stay.hotel_id),
        )
        .distinct()
        .subquery("stays")
    )
    nights = (
        select(stays.c.owner, stays.c.scheme_id, func.sum(stays.c.n).label("nights"))
        .group_by(stays.c.owner, stays.c.scheme_id)
        .subquery("nights")
    )
    same = aliased(owners)
    spend = (
        select(same.c.owner, same.c.scheme_id, func.sum(LoyaltyEntry.amount).label("spend"))
        .join(LoyaltyEntry, LoyaltyEntry.member_id == same.c.member_id)
        .where(
            LoyaltyEntry.kind.in_((EntryKind.EARN, EntryKind.REVERSE)),
            LoyaltyEntry.occurred_at >= datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo),
        )
        .group_by(same.c.owner, same.c.scheme_id)
        .subquery("spend")
    )
    return (
        select(
            owners.c.member_id,
            func.coalesce(nights.c.nights, 0).label("nights"),
            func.coalesce(spend.c.spend, 0).label("spend"),
        )
        .outerjoin(nights, and_(nights.c.owner == owners.c.owner, nights.c.scheme_id == owners.c.scheme_id))
        .outerjoin(spend, and_(spend.c.owner == owners.c.owner, spend.c.scheme_id == owners.c.scheme_id))
        .subquery("figures")
    )


def evaluate_tiers(session: Session, *, now: datetime) -> int:
    """Move every active membership to the tier its rolling 12 months earn; returns how many moved.
    In the caller's transaction; running it again moves nobody."""
    take_lock(session, now)
    figures = _figures(now)
    t = aliased(LoyaltyTier)
    met = or_(
        and_(t.min_nights == 0, t.min_spend == 0),
        and_(t.min_nights > 0, figures.c.nights >= t.min_nights),
        and_(t.min_spend > 0, figures.c.spend >= t.min_spend),
    )
    earned = (
        select(t.id)
        .where(t.scheme_id == LoyaltyMember.scheme_id, met)
        .order_by(t.rank.desc())
        .limit(1)
        .scalar_subquery()
    )
    current = aliased(LoyaltyTier)
    new = aliased(LoyaltyTier)
    moved = (
        select(
            LoyaltyMember.id.label("member_id"),
            LoyaltyMember.tier_id.label("from_tier"),
            earned.label("to_tier"),
            figures.c.nights,
            figures.c.spend,
        )
        .join(figures, figures.c.member_id == LoyaltyMember.id)
        .subquery("moved")
    )
    direction = case((current.rank.is_(None), "initial"), (new.rank > current.rank, "up"), else_="down")
    rows = (
        select(
            moved.c.member_id,
            moved.c.from_tier,
            moved.c.to_tier,
            direction,
            moved.c.nights,
            moved.c.spend,
            literal(REASON),
            literal(now),
        )  # fmt: skip
        .join(new, new.id == moved.c.to_tier)
        .outerjoin(current, current.id == moved.c.from_tier)
        .where(or_(moved.c.from_tier.is_(None), moved.c.from_tier != moved.c.to_tier))
    )
    done = count_inserted(
        session,
        insert(LoyaltyTierChange).from_select(
            [
                "member_id",
                "from_tier_id",
                "to_tier_id",
                "direction",
                "nights",
                "spend",
                "reason",
                "changed_at",
            ],
            rows,
        ),
    )
    count = done
    if count:
        c = LoyaltyTierChange
        changed_now = and_(c.member_id == LoyaltyMember.id, c.changed_at == now, c.reason == REASON)
        session.execute(
            update(LoyaltyMember)
            .where(LoyaltyMember.id.in_(select(c.member_id).where(c.changed_at == now, c.reason == REASON)))
            .values(
                tier_id=select(c.to_tier_id)
                .where(changed_now)
                .order_by(c.id.desc())
                .limit(1)
                .scalar_subquery(),
                tier_since=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return count
