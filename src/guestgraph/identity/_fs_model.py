"""The Fellegi–Sunter model: m and u per comparison level, the prior, EM training and scoring.

Training follows Splink: u (how often two *different* people agree at a level) from random record
pairs, where almost every pair is a non-match; m (how often the *same* person does) by
expectation–maximisation over the blocked candidate pairs, with u held fixed. The prior is the
probability that two random records are one person: EM's match share among the candidate pairs,
scaled to all pairs. A pair's match weight is log2 of the prior odds plus one log2(m/u) per field;
for an exact match on a field with term frequencies, the value's own frequency replaces the
average u, so 张伟 or a household phone shared by four guests counts for less than a rare one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guestgraph.identity._fs_compare import TF_LEVEL, FieldSpec

FORMAT = 1
FLOOR = 1e-9


@dataclass
class MatchModel:
    fields: tuple[FieldSpec, ...]
    m: list[list[float]]
    u: list[list[float]]
    prior: float = 1e-4
    trained: dict[str, Any] = field(default_factory=dict)

    # -- scoring ---------------------------------------------------------------------------------
    def contributions(
        self, levels: NDArray[np.int8], tf: dict[str, NDArray[np.float64]] | None = None
    ) -> NDArray[np.float64]:
        """log2 Bayes factor of every pair (rows) for every field (columns), with tf adjustments."""
        out = np.zeros(levels.shape, dtype=np.float64)
        for j, spec in enumerate(self.fields):
            ratio = np.log2(np.maximum(self.m[j], FLOOR)) - np.log2(np.maximum(self.u[j], FLOOR))
            ratio[0] = 0.0
            col = ratio[levels[:, j]]
            values = (tf or {}).get(spec.name)
            if spec.tf and values is not None:
                for level in TF_LEVEL.get(spec.kind, ()):
                    hit = (levels[:, j] == level) & (values > 0)
                    col[hit] += np.log2(self.u[j][level]) - np.log2(np.maximum(values[hit], FLOOR))
            out[:, j] = col
        return out

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def weights(
        self, levels: NDArray[np.int8], tf: dict[str, NDArray[np.float64]] | None = None
    ) -> NDArray[np.float64]:
        return np.asarray(self.prior_weight + self.contributions(levels, tf).sum(axis=1))

    # -- persistence -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "prior": self.prior,
            "fields": [{**asdict(f), "levels": list(f.levels)} for f in self.fields],
            "m": self.m,
            "u": self.u,
            "trained": self.trained,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> MatchModel:
        names = {"name", "kind", "col", "tf", "script_col", "sorted_col"}
        fields = tuple(FieldSpec(**{k: v for k, v in f.items() if k in names}) for f in doc["fields"])
        return cls(fields, doc["m"], doc["u"], doc["prior"], doc.get("trained", {}))


def probability(weights: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp2(-np.clip(weights, -60, 60))))


def initial_m(spec: FieldSpec) -> list[float]:
    """A starting point EM moves away from: most matches agree exactly, a few differ."""
    n = len(spec.levels) - 1
    raw = [0.6 * 0.4**i for i in range(n - 1)] + [0.05]
    return [1.0, *(x / sum(raw) for x in raw)]


def estimate_u(fields: tuple[FieldSpec, ...], levels: NDArray[np.int8]) -> list[list[float]]:
    """u per level from comparisons of random pairs, with half a pair added per level so that a
    level never seen among strangers (the same passport number) keeps a finite weight."""
    out = []
    for j, spec in enumerate(fields):
        k = len(spec.levels)
        counts = np.bincount(levels[:, j], minlength=k)[1:].astype(np.float64) + 0.5
        out.append([1.0, *(counts / counts.sum()).tolist()])
    return out


def m_step(levels: NDArray[np.int8], weight: NDArray[np.float64], k: int) -> list[float]:
    """m of each level: the expected share of matches (weights are match probabilities) at it."""
    sums = np.bincount(levels, weights=weight, minlength=k)[1:]
    total = sums.sum()
    if total <= 0:
        return [1.0, *([1.0 / (k - 1)] * (k - 1))]
    return [1.0, *np.maximum(sums / total, FLOOR).tolist()]
