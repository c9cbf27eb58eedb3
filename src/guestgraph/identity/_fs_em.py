"""Expectation–maximisation for the m probabilities, one training session per blocking rule.

As in Splink, a session compares the pairs that one blocking rule finds and leaves out the fields
that rule blocked on: pairs found by "the same name" all agree on the name, so only the other
fields (birth date, phone, documents) can tell matches from namesakes there. Each field's m is the
average over the sessions that estimated it. u stays fixed (from random pairs). The prior is then
the share of all record pairs that the trained model expects to be matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from guestgraph.identity._fs_compare import FieldSpec
from guestgraph.identity._fs_model import MatchModel, estimate_u, initial_m, m_step, probability


@dataclass(frozen=True)
class TrainingSession:
    """The comparison levels of one blocking rule's pairs, and the fields that rule blocked on."""

    levels: NDArray[np.int8]
    blocked: frozenset[str]


def _session(
    model: MatchModel, session: TrainingSession, *, max_iterations: int, convergence: float
) -> tuple[dict[int, list[float]], float, int]:
    """m of the fields this session estimates, its match share and the iterations it took."""
    free = [j for j, f in enumerate(model.fields) if f.name not in session.blocked]
    patterns, counts = np.unique(session.levels, axis=0, return_counts=True)
    patterns = patterns.copy()
    patterns[:, [j for j in range(len(model.fields)) if j not in free]] = 0  # blocked: no evidence
    weights_of = counts.astype(np.float64)
    local = MatchModel(model.fields, [list(m) for m in model.m], model.u, prior=0.3)
    share, iterations = 0.3, 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (returned)
        local.prior = share
        weight = weights_of * probability(local.weights(patterns))
        change = 0.0
        for j in free:
            new = m_step(patterns[:, j], weight, len(model.fields[j].levels))
            change = max(change, *(abs(a - b) for a, b in zip(new, local.m[j], strict=True)))
            local.m[j] = new
        share = float(min(max(weight.sum() / weights_of.sum(), 1e-6), 1 - 1e-6))
        if change < convergence:
            break
    return {j: local.m[j] for j in free}, share, iterations


def estimate_prior(
    model: MatchModel, contributions: NDArray[np.float64], total_pairs: float, *, iterations: int = 100
) -> float:
    """λ with λ = Σ P(match | pair, λ) / all pairs over the candidate pairs (the others are taken as
    non-matches), found by fixed-point iteration from a small start."""
    evidence = contributions.sum(axis=1)
    prior = 1e-6
    for _ in range(iterations):
        weight = np.log2(prior / (1 - prior)) + evidence
        new = float(min(max(probability(weight).sum() / total_pairs, 1e-12), 0.5))
        if abs(new - prior) <= 1e-6 * prior:
            return new
        prior = new
    return prior


def train(
    fields: tuple[FieldSpec, ...],
    *,
    random_levels: NDArray[np.int8],
    sessions: list[TrainingSession],
    max_iterations: int = 25,
    convergence: float = 1e-4,
) -> MatchModel:
    """u from the random pairs; m by EM, session by session. The prior is left to `estimate_prior`."""
    model = MatchModel(fields, [initial_m(f) for f in fields], estimate_u(fields, random_levels))
    found: dict[int, list[list[float]]] = {}
    report = []
    for session in sessions:
        if len(session.levels) == 0:
            continue
        m, share, iterations = _session(
            model, session, max_iterations=max_iterations, convergence=convergence
        )
        for j, values in m.items():
            found.setdefault(j, []).append(values)
        report.append(
            {
                "blocked": sorted(session.blocked),
                "pairs": len(session.levels),
                "match_share": share,
                "iterations": iterations,
            }
        )
    for j, estimates in found.items():
        model.m[j] = np.mean(np.asarray(estimates), axis=0).tolist()
    model.trained = {"sessions": report}
    return model
