"""The incremental analytics refresh after a day's import, on copies of one built database, so that two
versions of the code can be timed on the same data one after the other (issue 8).

    # once: bench_analytics's data, a full refresh on 2026-11-01 and another on 2026-11-08
    python benchmarks/bench_incremental.py build sqlite:////tmp/base.db --guests 200000
    # each run: copy it (SQLite file copy, PostgreSQL CREATE DATABASE … TEMPLATE), import 5,000 stays
    # and 5,000 folio lines, refresh incrementally (statements profiled), then in full (unless
    # --no-full) and compare a digest of guest_metrics, the tags, the stage history and the segments
    python benchmarks/bench_incremental.py run sqlite:////tmp/base.db /tmp/work.db [--upgrade] [--exact]
    python benchmarks/bench_incremental.py run postgresql+psycopg://…/base_db work_db

`--upgrade` migrates the copy first (a base built by older code); `--exact` refreshes without the id
margins (`Margins(ids=0)`), to see what the margins cost. SQLite figures include the process's CPU time
(SQLite runs in-process; on a shared machine the wall time follows the load).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from _bench_db import bench_engine
from bench_analytics import AS_OF, build, import_day
from guestgraph import analytics
from guestgraph.db._migrate import upgrade

SETTINGS = analytics.AnalyticsSettings()
DIGESTS = {
    "metrics": "SELECT * FROM guest_metrics ORDER BY guest_id",
    "tags": "SELECT guest_id, tag, kind, retired_at IS NULL FROM guest_tag "
    "ORDER BY guest_id, tag, kind, retired_at IS NULL",
    "history": "SELECT guest_id, stage, previous_stage, entered_on, left_on FROM guest_stage_history "
    "ORDER BY guest_id, entered_on, stage, left_on",
    "segments": "SELECT segment_id, guest_id FROM segment_member WHERE left_at IS NULL ORDER BY 1, 2",
}


def build_base(url: str, guests: int) -> None:
    upgrade(url)
    engine = bench_engine(url)
    print("built", {k: round(v, 1) for k, v in build(engine, guests).items()}, flush=True)
    for as_of, now in ((AS_OF, datetime(2026, 11, 1, 8)), (date(2026, 11, 8), datetime(2026, 11, 8, 8))):
        done = analytics.refresh(engine, settings=SETTINGS, as_of=as_of, now=now)
        print(f"full refresh {as_of}: {done.seconds:.1f}s {done.timings}", flush=True)
    engine.dispose()


def _copy(base: str, work: str) -> str:
    url = make_url(base)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.copyfile(url.database, work)
        return f"sqlite:///{work}"
    import psycopg

    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {work}")
        conn.execute(f"CREATE DATABASE {work} TEMPLATE {url.database}")
    return url.set(database=work).render_as_string(hide_password=False)


def _profile(engine: Engine) -> dict[str, list[float]]:
    """Wall and process CPU seconds per statement text."""
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["bench_t0"] = (time.perf_counter(), time.process_time())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        wall, cpu = conn.info.pop("bench_t0")
        row = stats[" ".join(statement.split())[:200]]
        row[0] += 1
        row[1] += time.perf_counter() - wall
        row[2] += time.process_time() - cpu

    return stats


def _digest(engine: Engine) -> dict[str, str]:
    out = {}
    with engine.connect() as conn:
        for name, sql in DIGESTS.items():
            h = hashlib.sha256()
            for row in conn.execute(text(sql)):
                h.update(repr(tuple(str(v) for v in row)).encode())
            out[name] = h.hexdigest()[:12]
    return out


def run(base: str, work: str, guests: int, *, migrate: bool, exact: bool, full: bool, top: int) -> None:
    url = _copy(base, work)
    if migrate:
        upgrade(url)
    engine = bench_engine(url)
    stats = _profile(engine)
    print(f"load {os.getloadavg()}", flush=True)
    import_day(engine, guests, rows=10_000)
    stats.clear()
    cpu = time.process_time()
    margins = analytics.Margins(ids=0) if exact else None
    quick = analytics.refresh(
        engine, settings=SETTINGS, as_of=date(2026, 11, 8), now=datetime(2026, 11, 8, 15), incremental=True,
        margins=margins,
    )  # fmt: skip
    print(
        f"{quick.kind} refresh {quick.seconds:.2f}s, process CPU {time.process_time() - cpu:.2f}s, "
        f"{quick.timings}, {quick.touched:,} guests recomputed; load {os.getloadavg()}",
        flush=True,
    )
    for statement, (n, wall, spent) in sorted(stats.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"  {wall:7.3f}s cpu {spent:6.3f}s x{n:<3.0f} {statement}")
    incremental = _digest(engine)
    print("digest after the incremental refresh", incremental, flush=True)
    if full:
        whole = analytics.refresh(
            engine, settings=SETTINGS, as_of=date(2026, 11, 8), now=datetime(2026, 11, 8, 16)
        )
        same = _digest(engine) == incremental
        print(f"full refresh {whole.seconds:.2f}s {whole.timings}: {'IDENTICAL' if same else 'DIFFERENT'}")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("url")
    b.add_argument("--guests", type=int, default=200_000)
    r = sub.add_parser("run")
    r.add_argument("base", help="the built database's URL")
    r.add_argument("work", help="SQLite: the file to copy it to; PostgreSQL: the database to create")
    r.add_argument("--guests", type=int, default=200_000, help="as built")
    r.add_argument("--upgrade", action="store_true", help="migrate the copy first")
    r.add_argument("--exact", action="store_true", help="no id margins")
    r.add_argument("--no-full", action="store_true", help="skip the full refresh and the comparison")
    r.add_argument("--top", type=int, default=15, help="statements shown")
    args = parser.parse_args()
    if args.command == "build":
        build_base(args.url, args.guests)
    else:
        run(
            args.base, args.work, args.guests, migrate=args.upgrade, exact=args.exact,
            full=not args.no_full, top=args.top,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
