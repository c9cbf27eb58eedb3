"""Throughput and memory of encrypted backups and verified restores (guestgraph.ops, OP-02).

    python benchmarks/bench_backup.py [--mb 200] [--postgres postgresql+psycopg://…/empty_db]

Builds a migrated database plus one filler table of about `--mb` MB (random text rows), then times
`create_backup` (snapshot + AES-256-GCM) and `restore_backup` (verify + decrypt + load + row counts)
into a fresh database. Peak RSS (process high-water mark, the filler step included) before and
after the backup shows the encryption streams in constant memory.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text

from _bench_db import bench_engine
from guestgraph import ops
from guestgraph.config import Settings
from guestgraph.db import make_engine
from guestgraph.db._migrate import upgrade

ROW_BYTES = 1000


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(url: str, mb: int) -> None:
    upgrade(url)
    engine = bench_engine(url)
    rows = mb * 1_000_000 // ROW_BYTES
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
        for start in range(0, rows, 10_000):
            batch = [
                {"id": i, "body": base64.b64encode(os.urandom(ROW_BYTES * 3 // 4)).decode()}
                for i in range(start, min(start + 10_000, rows))
            ]
            conn.execute(text("INSERT INTO bench_filler (id, body) VALUES (:id, :body)"), batch)
    engine.dispose()


def run(label: str, source: str, target: str, work: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="test",
        data_dir=work,
        database_url=source,
        backup_key=SecretStr(base64.b64encode(os.urandom(32)).decode()),
    )
    base = rss_mib()
    started = time.perf_counter()
    result = ops.create_backup(settings, work / f"{label}.ggbk", now=datetime.now(UTC))
    backup_s = time.perf_counter() - started
    backup_rss = rss_mib()
    started = time.perf_counter()
    ops.restore_backup(settings, result.path, into=target)
    restore_s = time.perf_counter() - started
    mb = result.header.payload_bytes / 1e6
    print(
        f"| {label} | {mb:.0f} MB | {result.size / 1e6:.0f} MB | {backup_s:.1f} s ({mb / backup_s:.0f} MB/s) "
        f"| {restore_s:.1f} s ({mb / restore_s:.0f} MB/s) | {base:.0f} / {backup_rss:.0f} MiB |"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL (a second one is made)")
    args = parser.parse_args()
    print(f"# bench_backup {datetime.now(UTC):%Y-%m-%d}, --mb {args.mb}")
    print("| engine | payload | file | backup | restore (verified) | peak RSS before / after backup |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = f"sqlite:///{work / 'source.db'}"
        fill(source, args.mb)
        run("sqlite", source, f"sqlite:///{work / 'target.db'}", work)
        if args.postgres:
            admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE gg_bench_restore"))
            fill(args.postgres, args.mb)
            target = args.postgres.rsplit("/", 1)[0] + "/gg_bench_restore"
            try:
                run("postgresql", args.postgres, target, work)
            finally:
                with admin.connect() as conn:
                    conn.execute(text("DROP DATABASE IF EXISTS gg_bench_restore WITH (FORCE)"))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
