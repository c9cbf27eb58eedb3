"""Which record pairs to compare: blocked candidate pairs (DuckDB), random pairs, value frequencies.

Records are column arrays indexed by position. Candidate pairs are the union of equi-joins on
blocking keys (the same phone, the same name key, ...), generated set-based in an in-memory DuckDB
over an Arrow table; a key shared by more than `max_block` records (a hotel's own switchboard
number) is skipped, since it would add pairs by the million and carry no evidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

BlockingRule = tuple[str, ...]


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"Blocking column {name!r} is not a plain column name.")
    return f'"{name}"'


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _rule_sql(rule: BlockingRule, max_block: int, link_only: bool) -> str:
    cols = [_ident(c) for c in rule]
    keys = ", ".join(cols)
    on = " AND ".join(f"l.{c} = r.{c}" for c in cols)
    small = " AND ".join(f"k.{c} = l.{c}" for c in cols)
    present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    cross = " AND l.source <> r.source" if link_only else ""
    return (  # identifiers checked by _ident, the block size an int: nothing here comes from data
        f"SELECT l.pos AS a, r.pos AS b FROM "  # noqa: S608  # nosec B608
        f"(SELECT {keys} FROM rec WHERE {present} GROUP BY {keys} HAVING count(*) <= {int(max_block)}) k "
        f"JOIN rec l ON {small} JOIN rec r ON {on} AND l.pos < r.pos{cross}"
    )


def candidate_pairs(
    columns: Mapping[str, NDArray[np.object_]],
    rules: Sequence[BlockingRule],
    *,
    source: NDArray[np.int64] | None = None,
    max_block: int = 400,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Positions (a, b), a < b, of every pair that shares at least one blocking key; with `source`,
    only pairs from two different sources (linking two files rather than deduplicating one)."""
    wanted = sorted({c for rule in rules for c in rule})
    n = len(next(iter(columns.values())))
    table = pa.table(
        {
            "pos": pa.array(np.arange(n, dtype=np.int64)),
            "source": pa.array(source if source is not None else np.zeros(n, dtype=np.int64)),
            **{
                c: pa.array([None if v is None or v == "" else str(v) for v in columns[c]], pa.string())
                for c in wanted
            },
        }
    )
    con = duckdb.connect(":memory:")
    try:
        con.register("rec", table)
        union = " UNION ".join(_rule_sql(r, max_block, source is not None) for r in rules)
        found = con.execute(f"SELECT a, b FROM ({union}) ORDER BY a, b").fetchnumpy()  # noqa: S608  # nosec B608
    finally:
        con.close()
    return np.asarray(found["a"], dtype=np.int64), np.asarray(found["b"], dtype=np.int64)


def random_pairs(
    n: int, size: int, *, seed: int = 0, source: NDArray[np.int64] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Up to `size` random distinct pairs (a != b; with `source`, across two sources)."""
    rng = np.random.default_rng(seed)
    if source is None:
        a, b = rng.integers(0, n, size), rng.integers(0, n, size)
        keep = a != b
        return a[keep], b[keep]
    left, right = np.flatnonzero(source == source.min()), np.flatnonzero(source != source.min())
    return rng.choice(left, size), rng.choice(right, size)


def total_pairs(n: int, source: NDArray[np.int64] | None = None) -> float:
    if source is None:
        return n * (n - 1) / 2
    first = int((source == source.min()).sum())
    return float(first * (n - first))


def term_frequencies(values: NDArray[np.object_], groups: NDArray[np.int64]) -> NDArray[np.float64]:
    """Per record: the share of groups (provisional guests, or records) holding its value.

    Counting distinct groups rather than records keeps a frequent guest's phone rare (twenty stays
    of one person are one holder) while a phone that four different guests give is common."""
    holders = {
        h for h in zip(values.tolist(), groups.tolist(), strict=True) if h[0] is not None and h[0] != ""
    }
    per_value: Counter[object] = Counter(v for v, _g in holders)
    total = max(len(set(groups.tolist())), 1)
    return np.fromiter(
        (per_value.get(v, 0) / total for v in values.tolist()), dtype=np.float64, count=len(values)
    )
