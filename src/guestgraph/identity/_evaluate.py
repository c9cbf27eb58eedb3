"""Pairwise precision, recall and F1 of a clustering against ground truth (the FEBRL/Splink measure).

Only items present in both mappings count. Pairs are counted from contingency-table cells, so the
cost is linear in the number of items, not quadratic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    items: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> PairScores:
    items = [k for k in predicted if k in truth]
    by_prediction = Counter(predicted[k] for k in items)
    by_truth = Counter(truth[k] for k in items)
    by_both = Counter((predicted[k], truth[k]) for k in items)
    return PairScores(
        items=len(items),
        true_pairs=sum(_pairs(n) for n in by_truth.values()),
        predicted_pairs=sum(_pairs(n) for n in by_prediction.values()),
        correct_pairs=sum(_pairs(n) for n in by_both.values()),
    )
