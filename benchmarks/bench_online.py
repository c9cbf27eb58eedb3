"""Online resolution latency: one new record matched against every guest, as a push or a registration
is resolved when it lands.

    python benchmarks/bench_online.py --guests 20000 [--records 500] [--seed 5] [--save F | --reuse F]
        [--checkpoint inline|background] [--checkpoint-seconds 0.5] [--postgres-url URL]

Generates the demo group, imports every file through the real importers into a fresh SQLite
database and resolves it with the batch pass. Then `--records` source records picked at random are
made new again (their persons' guest links cleared, as if they had just arrived) and each is resolved
on its own with `identity.resolve_records`, timed: candidate lookup through the indexed keys, the
rules over the neighbourhood, the guest assignment, golden values and stay links, one transaction.
Prints p50 / p95 / p99 / max, the CPU time and the SQL statements a record took (the machine's cores
are shared, so wall-clock is noisy; CPU and statements are not), the machine and the date. The
issue's target is p99 ≤ 5 ms at 1M guests. `--save F` keeps a copy of the resolved database at F;
`--reuse F` starts from such a copy (same --guests and --seed) instead of importing again.
`--checkpoint background` runs the timed part with the web server's WAL checkpointer (a thread of its
own, commits with `wal_autocheckpoint=0`); `inline` (the default) leaves SQLite's checkpoint in the
commits. CPU is the timing thread's own; the checkpointer's thread is printed apart.
`--postgres-url URL` builds and measures in a scratch database on that PostgreSQL server (dropped after).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100, help="records per import in the batched run")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--save", type=Path, help="keep a copy of the resolved database here")
    parser.add_argument("--reuse", type=Path, help="start from a copy kept by --save")
    parser.add_argument("--checkpoint", choices=["inline", "background"], default="inline")
    parser.add_argument("--checkpoint-seconds", type=float, default=0.5, help="background: the interval")
    parser.add_argument(
        "--postgres-url", help="build and measure in a scratch PostgreSQL database on this server instead"
    )
    args = parser.parse_args()
    from sqlalchemy import event, func, select, update

    from _bench_db import bench_engine, demo_database, machine_line, scratch_database
    from guestgraph import identity
    from guestgraph.bootstrap import import_demo_files
    from guestgraph.db import CheckpointPolicy, background_checkpoints, make_session_factory
    from guestgraph.db.models import Guest, GuestMention, SourceRecord

    print(machine_line())
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as cleanup:
        work = Path(folder)
        if args.postgres_url:
            args.backend = "postgresql"
            pg_url, drop = scratch_database(args, work)
            cleanup.callback(drop)  # type: ignore[arg-type]  # (never None for PostgreSQL)
            _url, engine = demo_database(work, guests=args.guests, seed=args.seed, name="", url=pg_url)
            factory = make_session_factory(engine)
            import_demo_files(factory, work / "demo")
            summary = identity.resolve_all(factory)
            print(f"history (PostgreSQL): {summary.mentions:,} mentions -> {summary.guests:,} guests")
        elif args.reuse:
            shutil.copyfile(args.reuse, work / "online.db")
            engine = bench_engine(f"sqlite:///{work / 'online.db'}")
            factory = make_session_factory(engine)
            print(f"history: reused {args.reuse}")
        else:
            _url, engine = demo_database(work, guests=args.guests, seed=args.seed, name="online.db")
            factory = make_session_factory(engine)
            started = time.perf_counter()
            import_demo_files(factory, work / "demo")
            imported = time.perf_counter() - started
            summary = identity.resolve_all(factory)
            print(
                f"history: {summary.mentions:,} mentions -> {summary.guests:,} guests "
                f"(import {imported:.0f} s, batch pass {summary.seconds} s)"
            )
            if args.save:
                engine.dispose()
                shutil.copyfile(work / "online.db", args.save)
        with factory() as session:
            records = list(session.scalars(select(SourceRecord.id).where(SourceRecord.guest_id.is_not(None))))
            guests = session.scalar(select(func.count()).select_from(Guest)) or 0
        print(f"{guests:,} guest rows")
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args: object) -> None:
            statements[0] += 1

        picked = random.Random(args.seed).sample(records, min(args.records, len(records)))
        with factory.begin() as session:  # as if these had just arrived
            session.execute(
                update(GuestMention).where(GuestMention.source_record_id.in_(picked)).values(guest_id=None)
            )
        timings = []
        attached = 0
        statements[0] = 0
        policy = CheckpointPolicy(mode=args.checkpoint, seconds=args.checkpoint_seconds)
        with background_checkpoints(engine, policy) as checkpointer:
            cpu, process_cpu = time.thread_time(), time.process_time()
            cpu_each = []  # this thread's CPU a record: not stretched by other processes on the cores
            for record_id in picked:
                t, c = time.perf_counter(), time.thread_time()
                done = identity.resolve_records(factory, [record_id])
                timings.append((time.perf_counter() - t) * 1000)
                cpu_each.append((time.thread_time() - c) * 1000)
                attached += done.attached if done else 0
            cpu_ms = (time.thread_time() - cpu) * 1000 / len(picked)
            other_cpu_ms = (time.process_time() - process_cpu) * 1000 / len(picked) - cpu_ms
            if checkpointer is not None:
                print(
                    f"checkpointer: {checkpointer.runs} checkpoints, {checkpointer.frames:,} frames; "
                    f"other threads' CPU {other_cpu_ms:.2f} ms a record"
                )
        per_record_statements = statements[0] / len(picked)
        timings.sort()
        cpu_each.sort()

        def pct(p: float, samples: list[float] = timings) -> float:
            return samples[min(len(samples) - 1, int(p * len(samples)))]

        print(
            f"online ({args.checkpoint} checkpoints), {len(timings)} records one at a time: "
            f"p50 {statistics.median(timings):.1f} ms · "
            f"p95 {pct(0.95):.1f} · p99 {pct(0.99):.1f} · max {timings[-1]:.1f} ms; "
            f"{attached} joined an existing guest; CPU {cpu_ms:.2f} ms a record (p50 "
            f"{pct(0.5, cpu_each):.2f} · p99 {pct(0.99, cpu_each):.2f} · max {cpu_each[-1]:.2f}), "
            f"{per_record_statements:.1f} statements a record"
        )
        rest = sorted(set(records) - set(picked))
        batches = [
            random.Random(args.seed + 1).sample(rest, args.batch) for _ in range(args.batches)
        ]  # an import of `batch` records each (a push batch, a small file)
        with factory.begin() as session:
            everything = [r for b in batches for r in b]
            session.execute(
                update(GuestMention)
                .where(GuestMention.source_record_id.in_(everything))
                .values(guest_id=None)
            )
        per_record = []
        for chunk in batches:
            t = time.perf_counter()
            identity.resolve_records(factory, chunk)
            per_record.append((time.perf_counter() - t) * 1000 / len(chunk))
        print(
            f"online, {args.batches} imports of {args.batch} records: "
            f"{statistics.median(per_record):.2f} ms a record (median), worst import "
            f"{max(per_record):.2f} ms a record"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
