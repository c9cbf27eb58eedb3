"""Loyalty at scale: members, accrual, a second (idempotent) accrual, expiry and tier evaluation for N
guests' stays, each one statement set-based.

    python benchmarks/bench_loyalty.py --guests 100000 --backend sqlite
    python benchmarks/bench_loyalty.py --guests 100000 --backend postgresql \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database with N guests, each holding a loyalty number and one checked-out stay (room
revenue on the stay, an F&B and a spa line on its folio: 3 N revenue lines), the shipped schemes'
group scheme `GG` (group-wide). Times each job of `guestgraph loyalty run` on its own transaction.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_engage import _database  # noqa: E402

from guestgraph import loyalty  # noqa: E402
from guestgraph.db import make_engine, make_session_factory  # noqa: E402
from guestgraph.db._migrate import upgrade  # noqa: E402
from guestgraph.db.models import Charge, Guest, Hotel, LoyaltyEntry, Region, Stay, StayGuest, StayStatus  # noqa: E402

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SCHEME = {
    "code": "GG", "name_zh": "悦客会", "name_en": "Rewards", "golden_number": True, "expiry_months": 24,
    "earn": {"room": 1, "fnb": 2, "spa": 1},
    "tiers": [
        {"code": "member", "name_zh": "会员", "name_en": "Member", "rank": 0},
        {"code": "silver", "name_zh": "银卡", "name_en": "Silver", "rank": 1, "min_nights": 3,
         "min_spend": 1700},
    ],
}  # fmt: skip


def build(url: str, guests: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        region = conn.execute(
            insert(Region).values(code="E", name_zh="东", name_en="East").returning(Region.id)
        )
        hotel = conn.execute(
            insert(Hotel)
            .values(code="SHA01", name_zh="上海酒店", name_en="Shanghai", region_id=region.scalar_one())
            .returning(Hotel.id)
        ).scalar_one()
        conn.execute(
            insert(Guest),
            [
                {"public_id": f"GB{i:08d}", "loyalty_number": f"GG{i:08d}", "status": "active"}
                for i in range(guests)
            ],
        )
        ids = list(conn.scalars(select(Guest.id).order_by(Guest.id)))
        stays = [
            {
                "hotel_id": hotel,
                "confirmation_number": f"C{g}",
                "status": StayStatus.CHECKED_OUT,
                "arrival": (NOW - timedelta(days=3 + g % 700)).date(),
                "departure": (NOW - timedelta(days=1 + g % 700)).date(),
                "amount": Decimal(800 + g % 400),
                "currency": "CNY",
            }  # fmt: skip
            for g in ids
        ]
        stay_ids = list(
            conn.execute(insert(Stay).returning(Stay.id, sort_by_parameter_order=True), stays).scalars()
        )
        conn.execute(
            insert(StayGuest),
            [{"stay_id": s, "guest_id": g, "role": "primary"} for s, g in zip(stay_ids, ids, strict=True)],
        )
        lines = [
            {
                "hotel_id": hotel,
                "stay_id": s,
                "outlet": outlet,
                "amount": Decimal(amount),
                "currency": "CNY",
                "posted_at": NOW - timedelta(days=2 + s % 700),
            }  # fmt: skip
            for s in stay_ids
            for outlet, amount in (("fnb", "288.50"), ("spa", "400.00"))
        ]
        conn.execute(insert(Charge), lines)
    with make_session_factory(engine).begin() as session:
        loyalty.save_scheme(session, SCHEME, now=NOW)
    if engine.dialect.name == "postgresql":  # as after an import (ingest analyzes as it goes)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def timed(factory: Any, name: str, job: Callable[[Any], object], results: list[str]) -> None:
    started = time.perf_counter()
    with factory.begin() as session:
        outcome = job(session)
    results.append(f"  {name:<16} {time.perf_counter() - started:7.2f} s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = _database(args.backend, args.postgres, Path(tmp))
        upgrade(url)
        build(url, args.guests)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        timed(factory, "sync-members", lambda s: loyalty.sync_members(s, now=NOW), results)
        timed(factory, "accrue", lambda s: loyalty.accrue(s, now=NOW), results)
        timed(factory, "accrue again", lambda s: loyalty.accrue(s, now=NOW), results)
        timed(factory, "expire", lambda s: loyalty.expire(s, now=NOW), results)
        timed(factory, "evaluate-tiers", lambda s: loyalty.evaluate_tiers(s, now=NOW), results)
        with engine.connect() as conn:
            entries = conn.scalar(select(func.count()).select_from(LoyaltyEntry))
        engine.dispose()
    print(f"machine: {platform.machine()} {platform.python_version()} · {datetime.now(UTC):%Y-%m-%d}")
    lines = 3 * args.guests
    print(f"backend {args.backend}: {args.guests:,} guests, {lines:,} revenue lines, {entries:,} entries")
    print("\n".join(results))


if __name__ == "__main__":
    main()
