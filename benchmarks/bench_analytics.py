"""Full analytics refresh and segment count + preview at scale (guestgraph.analytics).

    python benchmarks/bench_analytics.py [--guests 200000] [--postgres postgresql+psycopg://…/db]

Builds a group set-based with INSERT … SELECT over a number series (no Python loop over rows):
9 hotels, `--guests` guests, 4 stays per guest on average (unevenly spread; 1 in 20 cancelled) and
3 folio lines per stay, in a fresh SQLite file (and, with --postgres, the given empty database). Then
times one full refresh (metrics, RFM, lifecycle + history, 13 rule tags, dynamic segments), a second
one a week later (tags and stage history then change only where the data changed), an incremental
refresh after a 10,000-row import that day (and a full one of the same data to compare), and the
count and first preview page (20 guests, masked) of two segments of 4 and 5 conditions, median of 3
(`--runs`).

To profile the segments at scale without building again: keep the SQLite file (`--sqlite FILE`) and
the PostgreSQL database, then run again with `--reuse` (only the segments are timed, on the data as the
first run left it) and `--conditions` (each condition of a segment counted on its own as well).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from _bench_db import bench_engine
from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.analytics import (
    AllOf,
    AttributeCondition,
    MetricCondition,
    Not,
    SegmentDefinition,
    SpendCondition,
    StayCondition,
    TagCondition,
)
from guestgraph.db._migrate import upgrade

AS_OF = date(2026, 11, 1)
SERIES = {
    "sqlite": "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) ",
    "postgresql": "WITH s(i) AS (SELECT generate_series(1, {n})::bigint) ",
}
DAYS_BEFORE = {
    "sqlite": "date('2026-11-01', '-' || ({k}) || ' days')",
    "postgresql": "(DATE '2026-11-01' - ({k})::int)",
}
DAYS_AFTER = {
    "sqlite": "date({d}, '+' || ({k}) || ' days')",
    "postgresql": "({d} + ({k})::int)",
}
NOW = "'2026-11-01 08:00:00'"


def _guest_of(j: str, n: int) -> str:
    """A well-spread guest for stay j; every third stay goes to the first quarter (repeat guests)."""
    spread = f"((({j}) * 2654435761) % 4294967296)"
    return f"(1 + {spread} % (CASE WHEN ({j}) % 3 = 0 THEN {max(n // 4, 1)} ELSE {n} END))"


def build(engine: Engine, guests: int) -> dict[str, float]:
    d = engine.dialect.name
    stays, charges = guests * 4, guests * 12
    arrival = DAYS_BEFORE[d].format(k="(i * 7919) % 1100")
    nights = "(1 + (i * 31) % 5 + CASE WHEN i % 50 = 0 THEN 7 ELSE 0 END)"
    steps = {
        "hotels": [
            "INSERT INTO region (id, code, name_zh, name_en, created_at, updated_at) "
            f"VALUES (1, 'R', '华东', 'East', {NOW}, {NOW})",
            SERIES[d].format(n=9)
            + "INSERT INTO hotel (id, code, name_zh, name_en, region_id, timezone, currency, created_at, "
            "updated_at, quality_threshold) "
            "SELECT i, 'H0' || i, '酒店' || i, 'Hotel ' || i, 1, 'Asia/Shanghai', 'CNY', "
            f"{NOW}, {NOW}, 0.8 FROM s",
        ],
        "guests": [
            SERIES[d].format(n=guests)
            + "INSERT INTO guest (id, public_id, status, provenance, full_name, gender, loyalty_tier, "
            "birth_month, created_at, updated_at) SELECT i, 'B' || i, 'active', '{}', '宾客' || i, "
            "CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END, "
            "CASE i % 10 WHEN 0 THEN 'gold' WHEN 1 THEN 'platinum' WHEN 2 THEN 'silver' END, "
            f"1 + (i * 13) % 12, {NOW}, {NOW} FROM s"
        ],
        "stays": [
            SERIES[d].format(n=stays)
            + "INSERT INTO stay (id, hotel_id, confirmation_number, arrival, departure, room_type, "
            "rate_plan, channel, adults, children, amount, currency, status, created_at, updated_at) "
            f"SELECT i, 1 + (i * 13) % 9, 'C' || i, {arrival}, {DAYS_AFTER[d].format(d=arrival, k=nights)}, "
            "CASE i % 3 WHEN 0 THEN 'SKD' WHEN 1 THEN 'DKD' ELSE 'SUI' END, "
            "CASE i % 6 WHEN 0 THEN 'OTACT' WHEN 1 THEN 'BAR' WHEN 2 THEN 'WEBBAR' WHEN 3 THEN 'CORP' "
            "WHEN 4 THEN 'OTABK' ELSE 'RACK' END, "
            "CASE i % 6 WHEN 0 THEN 'ctrip' WHEN 1 THEN 'DIRECT' WHEN 2 THEN '官网' WHEN 3 THEN 'CORPORATE' "
            "WHEN 4 THEN 'booking' ELSE 'walkin' END, 2, CASE WHEN i % 11 = 0 THEN 1 ELSE 0 END, "
            "300 + (i * 37) % 2000, 'CNY', CASE WHEN i % 20 = 0 THEN 'cancelled' ELSE 'checked_out' END, "
            f"{NOW}, {NOW} FROM s",
            SERIES[d].format(n=stays) + "INSERT INTO stay_guest (stay_id, guest_id, role) "
            f"SELECT i, {_guest_of('i', guests)}, 'primary' FROM s",
        ],
        "charges": [
            SERIES[d].format(n=charges)
            + "INSERT INTO charge (id, hotel_id, stay_id, guest_id, outlet, amount, currency, posted_at) "
            f"SELECT i, 1 + (((i + 2) / 3) * 13) % 9, (i + 2) / 3, {_guest_of('(i + 2) / 3', guests)}, "
            "CASE WHEN i % 17 = 0 THEN 'spa' WHEN i % 3 = 0 THEN 'minibar' ELSE 'fnb' END, "
            f"20 + (i * 53) % 800, 'CNY', {NOW} FROM s",
        ],
    }
    timings: dict[str, float] = {}
    for name, statements in steps.items():
        started = time.perf_counter()
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
        timings[name] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # PostgreSQL: VACUUM as well, as autovacuum would after a bulk load (our test server runs without
        # it); until then every index-only scan reads the table too (the visibility map is empty).
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return timings


def import_day(engine: Engine, guests: int, rows: int) -> int:
    """What a day's PMS and POS import adds: `rows // 2` new stays of existing guests (spread over the
    group) and as many folio lines on them, after the refreshes above."""
    d, n = engine.dialect.name, rows // 2
    with engine.begin() as conn:
        first = int(conn.execute(text("SELECT MAX(id) FROM stay")).scalar() or 0)
        first_charge = int(conn.execute(text("SELECT MAX(id) FROM charge")).scalar() or 0)
        arrival = "'2026-11-06'" if d == "sqlite" else "DATE '2026-11-06'"
        departure = "'2026-11-08'" if d == "sqlite" else "DATE '2026-11-08'"
        guest = f"1 + (i * 7919) % {guests}"
        conn.execute(
            text(
                SERIES[d].format(n=n)
                + "INSERT INTO stay (id, hotel_id, confirmation_number, arrival, departure, channel, adults, "
                "children, amount, currency, status, created_at, updated_at) "
                f"SELECT {first} + i, 1 + i % 9, 'N' || i, {arrival}, {departure}, 'DIRECT', 2, 0, 880, "
                f"'CNY', 'checked_out', {NOW}, {NOW} FROM s"
            )
        )
        conn.execute(
            text(
                SERIES[d].format(n=n) + "INSERT INTO stay_guest (stay_id, guest_id, role) "
                f"SELECT {first} + i, {guest}, 'primary' FROM s"
            )
        )
        conn.execute(
            text(
                SERIES[d].format(n=n)
                + "INSERT INTO charge (id, hotel_id, stay_id, guest_id, outlet, amount, currency, posted_at) "
                f"SELECT {first_charge} + i, 1 + i % 9, {first} + i, {guest}, 'fnb', 168, 'CNY', {NOW} FROM s"
            )
        )
    return 2 * n


SEGMENTS = {
    "4 conditions": AllOf(
        conditions=[
            MetricCondition(field="stage", op="in", value=["at_risk", "dormant"]),
            MetricCondition(field="m_score", op=">=", value=4),
            AttributeCondition(field="loyalty_tier", op="in", value=["gold", "platinum"]),
            Not(condition=TagCondition(tag="complained")),
        ]
    ),
    "5 conditions": AllOf(
        conditions=[
            StayCondition(hotels=["H01"], channels=["ctrip", "booking"], arrival_from=date(2025, 11, 1)),
            MetricCondition(field="f_score", op=">=", value=3),
            TagCondition(tag="business"),
            SpendCondition(outlets=["fnb"], op=">=", amount=Decimal(500)),
            AttributeCondition(field="gender", op="=", value="F"),
        ]
    ),
}


def median_ms(fn: Callable[[], object], runs: int = 3) -> tuple[float, object]:
    result: object = None
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run(url: str, guests: int, *, reuse: bool = False, conditions: bool = False, runs: int = 3) -> None:
    upgrade(url)
    engine = bench_engine(url)
    if reuse:
        with engine.connect() as conn:
            found = int(conn.execute(text("SELECT COUNT(*) FROM guest_metrics")).scalar() or 0)
        if found < guests:
            raise SystemExit(
                f"--reuse: {url} holds {found:,} refreshed guests, not {guests:,}; build it first"
            )
        print(f"  {engine.dialect.name}: reusing {found:,} refreshed guests (load {_load()})", flush=True)
    else:
        refresh_all(engine, guests)
    time_segments(engine, conditions=conditions, runs=runs)
    engine.dispose()


def refresh_all(engine: Engine, guests: int) -> None:
    built = build(engine, guests)
    print(
        f"  {engine.dialect.name}: built {guests:,} guests, {guests * 4:,} stays, "
        f"{guests * 12:,} folio lines in " + ", ".join(f"{k} {v:.1f}s" for k, v in built.items()),
        flush=True,
    )
    summary = analytics.refresh(
        engine, settings=analytics.AnalyticsSettings(), as_of=AS_OF, now=datetime(2026, 11, 1, 8)
    )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in summary.timings.items())
    print(f"  full refresh: {summary.seconds:.1f}s ({steps}); stages {summary.stages}", flush=True)
    again = analytics.refresh(
        engine, settings=analytics.AnalyticsSettings(), as_of=date(2026, 11, 8), now=datetime(2026, 11, 8, 8)
    )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in again.timings.items())
    print(
        f"  full refresh a week later (tags and stages already there): {again.seconds:.1f}s ({steps}); "
        f"{again.stage_changes:,} stage changes",
        flush=True,
    )
    imported = import_day(engine, guests, rows=10_000)
    quick = analytics.refresh(
        engine,
        settings=analytics.AnalyticsSettings(),
        as_of=date(2026, 11, 8),
        now=datetime(2026, 11, 8, 15),
        incremental=True,
    )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in quick.timings.items())
    print(
        f"  after an import of {imported:,} stays and folio lines: {quick.kind} refresh {quick.seconds:.1f}s "
        f"({steps}); {quick.touched:,} guests recomputed from their stays",
        flush=True,
    )
    whole = analytics.refresh(
        engine, settings=analytics.AnalyticsSettings(), as_of=date(2026, 11, 8), now=datetime(2026, 11, 8, 16)
    )
    print(f"  the same as a full refresh: {whole.seconds:.1f}s", flush=True)


def _count_ms(session: Session, condition: Any, size: int, runs: int) -> tuple[float, int]:
    definition, scope = SegmentDefinition(condition=condition), DataScope.group()
    ms, preview = median_ms(
        lambda: analytics.preview_segment(
            session, scope=scope, definition=definition, today=AS_OF, size=size
        ),
        runs,
    )
    return ms, preview.count  # type: ignore[attr-defined]


def time_segments(engine: Engine, *, conditions: bool, runs: int = 3) -> None:
    with Session(engine) as session:
        for name, condition in SEGMENTS.items():
            if conditions:
                for part in condition.conditions:
                    ms, count = _count_ms(session, part, size=1, runs=runs)
                    shown = json.dumps(
                        part.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False
                    )
                    print(f"    alone {shown}: {count:,} guests, {ms:.0f} ms", flush=True)
                session.rollback()
            definition = SegmentDefinition(condition=condition)
            scope = DataScope.group()
            count_ms, count = median_ms(
                lambda d=definition, sc=scope: analytics.preview_segment(
                    session, scope=sc, definition=d, today=AS_OF, size=1
                ),
                runs,
            )
            preview_ms, _ = median_ms(
                lambda d=definition, sc=scope: analytics.preview_segment(
                    session, scope=sc, definition=d, today=AS_OF, size=20
                ),
                runs,
            )
            print(
                f"  segment {name}: {count.count:,} guests; count + 1 row {count_ms:.0f} ms; "  # type: ignore[attr-defined]
                f"count + first page of 20 {preview_ms:.0f} ms",
                flush=True,
            )
            session.rollback()
    print(f"  load average {_load()}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guests", type=int, default=200_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use as well")
    parser.add_argument(
        "--sqlite", type=Path, help="the SQLite file to use and keep (default: a temporary one)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the databases hold this benchmark's data already (an earlier run with --sqlite FILE and "
        "the same --guests): time only the segments",
    )
    parser.add_argument(
        "--conditions", action="store_true", help="count each condition of a segment alone too"
    )
    parser.add_argument("--runs", type=int, default=3, help="each segment timing is the median of this many")
    args = parser.parse_args()
    if args.reuse and not (args.sqlite or args.no_sqlite):
        parser.error("--reuse needs --sqlite FILE (or --no-sqlite)")
    if args.sqlite and args.sqlite.exists() and not args.reuse:
        parser.error(f"{args.sqlite} exists: give a new file to build in, or --reuse it")
    print(
        f"bench_analytics: {' '.join(sys.argv)} · {platform.machine()} · "
        f"Python {platform.python_version()} · "
        f"{datetime.now():%Y-%m-%d %H:%M} · load {_load()}"
    )
    options = {"reuse": args.reuse, "conditions": args.conditions, "runs": args.runs}
    if args.sqlite:
        run(f"sqlite:///{args.sqlite.resolve()}", args.guests, **options)
    elif not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.guests, **options)
    if args.postgres:
        run(args.postgres, args.guests, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
