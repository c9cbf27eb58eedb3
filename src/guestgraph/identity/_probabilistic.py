"""The probabilistic pass: after the exact rules, score the pairs they left apart and decide.

Above the link threshold two mentions join (unless their clusters hold two different ID numbers of
one kind, two birth dates, or a steward's "different people"); between the thresholds the pair goes
to the review queue, one pair per two clusters; below, they stay apart. The model is trained on the
hotel group's own mentions the first time (or when the data has doubled or halved since, or on
request), stored as a new version, and reused by later passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import GuestMention, MatchModelVersion
from guestgraph.identity._clusters import Clusters
from guestgraph.identity._fs_engine import ScoredPairs, score_pairs, train_model
from guestgraph.identity._fs_guest import GUEST_BLOCKING, GUEST_FIELDS, GUEST_TRAINING, guest_columns
from guestgraph.identity._fs_model import MatchModel
from guestgraph.identity._fs_pairs import candidate_pairs
from guestgraph.identity._resolve import MentionKeys
from guestgraph.identity._review import QueuedPair, refresh_queue


@dataclass(frozen=True)
class MatchSettings:
    """Decision thresholds (match probabilities) and training policy of the probabilistic pass."""

    link_probability: float = 0.99
    review_probability: float = 0.5
    min_training_records: int = 1000
    retrain: bool = False
    max_block: int = 400


@dataclass
class MatchOutcome:
    model_version: int | None = None
    scored_pairs: int = 0
    linked: int = 0
    review: list[tuple[int, int, float, float, dict[str, object]]] = field(default_factory=list)


def current_model(session: Session) -> tuple[int, int, MatchModel] | None:
    """(version, records trained on, model) of the newest stored model, or None."""
    row = session.scalars(
        select(MatchModelVersion).order_by(MatchModelVersion.version.desc()).limit(1)
    ).first()
    return None if row is None else (row.version, row.records, MatchModel.from_json(row.params))


def save_model(session: Session, model: MatchModel, records: int) -> int:
    version = (session.scalar(select(func.max(MatchModelVersion.version))) or 0) + 1
    session.add(MatchModelVersion(version=version, records=records, params=model.to_json()))
    session.flush()
    return version


def _model(
    session: Session,
    mentions: list[MentionKeys],
    columns: dict[str, np.ndarray],
    groups: np.ndarray,
    settings: MatchSettings,
) -> tuple[int, MatchModel] | None:
    stored = current_model(session)
    n = len(mentions)
    stale = stored is None or settings.retrain or not (stored[1] / 2 <= n <= stored[1] * 2)
    if stale and n >= settings.min_training_records:
        model = train_model(
            GUEST_FIELDS, columns, GUEST_TRAINING, groups=groups, max_block=settings.max_block
        )
        return save_model(session, model, n), model
    return None if stored is None else (stored[0], stored[2])


def match(
    session: Session, mentions: list[MentionKeys], clusters: Clusters, settings: MatchSettings
) -> MatchOutcome:
    """Score the candidate pairs the rules left in different clusters; link or queue them."""
    if not mentions:
        return MatchOutcome()
    columns = guest_columns(mentions)
    groups = np.fromiter(
        (clusters.find(i) for i in range(len(mentions))), dtype=np.int64, count=len(mentions)
    )
    found = _model(session, mentions, columns, groups, settings)
    if found is None:  # too little data to learn from, and no model learnt before
        return MatchOutcome()
    version, model = found
    a, b = candidate_pairs(columns, GUEST_BLOCKING, max_block=settings.max_block)
    apart = groups[a] != groups[b]
    scored = score_pairs(model, columns, (a[apart], b[apart]), groups=groups)
    outcome = MatchOutcome(model_version=version, scored_pairs=len(scored.a))
    p = scored.probability
    order = np.argsort(-scored.weights, kind="stable")
    for i in order[p[order] >= settings.link_probability].tolist():
        x, y = int(scored.a[i]), int(scored.b[i])
        if clusters.find(x) != clusters.find(y) and clusters.union(x, y, "probabilistic"):
            outcome.linked += 1
    outcome.review = _undecided(scored, order, clusters, model, settings)
    return outcome


def _undecided(
    scored: ScoredPairs, order: np.ndarray, clusters: Clusters, model: MatchModel, settings: MatchSettings
) -> list[tuple[int, int, float, float, dict[str, object]]]:
    """The best pair between each two clusters still apart, with probability in the review band."""
    p = scored.probability
    band = order[(p[order] >= settings.review_probability) & (p[order] < settings.link_probability)]
    seen: set[tuple[int, int]] = set()
    out = []
    for i in band.tolist():
        x, y = int(scored.a[i]), int(scored.b[i])
        rx, ry = clusters.find(x), clusters.find(y)
        pair = (min(rx, ry), max(rx, ry))
        if rx == ry or pair in seen:
            continue
        seen.add(pair)
        explain: dict[str, object] = {
            f.name: {
                "level": f.levels[int(scored.levels[i, j])],
                "weight": round(float(scored.contributions[i, j]), 2),
            }
            for j, f in enumerate(model.fields)
        }
        explain["prior"] = {"level": "prior", "weight": round(model.prior_weight, 2)}
        out.append((x, y, float(scored.weights[i]), float(p[i]), explain))
    return out


def queue_for_review(session: Session, mentions: list[MentionKeys], outcome: MatchOutcome) -> int:
    """Refresh the pending queue from this pass's undecided pairs, with the guests they now belong to."""
    ids = sorted({mentions[i].id for x, y, *_ in outcome.review for i in (x, y)})
    guest_of: dict[int, int | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(GuestMention.id, GuestMention.guest_id).where(GuestMention.id.in_(chunk))
        guest_of.update((row[0], row[1]) for row in session.execute(query))
    pairs = []
    for x, y, weight, probability, explain in outcome.review:
        left, right = sorted((mentions[x], mentions[y]), key=lambda m: m.key)
        pairs.append(
            QueuedPair(
                left.key,
                right.key,
                guest_of.get(left.id),
                guest_of.get(right.id),
                weight,
                probability,
                explain,
            )
        )
    return refresh_queue(session, pairs, model_version=outcome.model_version)
