"""Loyalty (issue 9): membership schemes per brand or for the group, tiers with rules as data
(nights OR spend in the rolling 12 months), members searchable by number, an append-only points
ledger (earned on folio revenue by outlet, redeemed and adjusted by staff, expired), tier
evaluation whose changes start journeys, and one pooled balance per guest after identity
resolution while each membership keeps its own tier."""

from guestgraph.loyalty._errors import (
    AlreadyMember,
    MemberNotFound,
    NotEnoughPoints,
    SchemeInvalid,
    SchemeNotFound,
)
from guestgraph.loyalty._jobs import JobResult, enrol_brand_stayers, run_jobs, seed_demo
from guestgraph.loyalty._ledger import (
    MAX_ADJUST,
    MAX_REDEEM,
    Accrued,
    Adjusted,
    EntryLine,
    Redeemed,
    accrue,
    adjust_points,
    balance_of,
    expire,
    redeem,
)
from guestgraph.loyalty._members import (
    Enrolled,
    MemberHit,
    enrol_member,
    find_members,
    normalise_number,
    sync_members,
)
from guestgraph.loyalty._panel import GuestLoyalty, Membership, TierChangeLine, guest_loyalty
from guestgraph.loyalty._schemes import (
    DEFAULT_FILE,
    OUTLETS,
    SchemeRow,
    TierRow,
    list_schemes,
    load_schemes,
    save_scheme,
)
from guestgraph.loyalty._tiers import evaluate_tiers

__all__ = [
    "DEFAULT_FILE",
    "MAX_ADJUST",
    "MAX_REDEEM",
    "OUTLETS",
    "Accrued",
    "Adjusted",
    "AlreadyMember",
    "Enrolled",
    "EntryLine",
    "GuestLoyalty",
    "JobResult",
    "MemberHit",
    "MemberNotFound",
    "Membership",
    "NotEnoughPoints",
    "Redeemed",
    "SchemeInvalid",
    "SchemeNotFound",
    "SchemeRow",
    "TierChangeLine",
    "TierRow",
    "accrue",
    "adjust_points",
    "balance_of",
    "enrol_brand_stayers",
    "enrol_member",
    "evaluate_tiers",
    "expire",
    "find_members",
    "guest_loyalty",
    "list_schemes",
    "load_schemes",
    "normalise_number",
    "redeem",
    "run_jobs",
    "save_scheme",
    "seed_demo",
    "sync_members",
]
