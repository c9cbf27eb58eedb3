"""Who a membership belongs to now: the guest it names, or the guest that one was merged into (at
any depth). Memberships and ledger entries are never moved on a merge; they are read through this
mapping, so an unmerge gives them back without touching a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, literal, select, union_all
from sqlalchemy.orm import Session

from guestgraph.db.models import Guest, LoyaltyMember

MAX_DEPTH = 10


def member_owners(members: Select[Any] | None = None) -> Any:
    """A subquery (member_id, scheme_id, owner): each membership with the golden guest it belongs to
    now. `members` limits it to some memberships (a SELECT of LoyaltyMember ids). A membership without
    a guest (erased) owns itself: its owner is the negated membership id."""
    start = select(
        LoyaltyMember.id.label("member_id"),
        LoyaltyMember.guest_id.label("cur"),
        literal(0, Integer).label("depth"),
    ).where(LoyaltyMember.guest_id.is_not(None))
    if members is not None:
        start = start.where(LoyaltyMember.id.in_(members))
    chain = start.cte("member_chain", recursive=True)
    step = (
        select(chain.c.member_id, Guest.merged_into_id, chain.c.depth + 1)
        .join(Guest, Guest.id == chain.c.cur)
        .where(Guest.merged_into_id.is_not(None), chain.c.depth < MAX_DEPTH)
    )
    chain = chain.union_all(step)
    deepest = (
        select(chain.c.member_id, chain.c.cur, chain.c.depth)
        .join(Guest, Guest.id == chain.c.cur)
        .where(Guest.merged_into_id.is_(None))
        .subquery()
    )
    owned = select(
        LoyaltyMember.id.label("member_id"),
        LoyaltyMember.scheme_id.label("scheme_id"),
        deepest.c.cur.label("owner"),
    ).join(deepest, deepest.c.member_id == LoyaltyMember.id)
    alone = select(LoyaltyMember.id, LoyaltyMember.scheme_id, -LoyaltyMember.id).where(
        LoyaltyMember.guest_id.is_(None)
    )
    if members is not None:
        alone = alone.where(LoyaltyMember.id.in_(members))
    return union_all(owned, alone).subquery("member_owner")


def family(session: Session, guest_id: int) -> list[int]:
    """The guest and every guest merged into it, at any depth: one person, several old IDs."""
    ids, frontier = {guest_id}, {guest_id}
    for _ in range(MAX_DEPTH):
        frontier = set(session.scalars(select(Guest.id).where(Guest.merged_into_id.in_(frontier)))) - ids
        if not frontier:
            break
        ids |= frontier
    return sorted(ids)
