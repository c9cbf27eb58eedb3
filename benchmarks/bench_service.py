"""Service tickets at volume: the board (`list_tickets`), the SLA dashboard (`sla_dashboard`) and breach
detection (`check_breaches`) over N open tickets spread across the demo group's hotels, in-process.

    python benchmarks/bench_service.py --tickets 10000 --backend sqlite

A tenth of the tickets are past their respond deadline, so the first breach run marks and escalates
them (the worst minute); the runs after it find nothing new (every other minute).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

sys.path.insert(0, str(Path(__file__).parent))
from _bench_db import percentiles, scratch_database  # noqa: E402 - the shared database helpers


def build(engine: Engine, *, tickets: int, now: datetime, seed: int) -> int:
    """Insert the tickets set-based; returns the number of hotels they are spread over."""
    from guestgraph.db.models import Hotel, ServiceTicket

    rng = random.Random(seed)
    with engine.begin() as conn:
        hotels = list(conn.scalars(select(Hotel.id)))
        rows: list[dict[str, Any]] = []
        for i in range(tickets):
            created = now - timedelta(minutes=rng.randrange(1, 600))
            late = i % 10 == 0
            rows.append(
                {
                    "hotel_id": rng.choice(hotels),
                    "category": rng.choice(
                        ("room", "cleaning", "fnb", "billing", "noise", "lost_item", "other")
                    ),
                    "priority": rng.choice(("low", "normal", "high", "urgent")),
                    "status": rng.choice(("open", "assigned", "in_progress")) if not late else "open",
                    "title": f"ticket {i}",
                    "created_at": created,
                    "updated_at": created,
                    "respond_due_at": now - timedelta(minutes=1) if late else now + timedelta(hours=2),
                    "resolve_due_at": now + timedelta(hours=rng.randrange(1, 48)),
                    "first_response_at": None if late else created + timedelta(minutes=5),
                }
            )
        for start in range(0, len(rows), 5000):
            conn.execute(insert(ServiceTicket), rows[start : start + 5000])
    return len(hotels)


def timed(runs: int, work: Any) -> list[float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        work()
        samples.append(time.perf_counter() - t)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    from _bench_db import bench_engine
    from guestgraph import org, service
    from guestgraph.access import DataScope
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.demo import generate_demo

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate_demo(out_dir=work / "demo", guests=50, seed=1)
        url, admin = scratch_database(args, work)
        upgrade(url)
        engine = bench_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
        hotels = build(engine, tickets=args.tickets, now=now, seed=3)
        print(
            f"# {now:%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu · "
            f"Python {platform.python_version()}"
            f" · {args.backend} · {args.tickets:,} open tickets over {hotels} hotels"
        )
        group = DataScope.group()
        with factory() as session:
            board = timed(args.runs, lambda: service.list_tickets(session, scope=group, open_only=True))
            dashboard = timed(args.runs, lambda: service.sla_dashboard(session, scope=group))
        print(f"board (200 most urgent of the open tickets): {percentiles(board)}")
        print(f"SLA dashboard: {percentiles(dashboard)}")
        with factory.begin() as session:
            t = time.perf_counter()
            first = service.check_breaches(session, now)
            print(f"check_breaches, first run: {first.respond} breaches marked and escalated in "
                  f"{(time.perf_counter() - t) * 1000:.0f} ms")  # fmt: skip
        with factory() as session:
            steady = timed(args.runs, lambda: service.check_breaches(session, now))
            session.rollback()
        print(f"check_breaches, nothing new: {percentiles(steady)}")
        engine.dispose()
        if admin:
            admin()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
