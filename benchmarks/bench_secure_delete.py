"""What SQLite's `secure_delete` (PR-03) costs on the statements an erasure or a retention run issues.

    python benchmarks/bench_secure_delete.py [--rows 100000]

A fresh WAL database (synchronous=NORMAL, as guestgraph opens it) with one table of ~700-byte rows and
an index; half the rows get their payload wiped (UPDATE), the other half are deleted, each in one
transaction, with secure_delete OFF and ON, twice. Prints wall and CPU seconds, the WAL's size in KiB
and the time of the `wal_checkpoint(TRUNCATE)` that follows, with the load average.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime


def run(mode: str, rows: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.db")
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"secure_delete={mode}"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT, payload TEXT)")
        conn.execute("CREATE INDEX ix_r_name ON r (name)")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO r VALUES (?, ?, ?)", ((i, f"name{i}", "x" * 700) for i in range(rows)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out: dict[str, object] = {}
        for label, sql in (
            ("update", "UPDATE r SET payload = '' WHERE id % 2 = 0"),
            ("delete", "DELETE FROM r WHERE id % 2 = 1"),
        ):
            wall, cpu = time.perf_counter(), time.process_time()
            conn.execute("BEGIN")
            conn.execute(sql)
            conn.execute("COMMIT")
            wal_kib = os.path.getsize(path + "-wal") // 1024
            out[label] = (round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3), wal_kib)
        wall = time.perf_counter()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out["checkpoint_truncate_s"] = round(time.perf_counter() - wall, 3)
        conn.close()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cpu · SQLite {sqlite3.sqlite_version}"
    )
    for _ in range(2):
        for mode in ("OFF", "ON"):
            result = run(mode, args.rows)
            load = " ".join(open("/proc/loadavg").read().split()[:3])  # noqa: SIM115
            print(mode, result, "(wall s, cpu s, WAL KiB)", "load", load, flush=True)


if __name__ == "__main__":
    main()
