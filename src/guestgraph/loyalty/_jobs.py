"""The loyalty jobs in the order a nightly run (cron, or the worker) calls them, and the demo's
schemes and members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, exists, insert, literal, select
from sqlalchemy.orm import Session

from guestgraph.db.models import (
    Guest,
    GuestStatus,
    LoyaltyMember,
    LoyaltySchemeHotel,
    LoyaltyTier,
    MemberStatus,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.loyalty._ledger import accrue, expire
from guestgraph.loyalty._members import record_first_tiers, sync_members
from guestgraph.loyalty._schemes import load_scheme, load_schemes
from guestgraph.loyalty._sql import count_inserted
from guestgraph.loyalty._tiers import evaluate_tiers


@dataclass(frozen=True)
class JobResult:
    members_added: int
    earned: int
    reversed: int
    expired: int
    tier_changes: int


def run_jobs(session: Session, *, now: datetime) -> JobResult:
    """Members from the loyalty numbers, then accrual, expiry and tier evaluation; in the caller's
    transaction. Each step is set-based and idempotent."""
    added = sync_members(session, now=now)
    accrued = accrue(session, now=now)
    expired = expire(session, now=now)
    moved = evaluate_tiers(session, now=now)
    return JobResult(added, accrued.earned, accrued.reversed, expired, moved)


def enrol_brand_stayers(session: Session, *, scheme_code: str, prefix: str, now: datetime) -> int:
    """The demo's brand members: every active guest with a checked-out stay at one of the brand's
    hotels joins its scheme (member number: prefix and the guest's row id), set-based."""
    scheme = load_scheme(session, scheme_code)
    entry = (
        select(LoyaltyTier.id)
        .where(LoyaltyTier.scheme_id == scheme.id, LoyaltyTier.rank == 0)
        .scalar_subquery()
    )
    stayed = exists().where(
        StayGuest.guest_id == Guest.id,
        StayGuest.stay_id == Stay.id,
        Stay.status == StayStatus.CHECKED_OUT,
        Stay.hotel_id.in_(
            select(LoyaltySchemeHotel.hotel_id).where(LoyaltySchemeHotel.scheme_id == scheme.id)
        ),
    )
    number = literal(prefix, String).concat(cast(Guest.id + 10_000_000, String))
    active = literal(MemberStatus.ACTIVE.value)
    rows = select(
        literal(scheme.id), Guest.id, number, entry, active, literal("demo", String),
        literal(now), literal(now), literal(now), literal(now),
    ).where(
        Guest.status == GuestStatus.ACTIVE,
        stayed,
        ~exists().where(LoyaltyMember.scheme_id == scheme.id, LoyaltyMember.guest_id == Guest.id),
    )  # fmt: skip
    done = count_inserted(
        session,
        insert(LoyaltyMember).from_select(
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
        ),  # fmt: skip
    )
    if done:
        record_first_tiers(session, now=now, source="demo", reason="demo enrolment")
    return done


def seed_demo(session: Session, *, now: datetime) -> JobResult:
    """The demo group's schemes (`schemes.yaml`), its brand members, then the nightly jobs."""
    load_schemes(session, now=now)
    enrol_brand_stayers(session, scheme_code="RESORT", prefix="R", now=now)
    return run_jobs(session, now=now)
