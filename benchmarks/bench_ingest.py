"""Ingestion throughput and memory: a large PMS CSV parsed, validated, standardised and stored.

    python benchmarks/bench_ingest.py --rows 1200000 [--postgres URL]
    python benchmarks/bench_ingest.py --rows 50000 --compare-plain 3   # what encryption adds (issue 7)

The file is built from the demo group's Chinese PMS exports (GB18030, title rows, real dirt), with
confirmation numbers renumbered so that every row is a new record. Each run imports into a fresh
database and a fresh key store (its own key folder) in a child process, so peak RSS is the
importer's own and no other benchmark's keys weigh on the key store. Prints one line per measurement with
the machine and the date; docs/benchmarks.md quotes them.

`--compare-plain N` runs the same file N times sealed and N times with `_plain_vault.PlainVault` (no data
keys, no AES-GCM, no HMAC blind indexes), alternating, and prints the median overhead of encryption in
CPU seconds and in wall time (the issue 7 target: ≤ 15 %).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build_csv(rows: int, out: Path, work: Path) -> Path:
    from guestgraph.demo import generate_demo

    demo = work / "demo"
    if not (demo / "group.json").exists():
        generate_demo(out_dir=demo, guests=20_000, seed=11)
    template: list[list[str]] = []
    header: list[str] = []
    for path in sorted((demo / "pms").glob("*.csv")):
        try:
            with path.open(encoding="gb18030", newline="") as fh:
                lines = list(csv.reader(fh))
        except UnicodeDecodeError:
            continue  # an English (UTF-8) export; this benchmark uses the Chinese ones
        start = next((i for i, r in enumerate(lines) if r and r[0] == "确认号"), None)
        if start is not None:
            header = lines[start]
            template += lines[start + 1 :]
    with out.open("w", encoding="gb18030", newline="") as fh:
        fh.write("云栖上海外滩酒店 在住及离店客人报表\r\n导出时间: 2026-11-01\r\n")
        writer = csv.writer(fh)
        writer.writerow(header)
        for n, row in enumerate(islice(cycle(template), rows)):
            writer.writerow(_vary([str(50_000_000 + n), *row[1:]], n // len(template)))
    return demo / "group.json"


def _vary(row: list[str], lap: int) -> list[str]:
    """Each pass over the template is a different set of guests: new phones and e-mails, so that the
    importer's caches see what a real file of this size would give them (names and dates still repeat)."""
    if lap == 0:
        return row
    phone, email = row[5], row[6]
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) >= 4:
        chars = list(phone)
        tail = (int("".join(chars[i] for i in digits[-4:])) + lap * 7919) % 10000
        for i, d in zip(digits[-4:], f"{tail:04d}", strict=True):
            chars[i] = d
        row[5] = "".join(chars)
    if "@" in email:
        local, domain = email.split("@", 1)
        row[6] = f"{local}{lap}@{domain}"
    return row


