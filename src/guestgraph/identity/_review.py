"""The review queue: pairs the model could not decide, and the decisions data stewards take on them.

A pending pair is refreshed by every resolve pass (a pair that later evidence decided leaves the
queue); an accepted pair is linked and a rejected one ("different people") is kept apart by every
later pass, whatever the rules or the model say.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from guestgraph.db.models import MatchReview
from guestgraph.errors import InvalidInput, NotFound
from guestgraph.identity._resolve import MentionKeys
from guestgraph.paging import Page, PageRequest

Decision = Literal["accepted", "rejected"]


class ReviewNotFound(NotFound):
    code = "review_not_found"


@dataclass(frozen=True)
class ReviewPair:
    id: int
    left_key: str
    right_key: str
    left_guest_id: int | None
    right_guest_id: int | None
    match_weight: float
    match_probability: float
    contributions: dict[str, Any]
    status: str
    decided_by: str | None
    reason: str | None


@dataclass(frozen=True)
class QueuedPair:
    """What a resolve pass queues: mention keys (left < right), guests, weight and its explanation."""

    left_key: str
    right_key: str
    left_guest_id: int | None
    right_guest_id: int | None
    match_weight: float
    match_probability: float
    contributions: dict[str, Any]


_REVIEW = cast(Table, MatchReview.__table__)
_DECIDED = select(_REVIEW.c.left_key, _REVIEW.c.right_key, _REVIEW.c.status).where(
    _REVIEW.c.status != "pending"
)
_DECIDED_NAMING = _DECIDED.where(
    or_(
        _REVIEW.c.left_key.in_(bindparam("keys", expanding=True)),
        _REVIEW.c.right_key.in_(bindparam("same_keys", expanding=True)),
    )
)  # built once: building it was most of an online pass's cost of reading decisions


def decided_pairs(session: Session, keys: Collection[str] | None = None) -> dict[tuple[str, str], str]:
    """Steward decisions: (left key, right key) -> accepted or rejected. Every one, or with `keys`
    only those naming one of these mention keys (read by index, a few hundred keys at a time)."""
    if keys is None:
        return {(a, b): status for a, b, status in session.execute(_DECIDED)}
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], str] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        rows = session.execute(_DECIDED_NAMING, {"keys": chunk, "same_keys": chunk})
        found.update({(a, b): status for a, b, status in rows})
    return found


def apply_decisions(
    session: Session, mentions: list[MentionKeys], *, only_these: bool = False
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Steward decisions between these mentions as position pairs: (accepted, rejected); pairs whose
    mentions are gone drop out. A batch pass holds every mention and reads every decision; an online
    pass holds a few (`only_these`) and reads only the decisions naming one of them."""
    where = {m.key: i for i, m in enumerate(mentions)}
    accepted: list[tuple[int, int]] = []
    rejected: list[tuple[int, int]] = []
    for (left, right), status in decided_pairs(session, where if only_these else None).items():
        if left in where and right in where:
            (accepted if status == "accepted" else rejected).append((where[left], where[right]))
    return accepted, rejected


def refresh_queue(session: Session, pairs: list[QueuedPair], *, model_version: int | None) -> int:
    """Make the pending queue exactly `pairs` (decided pairs are never re-queued); returns its size."""
    decided = decided_pairs(session)
    wanted = {(p.left_key, p.right_key): p for p in pairs if (p.left_key, p.right_key) not in decided}
    pending = {
        (a, b): rid
        for rid, a, b in session.execute(
            select(MatchReview.id, MatchReview.left_key, MatchReview.right_key).where(
                MatchReview.status == "pending"
            )
        )
    }
    stale = [rid for key, rid in pending.items() if key not in wanted]
    for start in range(0, len(stale), 500):
        session.execute(delete(MatchReview).where(MatchReview.id.in_(stale[start : start + 500])))
    values = {key: {**vars(p), "model_version": model_version} for key, p in wanted.items()}
    updates = [{"id": rid, **values[key]} for key, rid in pending.items() if key in wanted]
    inserts = [{**v, "status": "pending"} for key, v in values.items() if key not in pending]
    if updates:
        session.execute(update(MatchReview), updates)
    if inserts:
        session.execute(insert(MatchReview), inserts)
    return len(wanted)


def list_reviews(session: Session, *, paging: PageRequest, status: str = "pending") -> Page[ReviewPair]:
    """The queue, most likely matches first."""
    query = select(MatchReview).where(MatchReview.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(MatchReview.match_weight.desc(), MatchReview.id)
        .offset(paging.offset)
        .limit(paging.size)
    )
    return Page([_pair(r) for r in rows], total, paging.page, paging.size)


def decide_review(
    session: Session, review_id: int, *, decision: Decision, decided_by: str, reason: str | None = None
) -> ReviewPair:
    """Record a steward's decision; the next resolve pass links (accepted) or separates (rejected)."""
    if decision not in ("accepted", "rejected"):
        raise InvalidInput(
            f"Unknown review decision {decision!r}.", hint="Decide with 'accepted' or 'rejected'."
        )
    row = session.get(MatchReview, review_id)
    if row is None:
        raise ReviewNotFound(
            f"No review pair {review_id}.",
            hint="List the queue for current pairs; a pass may have closed it.",
        )
    row.status, row.decided_by, row.reason = decision, decided_by[:100], (reason or None)
    row.decided_at = datetime.now(UTC)
    session.flush()
    return _pair(row)


def _pair(r: MatchReview) -> ReviewPair:
    return ReviewPair(
        r.id,
        r.left_key,
        r.right_key,
        r.left_guest_id,
        r.right_guest_id,
        r.match_weight,
        r.match_probability,
        r.contributions,
        r.status,
        r.decided_by,
        r.reason,
    )
