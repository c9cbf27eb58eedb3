"""Arrivals list for a 500-room hotel: p50/p99 of `frontdesk.list_arrivals` (in-process) and of
`GET /api/v1/hotels/{code}/arrivals` (over HTTP, one uvicorn process), on SQLite or PostgreSQL.

    python benchmarks/bench_frontdesk.py --guests 1000000 --stays-per-guest 4 --backend sqlite

Builds a fresh database with the demo group's hotels, N guests with M stays each spread over three
years and nine hotels, today's arrivals at the first hotel (its 500 rooms at half turnover: 250
arrivals), preferences on a fifth of the guests and complaints on one in twenty, all inserted set-based.
Prints machine, date, sizes and latency percentiles.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select, text

CHUNK = 20_000


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def build(engine: Engine, *, guests: int, per_guest: int, arrivals: int, seed: int) -> tuple[str, int]:
    """Fill the database; returns the hotel code and the number of its arrivals today."""
    from zoneinfo import ZoneInfo

    from guestgraph.db.models import Guest, Hotel, Interaction, Preference, Stay, StayGuest

    rng = random.Random(seed)
    with engine.begin() as conn:
        hotels = conn.execute(select(Hotel.id, Hotel.code, Hotel.timezone).order_by(Hotel.code)).all()
        target_id, code, tz = hotels[0]
        conn.execute(text("UPDATE hotel SET rooms = 500 WHERE id = :id"), {"id": target_id})
    today = datetime.now(ZoneInfo(tz)).date()
    tiers = [None] * 6 + ["silver", "gold", "platinum"]
    stay_id = 0
    for start in range(0, guests, 100_000):
        n = min(100_000, guests - start)
        g_rows = [
            {
                "id": start + i + 1,
                "public_id": f"G{start + i + 1:012d}",
                "full_name": f"宾客{start + i + 1}",
                "loyalty_tier": rng.choice(tiers),
                "birth_date": date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                "status": "active",
                "provenance": {},
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
            for i in range(n)
        ]
        s_rows, sg_rows = [], []
        for g in g_rows:
            for _ in range(per_guest):
                stay_id += 1
                arrival = today - timedelta(days=rng.randrange(2, 1100))
                s_rows.append(_stay(stay_id, rng.choice(hotels)[0], arrival, "checked_out"))
                sg_rows.append({"stay_id": stay_id, "guest_id": g["id"], "role": "primary"})
        p_rows = [
            {
                "guest_id": g["id"],
                "category": rng.choice(("floor", "pillow", "allergy", "diet")),
                "value": "x",
            }
            for g in g_rows
            if rng.random() < 0.2
        ]
        i_rows = [
            {
                "guest_id": g["id"], "hotel_id": target_id, "channel": "in_person", "direction": "inbound",
                "kind": "complaint", "text": "noise",
                "occurred_at": datetime.now(UTC) - timedelta(days=rng.randrange(900)),
            }
            for g in g_rows
            if rng.random() < 0.05
        ]  # fmt: skip
        with engine.begin() as conn:
            for table, rows in ((Guest, g_rows), (Stay, s_rows), (StayGuest, sg_rows), (Preference, p_rows),
                                (Interaction, i_rows)):  # fmt: skip
                for chunk in _chunks(rows):
                    conn.execute(insert(table), chunk)
        print(f"  {start + n:,} guests, {stay_id:,} stays", flush=True)
    today_rows, today_sg = [], []
    for guest_id in rng.sample(range(1, guests + 1), arrivals):
        stay_id += 1
        today_rows.append(_stay(stay_id, target_id, today, "booked"))
        today_sg.append({"stay_id": stay_id, "guest_id": guest_id, "role": "primary"})
    with engine.begin() as conn:
        conn.execute(insert(Stay), today_rows)
        conn.execute(insert(StayGuest), today_sg)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
            for table in ("guest", "stay"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        else:
            conn.execute(text("ANALYZE"))
    return code, arrivals


def _stay(stay_id: int, hotel_id: int, arrival: date, status: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": stay_id, "hotel_id": hotel_id, "confirmation_number": f"B{stay_id:09d}", "arrival": arrival,
        "departure": arrival + timedelta(days=2), "status": status, "room_type": "DK", "amount": 1200,
        "currency": "CNY", "created_at": now, "updated_at": now,
    }  # fmt: skip


def percentiles(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {qs[49] * 1000:.1f} ms · p99 {qs[98] * 1000:.1f} ms · max {max(samples) * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--stays-per-guest", type=int, default=4)
    parser.add_argument("--arrivals", type=int, default=250)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    from _bench_db import bench_engine
    from guestgraph import frontdesk, org
    from guestgraph.access import DataScope
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.demo import generate_demo

    print(
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu · Python "
        f"{platform.python_version()} · {args.backend} · {args.guests:,} guests"
        f" × {args.stays_per_guest} stays"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate_demo(out_dir=work / "demo", guests=50, seed=1)
        url, admin = _database(args, work)
        upgrade(url)
        engine = bench_engine(url)
        with make_session_factory(engine).begin() as session:
            org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
        started = time.perf_counter()
        code, n = build(
            engine, guests=args.guests, per_guest=args.stays_per_guest, arrivals=args.arrivals, seed=5
        )
        print(f"  built in {time.perf_counter() - started:.0f} s; {code} has {n} arrivals today")
        factory = make_session_factory(engine)
        samples = []
        for _ in range(args.runs):
            t = time.perf_counter()
            with factory() as session:
                listed = frontdesk.list_arrivals(session, scope=DataScope.group(), hotel_code=code)
            samples.append(time.perf_counter() - t)
        assert len(listed.lines) == n
        print(f"in-process list_arrivals ({n} arrivals): {percentiles(samples)}")
        over_http = _http(url, work, engine, code, args.runs)
        print(f"over HTTP GET /api/v1/hotels/{code}/arrivals: {percentiles(over_http)}")
        engine.dispose()
        if admin:
            admin()
    return 0


def _database(args: argparse.Namespace, work: Path) -> tuple[str, Any]:
    if args.backend == "sqlite":
        return f"sqlite:///{work / 'frontdesk.db'}", None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(args.postgres_url)
    name = f"gg_bench_fd_{os.getpid()}"
    conninfo = f"host={base.host} port={base.port or 5432} user={base.username or 'postgres'} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


def _http(url: str, work: Path, engine: Engine, code: str, runs: int) -> list[float]:
    from guestgraph import access
    from guestgraph.db import make_session_factory
    from guestgraph.db.models import Role

    with make_session_factory(engine).begin() as session:
        access.ensure_default_roles(session)
        assert session.scalar(select(Role.id).where(Role.code == "front_desk"))
        user = access.create_user(
            session,
            access.NewUser(
                username="bench.desk", display_name="Bench", role="front_desk", scope=access.DataScope.group()
            ),
            password=None,
            now=datetime.now(UTC),
        )
        token = access.start_session(
            session, user, now=datetime.now(UTC), mfa_ok=True, ip=None, user_agent="bench"
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(work),
        "GUESTGRAPH_ENV": "dev",
    }
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "guestgraph.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    samples: list[float] = []
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as c:
            for _ in range(100):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for _ in range(runs):
                t = time.perf_counter()
                answer = c.get(f"/api/v1/hotels/{code}/arrivals")
                samples.append(time.perf_counter() - t)
                answer.raise_for_status()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return samples


if __name__ == "__main__":
    sys.exit(main())