def child(url: str, group: Path, csv_path: Path, plain: bool = False) -> None:
    """Runs in a fresh process: migrate, load the group, import, print one JSON line."""
    from _bench_db import bench_engine, bench_settings
    from guestgraph import ingest, org, pii
    from guestgraph.db import CheckpointPolicy, background_checkpoints, make_session_factory
    from guestgraph.db._migrate import upgrade

    upgrade(url)
    engine = bench_engine(url)
    if plain:
        from _plain_vault import PlainVault

        pii.vault_of(engine).close()
        pii.attach_vault(engine, PlainVault.from_settings(bench_settings(url)))
    backends = _server_processes(engine)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        org.load_group(session, org.read_group_file(group))
    server_before = _cpu_of(backends)
    # GUESTGRAPH_SQLITE_CHECKPOINT=background: as `guestgraph import` runs by default (SQLite only)
    policy = CheckpointPolicy(mode=os.environ.get("GUESTGRAPH_SQLITE_CHECKPOINT", "inline"))  # type: ignore[arg-type]
    with background_checkpoints(engine, policy):
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest.import_file(factory, csv_path, source="pms")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = {pid: used - server_before.get(pid, 0.0) for pid, used in _cpu_of(backends).items()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.summary
    print(
        json.dumps(
            {
                "rows": s.rows_read,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                **({"server_cpu_seconds": round(sum(server.values()), 2)} if backends else {}),
                "rows_per_s": round(s.rows_read / seconds),
                "peak_rss_mib": round(peak),
                "accepted": s.accepted,
                "warned": s.accepted_with_warnings,
                "quarantined": s.quarantined,
                "reconciles": s.reconciles,
            }
        )
    )


def _server_processes(engine: object) -> list[int]:
    """PostgreSQL: the server processes behind the engine's connections (same machine), whose CPU
    time is the import's too; SQLite: none (it runs inside the importer)."""
    from sqlalchemy import Engine, event

    assert isinstance(engine, Engine)
    pids: list[int] = []
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", lambda conn, _record: pids.append(conn.info.backend_pid))
    return pids


def _cpu_of(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process in `pids` (from /proc)."""
    out: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the connection was closed: its CPU time is lost to this figure
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def run_child(url: str, group: Path, csv_path: Path, keys: Path, plain: bool = False) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            url,
            str(group),
            str(csv_path),
            *(["--plain"] if plain else []),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GUESTGRAPH_BENCH_DATA_DIR": str(keys)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), plain="--plain" in sys.argv[5:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_200_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GUESTGRAPH_BENCH_POSTGRES_URL"),
        help="PostgreSQL URL of a scratch database (it is wiped)",
    )
    parser.add_argument(
        "--compare-plain",
        type=int,
        default=0,
        metavar="N",
        help="N sealed and N plain imports, alternating: what field encryption adds (issue 7)",
    )
    parser.add_argument("--postgres-only", action="store_true", help="with --compare-plain: skip SQLite")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu"
        f" · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        started = time.perf_counter()
        group = build_csv(args.rows, work / "SHA01_stays.csv", work)
        size = (work / "SHA01_stays.csv").stat().st_size / 1e6
        print(f"built {args.rows} rows ({size:.0f} MB, GB18030) in {time.perf_counter() - started:.1f}s")
        if args.compare_plain:
            compare_plain(args, group, work)
            return 0
        sqlite = run_child(
            f"sqlite:///{work / 'bench.db'}", group, work / "SHA01_stays.csv", work / "keys-sqlite"
        )
        print("sqlite", json.dumps(sqlite))
        if args.postgres:
            _reset_postgres(args.postgres)
            pg = run_child(args.postgres, group, work / "SHA01_stays.csv", work / "keys-postgresql")
            print("postgresql", json.dumps(pg))
    return 0


def compare_plain(args: argparse.Namespace, group: Path, work: Path) -> None:
    """Sealed and plain imports of the same file, alternating, each into a fresh database."""
    backends = [("sqlite", None)] if not args.postgres_only else []
    backends += [("postgresql", args.postgres)] if args.postgres else []
    for backend, pg_url in backends:
        runs: dict[str, list[dict[str, object]]] = {"sealed": [], "plain": []}
        for n in range(args.compare_plain):
            for mode in ("sealed", "plain"):
                if pg_url:
                    _reset_postgres(pg_url)
                url = pg_url or f"sqlite:///{work / f'bench-{mode}-{n}.db'}"
                result = run_child(
                    url, group, work / "SHA01_stays.csv", work / f"keys-{backend}-{mode}-{n}", mode == "plain"
                )
                runs[mode].append(result)
                print(backend, mode, n + 1, json.dumps(result), f"load {os.getloadavg()[0]:.1f}", flush=True)
        for figure in ("cpu_seconds", "total_cpu_seconds", "seconds"):
            sealed = statistics.median(_figure(r, figure) for r in runs["sealed"])
            plain = statistics.median(_figure(r, figure) for r in runs["plain"])
            print(
                f"{backend}: encryption adds {100 * (sealed / plain - 1):+.1f} % {figure}"
                f" (median sealed {sealed:.2f} s, plain {plain:.2f} s; target ≤ +15 %)"
            )


def _figure(run: dict[str, object], name: str) -> float:
    """A run's figure; `total_cpu_seconds` is the importer's CPU plus the database server's."""
    if name == "total_cpu_seconds":
        return _figure(run, "cpu_seconds") + float(str(run.get("server_cpu_seconds", 0.0)))
    return float(str(run[name]))


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from _bench_db import bench_engine

    engine = bench_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
