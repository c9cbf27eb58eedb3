"""Breach readiness at scale (checklist OP-01: "the report for 1 M guests is ready in < 1 min, with every
required field present").

    python benchmarks/bench_breach.py [--guests 1000000] [--postgres postgresql+psycopg://…/db]

Builds a group set-based with INSERT … SELECT over a number series: 9 hotels, `--guests` guests (with
stand-in ciphertext in the sealed columns, since the report only counts which are present), 4 stays a
guest, in a fresh SQLite file (and, with --postgres, the given empty database). Then times
`privacy.breach_report` for every guest of the group, for the guests of one hotel and for a file of every
guest's ID (looked up in chunks, as `guestgraph privacy breach-report --guests FILE` does), median of
3 (the ID list's time includes the lookup), and checks every field of the incident record is there.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, Select, select, text
from sqlalchemy.orm import Session

from _bench_db import bench_engine
from guestgraph import privacy
from guestgraph.db._migrate import upgrade
from guestgraph.db.models import Guest

SERIES = {
    "sqlite": "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) ",
    "postgresql": "WITH s(i) AS (SELECT generate_series(1, {n})::bigint) ",
}
NOW = "'2026-11-01 08:00:00'"
FIELDS = ("discovered_at", "cause", "measures", "contact", "guests", "categories", "sensitive")
FIELDS += ("jurisdictions", "deadlines", "notices")


def build(engine: Engine, guests: int) -> float:
    d = engine.dialect.name
    sealed = "CASE WHEN i % {k} = 0 THEN NULL ELSE 'v1.sealed.' || i END"
    statements = [
        "INSERT INTO region (id, code, name_zh, name_en, created_at, updated_at) "
        f"VALUES (1, 'R', '华东', 'East', {NOW}, {NOW})",
        SERIES[d].format(n=9)
        + "INSERT INTO hotel (id, code, name_zh, name_en, region_id, timezone, currency, created_at, "
        "updated_at, quality_threshold) SELECT i, 'H0' || i, '酒店' || i, 'Hotel ' || i, 1, "
        f"'Asia/Shanghai', 'CNY', {NOW}, {NOW}, 0.8 FROM s",
        SERIES[d].format(n=guests)
        + "INSERT INTO guest (id, public_id, status, provenance, full_name, nationality, phone_enc, "
        "email_enc, id_number_enc, birth_date_enc, loyalty_number, created_at, updated_at) "
        "SELECT i, 'B' || i, 'active', '{}', '宾客' || i, "
        "CASE i % 10 WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' WHEN 2 THEN 'US' ELSE 'CN' END, "
        f"{sealed.format(k=7)}, {sealed.format(k=3)}, {sealed.format(k=5)}, {sealed.format(k=4)}, "
        f"CASE WHEN i % 6 = 0 THEN 'YQ' || i END, {NOW}, {NOW} FROM s",
        SERIES[d].format(n=guests * 4)
        + "INSERT INTO stay (id, hotel_id, confirmation_number, arrival, departure, adults, children, "
        "status, created_at, updated_at) SELECT i, 1 + (i * 13) % 9, 'C' || i, "
        f"'2026-10-01', '2026-10-03', 2, 0, 'checked_out', {NOW}, {NOW} FROM s",
        SERIES[d].format(n=guests * 4) + "INSERT INTO stay_guest (stay_id, guest_id, role) "
        f"SELECT i, 1 + ((i * 2654435761) % 4294967296) % {guests}, 'primary' FROM s",
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def measure(engine: Engine, label: str, guests: int) -> None:
    cases: dict[str, Callable[[Session], Select[int]]] = {
        "every guest of the group": lambda _s: select(Guest.id),
        "the guests of one hotel (H01)": lambda _s: privacy.affected_by_hotel("H01"),
        f"a file of {guests:,} guest IDs": lambda s: privacy.affected_by_ids(
            s, (f"B{i}" for i in range(1, guests + 1))
        ),
    }
    for name, affected_in in cases.items():
        times, report = [], None
        for _ in range(3):
            with Session(engine) as session:
                started = time.perf_counter()
                report = privacy.breach_report(
                    session,
                    affected_in(session),
                    cause="PMS export left on a public share",
                    measures="share closed, passwords rotated",
                    contact="dpo@example.com",
                    discovered_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
                )
                times.append(time.perf_counter() - started)
        assert report is not None
        record = report.as_dict()
        missing = [f for f in FIELDS if record.get(f) in (None, "", {})]
        print(
            f"{label} · {name}: {report.guests:,} guests · median {statistics.median(times):.2f} s "
            f"(runs {', '.join(f'{t:.2f}' for t in times)}) · "
            f"{'every field present' if not missing else 'MISSING ' + ', '.join(missing)} · target < 60 s",
            flush=True,
        )
        if name.startswith("every"):
            print(f"    categories {record['categories']} · sensitive {record['sensitive']}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guests", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to build in as well")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} cpu · Python "
        f"{platform.python_version()} · {args.guests:,} guests · load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{Path(folder) / 'breach.db'}"] + ([args.postgres] if args.postgres else [])
        for url in urls:
            upgrade(url)
            engine = bench_engine(url)
            label = engine.dialect.name
            print(f"{label}: built in {build(engine, args.guests):.0f} s", flush=True)
            measure(engine, label, args.guests)
            engine.dispose()
    print(f"# load average at the end {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
