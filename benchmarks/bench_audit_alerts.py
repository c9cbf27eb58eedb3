"""The anomaly check that runs after every audited guest-data access or edit (LG-05), on a busy hour.

    python benchmarks/bench_audit_alerts.py --events 100000 [--postgres URL] [--no-sqlite]

Builds a fresh database per backend at the head revision and loads `--events` `guest.read` events of
the last hour (every second one by the same user, the rest by 50 others; the payloads are what
`audit.record` writes), then times `audit.check_actor` as `log_event` calls it after that user's edit:
the mass-edit count (no alert yet, so it cannot stop at the dedupe probe) and the off-hours check at a
working hour. 30 runs, each rolled back. The PostgreSQL URL names a throwaway database: its public
schema is dropped.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.audit._event import encode
from guestgraph.db import make_engine
from guestgraph.db._migrate import upgrade
from guestgraph.db.models import AuditEventRow


def run(url: str, events: int) -> str:
    if url.startswith("postgresql"):
        with make_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(hour=4)  # noon in Asia/Shanghai: inside working hours
    start = now - timedelta(minutes=50)
    rows = []
    for i in range(events):
        who = "clerk" if i % 2 else f"user{i % 50}"
        event = audit.AuditEvent("guest.read", actor_username=who, actor_user_id=1, guest_public_id="G1")
        moment = start + timedelta(seconds=i * 2400 / events)
        rows.append({"seq": i + 1, "payload": encode(i + 1, moment, event), "hash": b"\0" * 32})
    with engine.begin() as conn:
        for k in range(0, events, 5000):
            conn.execute(insert(AuditEventRow), rows[k : k + 5000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE audit_event"))
    policy, times = audit.AnomalyPolicy(), []
    with Session(engine) as session:
        for _ in range(30):
            began = time.perf_counter()
            audit.check_actor(session, "clerk", now=now, policy=policy, action="guest.preference.add")
            times.append((time.perf_counter() - began) * 1000)
            session.rollback()
    engine.dispose()
    p50, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
    return (
        f"{engine.dialect.name}: {events:,} events in the hour, {events // 2:,} by the user: "
        f"check after an edit p50 {p50:.2f} ms, p90 {p90:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--postgres", help="A throwaway PostgreSQL database URL.")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            print(run(f"sqlite:///{Path(folder) / 'alerts.db'}", args.events))
    if args.postgres:
        print(run(args.postgres, args.events))


if __name__ == "__main__":
    main()
