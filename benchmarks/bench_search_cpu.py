"""Front-desk search, Python CPU per search (issue 6): `time.process_time` and wall time of
`profiles.search_guests` by kind of query, for a hotel user and a group user, on a database built by
`bench_desk.py`, with SQLAlchemy's compiled-statement cache hits counted per statement executed.

    python benchmarks/bench_desk.py --backend sqlite --guests 100000 --skip-http --data-dir /tmp/desk100k
    python benchmarks/bench_search_cpu.py --backend sqlite --guests 100000 --data-dir /tmp/desk100k \
        --results /tmp/after.json [--compare /tmp/before.json]

Each search runs in a new session, as a request does. `--results` writes what every search found (the
public ids of the page and the total), and `--compare` checks another run's results are identical, so a
before/after pair (the old code on PYTHONPATH for "before") shows the change kept results and ranking.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT, CACHE_MISS

from bench_desk import KINDS, queries


def _engine(args: argparse.Namespace) -> Any:
    os.environ["GUESTGRAPH_BENCH_DATA_DIR"] = str(args.data_dir)
    os.environ["GUESTGRAPH_DATA_DIR"] = str(args.data_dir)
    from _bench_db import bench_engine

    if args.backend == "sqlite":
        url = f"sqlite:///{args.data_dir / 'desk.db'}"
    else:
        from sqlalchemy.engine import make_url

        url = make_url(args.postgres_url).set(database=args.pg_database).render_as_string(hide_password=False)
    return bench_engine(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--stays-per-guest", type=int, default=4)
    parser.add_argument("--runs", type=int, default=30, help="searches per kind and scope")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="gg_bench_perf")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--results", type=Path, help="write every search's page and total here")
    parser.add_argument("--compare", type=Path, help="check the results equal this earlier --results file")
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    engine = _engine(args)
    from _bench_db import machine_line
    from guestgraph import profiles
    from guestgraph.access import DataScope
    from guestgraph.db import make_session_factory
    from guestgraph.db.models import Hotel
    from guestgraph.paging import PageRequest

    print(f"{machine_line()} · {args.backend} · {args.guests:,} guests · load {os.getloadavg()[0]:.2f}")
    print(f"# guestgraph from {profiles.__file__}")
    cache: dict[str, int] = {}

    @event.listens_for(engine, "after_cursor_execute")
    def _count(_conn: Any, _cur: Any, _stmt: Any, _params: Any, context: Any, _many: bool) -> None:
        hit = getattr(context, "cache_hit", None)
        name = "hit" if hit is CACHE_HIT else "miss" if hit is CACHE_MISS else "other"
        cache[name] = cache.get(name, 0) + 1

    factory = make_session_factory(engine)
    with factory() as session:
        first_hotel = session.query(Hotel.id).order_by(Hotel.code).limit(1).scalar()
    scopes = {"hotel": DataScope.hotels(first_hotel), "group": DataScope.group()}
    mix = queries(args.guests, args.stays_per_guest, args.runs * len(KINDS), seed=11)
    found: dict[str, list[Any]] = {}
    paging = PageRequest(page=1, size=20)
    for label, scope in scopes.items():
        for _kind, q in mix[: len(KINDS) * 2]:  # warm the caches (statements, keys, pages)
            with factory() as session:
                profiles.search_guests(session, scope=scope, q=q, paging=paging)
        cache.clear()
        cpu: dict[str, list[float]] = {k: [] for k in KINDS}
        wall: dict[str, list[float]] = {k: [] for k in KINDS}
        for kind, q in mix:
            w, c = time.perf_counter(), time.process_time()
            with factory() as session:
                page = profiles.search_guests(session, scope=scope, q=q, paging=paging)
            cpu[kind].append(time.process_time() - c)
            wall[kind].append(time.perf_counter() - w)
            found.setdefault(label, []).append([q, page.total, [g.public_id for g in page.items]])
        statements = sum(cache.values())
        print(
            f"{label} scope: CPU mean {statistics.fmean(sum(cpu.values(), [])) * 1000:.2f} ms/search · "
            f"wall p50 {statistics.median(sum(wall.values(), [])) * 1000:.2f} ms · statements/search "
            f"{statements / len(mix):.2f} · compiled-cache hits {cache.get('hit', 0)}/{statements}"
            f" ({cache.get('hit', 0) / max(statements, 1):.0%})"
        )
        for kind in KINDS:
            print(
                f"    {kind:15} CPU mean {statistics.fmean(cpu[kind]) * 1000:6.2f} ms · "
                f"median {statistics.median(cpu[kind]) * 1000:6.2f} ms · wall p50 "
                f"{statistics.median(wall[kind]) * 1000:6.2f} ms"
            )
    print(f"# load average at the end {os.getloadavg()}")
    if args.results:
        args.results.write_text(json.dumps(found, ensure_ascii=False, indent=0))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = [
            (label, a, b)
            for label in found
            for a, b in zip(found[label], before[label], strict=True)
            if a != b
        ]
        print(f"compared with {args.compare}: {len(differ)} searches differ")
        for label, a, b in differ[:10]:
            print(f"  {label}: now {a} · before {b}")
        if differ:
            return 1
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
