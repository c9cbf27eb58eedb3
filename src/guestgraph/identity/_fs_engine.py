"""Fellegi–Sunter matching over any table of records: train a model, score candidate pairs.

The guest resolver feeds it guest mentions; the benchmarks feed it FEBRL's synthetic people. Records
are column arrays (`Columns`), pairs are position arrays, and every step is column-at-a-time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from guestgraph.identity._fs_compare import Columns, FieldSpec, comparison_matrix, take
from guestgraph.identity._fs_em import TrainingSession, estimate_prior, train
from guestgraph.identity._fs_model import MatchModel, probability
from guestgraph.identity._fs_pairs import (
    BlockingRule,
    candidate_pairs,
    random_pairs,
    term_frequencies,
    total_pairs,
)

Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]


@dataclass(frozen=True)
class ScoredPairs:
    """Candidate pairs (positions a, b) with their levels, match weights and per-field weights."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    levels: NDArray[np.int8]
    weights: NDArray[np.float64]
    contributions: NDArray[np.float64]

    @property
    def probability(self) -> NDArray[np.float64]:
        return probability(self.weights)


def _levels(fields: tuple[FieldSpec, ...], columns: Columns, pairs: Pairs) -> NDArray[np.int8]:
    return comparison_matrix(fields, take(columns, pairs[0]), take(columns, pairs[1]))


@dataclass(frozen=True)
class TrainingRule:
    """A blocking rule for an EM session, and the fields it blocks on (left out of that session)."""

    columns: BlockingRule
    blocked: tuple[str, ...]


def train_model(
    fields: tuple[FieldSpec, ...],
    columns: Columns,
    rules: tuple[TrainingRule, ...],
    *,
    source: NDArray[np.int64] | None = None,
    groups: NDArray[np.int64] | None = None,
    max_block: int = 400,
    max_pairs: int = 1_000_000,
    sample_size: int = 1_000_000,
    seed: int = 0,
) -> MatchModel:
    """u from `sample_size` random pairs, m by one EM session per rule (at most `max_pairs` pairs
    each, drawn at random), then the prior over the union of the sessions' pairs."""
    n = len(next(iter(columns.values())))
    rng = np.random.default_rng(seed)
    sessions, seen = [], []
    for rule in rules:
        a, b = candidate_pairs(columns, [rule.columns], source=source, max_block=max_block)
        if len(a) > max_pairs:
            keep = rng.choice(len(a), max_pairs, replace=False)
            a, b = a[keep], b[keep]
        sessions.append(TrainingSession(_levels(fields, columns, (a, b)), frozenset(rule.blocked)))
        seen.append(a * n + b)
    randoms = random_pairs(n, sample_size, seed=seed, source=source)
    model = train(fields, random_levels=_levels(fields, columns, randoms), sessions=sessions)
    union = np.unique(np.concatenate(seen)) if seen else np.zeros(0, dtype=np.int64)
    pairs = (union // n, union % n)
    tf = {name: values[pairs[0]] for name, values in tf_tables(model, columns, groups).items()}
    contributions = model.contributions(_levels(fields, columns, pairs), tf)
    model.prior = estimate_prior(model, contributions, total_pairs(n, source))
    model.trained.update({"records": n, "random_pairs": len(randoms[0]), "prior_pairs": len(union)})
    return model


def tf_tables(
    model: MatchModel, columns: Columns, groups: NDArray[np.int64] | None = None
) -> dict[str, NDArray[np.float64]]:
    """Per record and tf field: the share of groups (records, or provisional guests) holding its value."""
    n = len(next(iter(columns.values())))
    owners = groups if groups is not None else np.arange(n, dtype=np.int64)
    return {f.name: term_frequencies(columns[f.col], owners) for f in model.fields if f.tf}


def score_pairs(
    model: MatchModel, columns: Columns, pairs: Pairs, *, groups: NDArray[np.int64] | None = None
) -> ScoredPairs:
    """Weights of the candidate `pairs`; term frequencies count distinct `groups` holding a value."""
    levels = _levels(model.fields, columns, pairs)
    per_record = tf_tables(model, columns, groups)
    tf = {name: values[pairs[0]] for name, values in per_record.items()}
    contributions = model.contributions(levels, tf)
    weights = model.prior_weight + contributions.sum(axis=1)
    return ScoredPairs(pairs[0], pairs[1], levels, weights, contributions)


def components(n: int, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """Connected components of the graph with edges (a[i], b[i]): a cluster id per record."""
    parent = np.arange(n, dtype=np.int64)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)
