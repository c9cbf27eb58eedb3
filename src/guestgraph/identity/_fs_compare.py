"""Comparison levels of the Fellegi–Sunter model: how far two records agree on one field.

A field compares a pair of records into one of a few levels; level 0 always means "no evidence"
(a value missing on either side) and weighs nothing. Levels are computed for whole columns of
pairs at once (numpy and rapidfuzz's element-wise `cpdist`), never pair by pair in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

Kind = Literal["name", "string", "exact", "number", "date", "email", "document"]
Columns = Mapping[str, NDArray[np.object_]]

LEVELS: dict[Kind, tuple[str, ...]] = {
    # name: `col` holds the Latin key (pinyin or folded Latin letters); `script_col` the name as
    # written in Han (simplified); `sorted_col` the key's letters sorted (any name order).
    "name": (
        "missing",
        "same Han name",
        "same reading",
        "same letters, other order",
        "close",
        "similar",
        "different",
    ),
    "string": ("missing", "exact", "close", "similar", "different"),
    "exact": ("missing", "exact", "different"),
    "number": ("missing", "exact", "one digit off", "two digits off", "different"),
    "date": ("missing", "exact", "one digit off", "two digits off", "different"),
    "email": ("missing", "exact", "same mailbox name", "different"),
    "document": ("missing", "exact", "conflicting"),
}
# The level whose value frequency replaces the average u (term-frequency adjustment).
TF_LEVEL = {"name": (1, 2), "string": (1,), "exact": (1,), "number": (1,), "email": (1,)}
CLOSE, SIMILAR = 0.92, 0.80


@dataclass(frozen=True)
class FieldSpec:
    """One compared field. `col` names the record column; `tf` turns on term-frequency adjustment."""

    name: str
    kind: Kind
    col: str
    tf: bool = False
    script_col: str | None = None
    sorted_col: str | None = None

    @property
    def levels(self) -> tuple[str, ...]:
        return LEVELS[self.kind]


def _present(values: NDArray[np.object_]) -> NDArray[np.bool_]:
    missing = (values == None) | (values == "")  # noqa: E711 (element-wise on an object array)
    return np.asarray(~missing, dtype=np.bool_)


def _strings(values: NDArray[np.object_]) -> NDArray[np.object_]:
    return np.where(_present(values), values, "")


def _jaro_winkler(left: NDArray[np.object_], right: NDArray[np.object_]) -> NDArray[np.float64]:
    if len(left) == 0:
        return np.zeros(0)
    return np.asarray(
        process.cpdist(_strings(left), _strings(right), scorer=JaroWinkler.normalized_similarity, workers=-1),
        dtype=np.float64,
    )


def _edits(left: NDArray[np.object_], right: NDArray[np.object_]) -> NDArray[np.int64]:
    if len(left) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(
        process.cpdist(_strings(left), _strings(right), scorer=Levenshtein.distance, workers=-1),
        dtype=np.int64,
    )


def _pick(n: int, rules: list[tuple[NDArray[np.bool_], int]], otherwise: int) -> NDArray[np.int8]:
    """The first rule that holds gives the level (np.select, but typed)."""
    out = np.full(n, otherwise, dtype=np.int8)
    for mask, level in reversed(rules):
        out[mask] = level
    return out


def compare(field: FieldSpec, left: Columns, right: Columns) -> NDArray[np.int8]:
    """The comparison level of every pair for `field` (left[i] against right[i])."""
    a, b = left[field.col], right[field.col]
    n = len(a)
    known = _present(a) & _present(b)
    same = known & (a == b)
    if field.kind == "exact":
        rules = [(same, 1)]
    elif field.kind == "document":  # numbers of two different kinds of document do not conflict
        kinds = left[f"{field.col}_type"] == right[f"{field.col}_type"]
        rules = [(same, 1), (known & kinds, 2)]
        known = known & kinds
    elif field.kind == "email":
        local = known & (left[f"{field.col}_local"] == right[f"{field.col}_local"])
        rules = [(same, 1), (local, 2)]
    elif field.kind in ("number", "date"):
        edits = _edits(a, b)
        rules = [(same, 1), (known & (edits <= 1), 2), (known & (edits <= 2), 3)]
    elif field.kind == "string":
        jw = _jaro_winkler(a, b)
        rules = [(same, 1), (known & (jw >= CLOSE), 2), (known & (jw >= SIMILAR), 3)]
    else:
        rules = _name_rules(field, left, right, known, same)
    levels = _pick(n, rules, len(field.levels) - 1)
    levels[~known] = 0
    return levels


def _name_rules(
    field: FieldSpec, left: Columns, right: Columns, known: NDArray[np.bool_], same: NDArray[np.bool_]
) -> list[tuple[NDArray[np.bool_], int]]:
    a, b = left[field.col], right[field.col]
    rules: list[tuple[NDArray[np.bool_], int]] = []
    written = np.ones(len(a), dtype=bool)
    if field.script_col:
        ha, hb = left[field.script_col], right[field.script_col]
        both_han = _present(ha) & _present(hb)
        rules.append((same & both_han & (ha == hb), 1))
        # Two Han names that read alike but are written differently (王伟 / 汪伟) are at most close:
        # another person, or a slip of the pinyin input method.
        written = ~(both_han & (ha != hb))
    rules.append((same & written, 2))
    if field.sorted_col:
        rules.append((known & written & (left[field.sorted_col] == right[field.sorted_col]), 3))
    jw = _jaro_winkler(a, b)
    rules += [(known & (jw >= CLOSE), 4), (known & (jw >= SIMILAR), 5)]
    return rules


def comparison_matrix(fields: tuple[FieldSpec, ...], left: Columns, right: Columns) -> NDArray[np.int8]:
    """Levels of every pair (rows) for every field (columns)."""
    n = len(next(iter(left.values()))) if left else 0
    if not fields:
        return np.zeros((n, 0), dtype=np.int8)
    return np.stack([compare(f, left, right) for f in fields], axis=1)


def take(columns: Columns, rows: NDArray[np.int64]) -> dict[str, NDArray[np.object_]]:
    """The records at positions `rows`, column by column."""
    return {name: values[rows] for name, values in columns.items()}
