"""Management dashboard at scale (guestgraph.analytics.dashboard, issue 8: page p95 ≤ 500 ms at 1M).

    python benchmarks/bench_dashboard.py [--guests N] [--sqlite FILE [--reuse [--refresh]]] [--postgres URL]

Builds the same group as bench_analytics.py (9 hotels in one region, `--guests` guests, 4 stays and
12 folio lines per guest; one in four guests given a nationality of eight), runs one full analytics
refresh, then times the dashboard for the default period (the last 365 days, compared with the 365
before) in group scope, region scope and one hotel's scope, and narrowed to one hotel from group
scope: `--runs` calls each (default 20) after one warm-up, p50 and p95. With `--sqlite FILE` the SQLite
file is kept and `--reuse` times a kept one again without building; `--refresh` runs a full analytics
refresh on it first (a database built before migration 0052 needs one to fill the dashboard roll-ups),
then an incremental one, and gives their times and the roll-up step's. CPU is `time.process_time` of
this process (SQLite runs in it; for PostgreSQL it leaves out the server's work).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from _bench_db import bench_engine
from bench_analytics import AS_OF, build
from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.db._migrate import upgrade

MARKETS = "CASE id % 32 WHEN 0 THEN 'US' WHEN 1 THEN 'JP' WHEN 2 THEN 'KR' WHEN 3 THEN 'SG' WHEN 4 THEN 'GB' "
MARKETS += "WHEN 5 THEN 'DE' WHEN 6 THEN 'FR' WHEN 7 THEN 'AU' ELSE 'CN' END"


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare(engine: Engine, guests: int) -> None:
    built = build(engine, guests)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE guest SET nationality = {MARKETS} WHERE id % 4 = 0"))
    print("  built in " + ", ".join(f"{k} {v:.1f}s" for k, v in built.items()), flush=True)
    refresh(engine, now=datetime(2026, 11, 1, 8))


def refresh(engine: Engine, *, incremental: bool = False, now: datetime | None = None) -> None:
    """A refresh as of AS_OF; `now` (the clock the incremental run's marks use) is the real time unless
    given, so that an incremental run after a full one finds only what changed in between."""
    started_cpu = time.process_time()
    summary = analytics.refresh(
        engine,
        settings=analytics.AnalyticsSettings(),
        as_of=AS_OF,
        now=now or datetime.now(UTC),
        incremental=incremental,
    )
    print(
        f"  {summary.kind} refresh {summary.seconds:.1f}s (CPU {time.process_time() - started_cpu:.1f}s; "
        f"dashboard roll-ups {summary.timings.get('dashboard', 0):.1f}s; load {_load()})",
        flush=True,
    )


def time_dashboard(engine: Engine, runs: int, days: int) -> None:
    until = AS_OF
    since = until - timedelta(days=days - 1)
    cases: list[tuple[str, DataScope, str | None]] = [
        ("group", DataScope.group(), None),
        ("region", DataScope.region(1), None),
        ("one hotel (scope)", DataScope.hotels(1), None),
        ("group, narrowed to H01", DataScope.group(), "H01"),
    ]
    for label, scope, hotel in cases:
        times, cpu = [], []
        board = None
        with Session(engine) as session:
            for i in range(runs + 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                board = analytics.dashboard(session, scope=scope, since=since, until=until, hotel=hotel)
                if i:  # the first call warms the caches
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                session.rollback()
        assert board is not None
        p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]
        print(
            f"  {engine.dialect.name} dashboard, {days} days, {label}: "
            f"p50 {statistics.median(times):.0f} ms, "
            f"p95 {p95:.0f} ms, CPU p50 {statistics.median(cpu):.0f} ms, "
            f"CPU p95 {statistics.quantiles(cpu, n=20)[18] if len(cpu) >= 2 else cpu[0]:.0f} ms "
            f"({board.stays:,} stays, "
            f"{board.guests:,} guests, previous {board.previous.stays:,} stays; load {_load()})",
            flush=True,
        )


def run(url: str, guests: int, *, reuse: bool, runs: int, periods: list[int], again: bool = False) -> None:
    upgrade(url)
    engine = bench_engine(url)
    if not reuse:
        prepare(engine, guests)
    elif again:
        refresh(engine)
        refresh(engine, incremental=True)
    for days in periods:
        time_dashboard(engine, runs, days)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guests", type=int, default=200_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use as well")
    parser.add_argument("--sqlite", type=Path, help="the SQLite file to use and keep")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--reuse", action="store_true", help="the databases hold this benchmark's data")
    parser.add_argument(
        "--refresh", action="store_true", help="with --reuse: refresh (full, then incremental)"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--days",
        type=int,
        nargs="+",
        default=[30, 365],
        help="period lengths to time (the page's default: 30)",
    )
    args = parser.parse_args()
    print(
        f"bench_dashboard: {' '.join(sys.argv)} · {platform.machine()} · "
        f"Python {platform.python_version()} · "
        f"{datetime.now():%Y-%m-%d %H:%M} · load {_load()} · as of {date.isoformat(AS_OF)}",
        flush=True,
    )
    if args.sqlite:
        run(
            f"sqlite:///{args.sqlite.resolve()}",
            args.guests,
            reuse=args.reuse,
            runs=args.runs,
            periods=args.days,
            again=args.refresh,
        )
    elif not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(
                f"sqlite:///{Path(tmp) / 'bench.db'}",
                args.guests,
                reuse=False,
                runs=args.runs,
                periods=args.days,
            )
    if args.postgres:
        run(
            args.postgres,
            args.guests,
            reuse=args.reuse,
            runs=args.runs,
            periods=args.days,
            again=args.refresh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
