"""Identity resolution quality and speed on the demo group's ground truth.

    python benchmarks/bench_identity.py --guests 20000 [--seed 5]

Generates the demo group's source files, imports them through the real importers into a fresh
SQLite database, resolves, and scores the guest mentions against truth/records.csv: pairwise
precision, recall and F1 (a pair = two records of one person). Prints the machine and date.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path


def truth_keys(demo: Path) -> dict[tuple[str, str], str]:
    """(source system, our external id) -> person; OTA truth ids are channel:UniqueID:role."""
    out = {}
    with (demo / "truth" / "records.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ext = (
                row["external_id"].split(":")[1]
                if row["source_system"].startswith("ota_")
                else row["external_id"]
            )
            out[(row["source_system"], ext)] = row["person_id"]
    return out


def predicted_keys(url: str) -> dict[tuple[str, str], int]:
    from sqlalchemy import select

    from _bench_db import bench_engine
    from guestgraph.db.models import GuestMention, SourceRecord, SourceSystem

    engine = bench_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(SourceSystem.code, SourceRecord.external_id, GuestMention.guest_id)
            .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(GuestMention.person_index == 0, GuestMention.guest_id.is_not(None))
        ).all()
    engine.dispose()
    return {(code, ext): gid for code, ext, gid in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    from _bench_db import demo_database, machine_line
    from guestgraph import identity
    from guestgraph.bootstrap import import_demo_files
    from guestgraph.db import make_session_factory

    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url, engine = demo_database(work, guests=args.guests, seed=args.seed, name="identity.db")
        factory = make_session_factory(engine)
        started = time.perf_counter()
        import_demo_files(factory, work / "demo")
        imported = time.perf_counter() - started
        summary = identity.resolve_all(factory)
        engine.dispose()
        scores = identity.pairwise_scores(predicted_keys(url), truth_keys(work / "demo"))
    print(
        f"guests {args.guests} seed {args.seed}: import {imported:.1f}s, resolve {summary.seconds}s, "
        f"{summary.mentions} mentions -> {summary.guests} guests"
    )
    print(
        f"pairwise precision {scores.precision:.4f} recall {scores.recall:.4f} f1 {scores.f1:.4f} "
        f"({scores.items} records scored, {scores.true_pairs} true pairs, {scores.predicted_pairs} predicted)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
