"""Journey step throughput: a trigger over N guests enrolled and a set-based step run for all of them.

    python benchmarks/bench_journeys.py --guests 100000 --backend sqlite
    python benchmarks/bench_journeys.py --guests 100000 --backend postgresql \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database with N guests, each with a stay checked out yesterday, and one active journey
(checked out → add a tag → wait a day). Times one worker pass (`journeys.run_pass`): the enrolment
(one INSERT … SELECT), then every claimed batch through the tag step and the wait step (step runs,
timeline rows and the move on, set-based per batch). Target: ≤ 30 s for 100 k guests (issue 9).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_engage import _database  # noqa: E402

from guestgraph import engage, journeys  # noqa: E402
from guestgraph.access import DataScope  # noqa: E402
from guestgraph.db import make_engine, make_session_factory  # noqa: E402
from guestgraph.db._migrate import upgrade  # noqa: E402
from guestgraph.db.models import Guest, Hotel, JourneyStatus, Region, Stay, StayGuest, StayStatus  # noqa: E402

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
DEFINITION = {
    "trigger": {"type": "checked_out", "within_days": 2},
    "steps": [{"key": "tag", "type": "add_tag", "tag": "bench"}, {"key": "wait", "type": "wait", "days": 1}],
}


def build(url: str, guests: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        region_id = conn.execute(
            insert(Region).values(code="E", name_zh="东", name_en="East").returning(Region.id)
        ).scalar_one()
        hotel = conn.execute(
            insert(Hotel)
            .values(code="SHA01", name_zh="上海酒店", name_en="Shanghai Hotel", region_id=region_id)
            .returning(Hotel.id)
        ).scalar_one()
        conn.execute(
            insert(Guest), [{"public_id": f"GB{i:08d}", "full_name": "王小明"} for i in range(guests)]
        )
        ids = list(conn.scalars(select(Guest.id).order_by(Guest.id)))
        day = NOW.date() - timedelta(days=1)
        stays = [
            {
                "hotel_id": hotel,
                "confirmation_number": f"C{g}",
                "arrival": day - timedelta(days=2),
                "departure": day,
                "status": StayStatus.CHECKED_OUT,
            }
            for g in ids
        ]
        stay_ids = conn.execute(
            insert(Stay).returning(Stay.id, sort_by_parameter_order=True), stays
        ).scalars()
        conn.execute(
            insert(StayGuest),
            [{"stay_id": s, "guest_id": g, "role": "primary"} for s, g in zip(stay_ids, ids, strict=True)],
        )
    with make_session_factory(engine)() as session:
        row = journeys.create_journey(
            session,
            scope=DataScope.group(),
            name="bench",
            definition=DEFINITION,
            hotel_code=None,
            created_by_id=None,
            now=NOW,
        )
        journeys.set_status(session, row.id, scope=DataScope.group(), status=JourneyStatus.ACTIVE, now=NOW)
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000, help="enrolments claimed at a time")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _database(args.backend, args.postgres, Path(tmp))
        upgrade(url)
        build(url, args.guests)
        engine = make_engine(url)
        smtp = engage.SmtpConfig("127.0.0.1", 9, None, None, False, "Hotel <news@hotel.example>", 10)
        mail = engage.EngagePolicy(smtp, 5, timedelta(days=7), "https://gg.example", b"k" * 32)
        policy = journeys.JourneyPolicy(mail, journeys.QuietHours.parse("00:00-00:00"), "Asia/Shanghai")
        policy = replace(policy, batch=args.batch)
        started = time.perf_counter()
        report = journeys.run_pass(make_session_factory(engine), policy=policy, clock=lambda: NOW)
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(f"machine: {platform.machine()} {platform.python_version()} · {datetime.now(UTC):%Y-%m-%d}")
    print(
        f"backend {args.backend}, batch {args.batch}: {report.enrolled:,} enrolled, "
        f"{report.steps:,} step runs ({report.outcomes}) in {elapsed:.2f} s (target <= 30 s for 100 k)"
    )


if __name__ == "__main__":
    main()
