"""`guestgraph audit verify` over millions of events (target: 10 million in under a minute).

    python benchmarks/bench_audit.py --events 10000000 [--postgres URL] [--no-sqlite]

Builds a fresh database per backend at the head revision, bulk-loads `--events` events whose payloads
are byte-identical to what `audit.record` writes (templates made by the real encoder; the chain is
computed in Python while generating; SQLite executemany, PostgreSQL COPY; search indexes built after
the load), signs a checkpoint at the head, then runs the real command `guestgraph audit verify` in a
child process and reports its wall time and peak RSS. The PostgreSQL URL names a throwaway database:
its public schema is dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

BASE = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
STEP = 3  # seconds between events: 10 M events span about a year
COLUMNS = ", ".join(
    ["seq", "occurred_at", "action", "outcome", "category", "actor_user_id", "actor_username"]
    + ["guest_public_id", "payload", "hash"]
)
INDEXES = [
    "CREATE INDEX ix_audit_event_actor_user_id ON audit_event (actor_user_id, seq)",
    "CREATE INDEX ix_audit_event_actor_username ON audit_event (actor_username, seq)",
    "CREATE INDEX ix_audit_event_guest_public_id ON audit_event (guest_public_id, seq)",
    "CREATE INDEX ix_audit_event_action ON audit_event (action, seq)",
    "CREATE INDEX ix_audit_event_occurred_at ON audit_event (occurred_at)",
]
MARK_TIME = "2000-01-01T00:00:00.000000Z"


def templates() -> list[tuple[bytes, str, str, str, bool, bool]]:
    """(payload format, action, outcome, category, has user id, has guest) per kind of event."""
    from guestgraph.audit import AuditEvent
    from guestgraph.audit._event import encode

    kinds = [
        AuditEvent("auth.login", actor_user_id=999001, actor_username="~U~", actor_role="front_desk"),
        AuditEvent("auth.login", outcome="failed", actor_username="~U~",
                   details={"reason": "bad_password"}),
        AuditEvent("guest.view", actor_user_id=999001, actor_username="~U~", actor_role="front_desk",
                   scope="hotel:5", object_type="guest", object_id="GMARKG", guest_public_id="GMARKG"),
        AuditEvent("guest.reveal", actor_user_id=999001, actor_username="~U~", actor_role="hotel_manager",
                   scope="region:2", object_type="guest", object_id="GMARKG", guest_public_id="GMARKG",
                   purpose="service", details={"field": "id_number_full"}),
        AuditEvent("export.guests", actor_user_id=999001, actor_username="~U~", actor_role="marketing",
                   scope="group", purpose="marketing", details={"rows": 1832, "filter": {"hotel": "SHA01"}}),
        AuditEvent("role.change", outcome="denied", actor_user_id=999001, actor_username="~U~",
                   actor_role="hotel_manager", object_type="staff_user", object_id="77"),
    ]  # fmt: skip
    out = []
    moment = datetime.fromisoformat(MARK_TIME.replace("Z", "+00:00"))
    for event in kinds:
        common = {"source_ip": "10.20.30.40", "request_id": "~R~"}
        body = AuditEvent(**{**event.body(), **common})  # type: ignore[arg-type]
        raw = encode(0, moment, body)[len(b'{"seq":0,') :].replace(b"%", b"%%")
        for marker, name in ((b"~U~", b"%(u)s"), (b"GMARKG", b"%(g)s"), (b"~R~", b"%(r)s")):
            raw = raw.replace(marker, name)
        raw = raw.replace(b"999001", b"%(i)d").replace(MARK_TIME.encode(), b"%(t)s")
        has_user = event.actor_user_id is not None
        out.append(
            (
                raw,
                event.action,
                event.outcome,
                str(event.category),
                has_user,
                event.guest_public_id is not None,
            )
        )
    return out


def generate(count: int, sqlite_times: bool) -> Iterator[tuple[object, ...]]:
    """Rows in seq order with the chain computed on the way; ends with the head hash in `HEAD`."""
    kinds = templates()
    previous = b"\x00" * 32
    sha256 = hashlib.sha256
    day_cache: dict[int, str] = {}
    sep, tail = (" ", "") if sqlite_times else ("T", "Z")
    for seq in range(1, count + 1):
        raw, action, outcome, category, has_user, has_guest = kinds[seq % 7 % 6]
        stamp = BASE + seq * STEP
        day, secs = divmod(stamp, 86400)
        date = day_cache.get(day) or day_cache.setdefault(
            day, datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
        )
        clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.000000"
        uid = seq % 499 + 1
        username = f"staff{uid:03d}"
        guest = f"G{seq * 7919 % 9_000_000 + 1_000_000:010d}"
        values = {b"u": username.encode(), b"g": guest.encode(), b"r": b"%016x" % seq, b"i": uid,
                  b"t": f"{date}T{clock}Z".encode()}  # fmt: skip
        payload = b'{"seq":%d,' % seq + raw % values
        previous = sha256(previous + payload).digest()
        yield (seq, f"{date}{sep}{clock}{tail}", action, outcome, category, uid if has_user else None,
               username, guest if has_guest else None, payload, previous)  # fmt: skip


def load_sqlite(path: Path, count: int) -> tuple[int, bytes]:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    for sql in INDEXES:
        conn.execute(f"DROP INDEX {sql.split()[2]}")
    head = (0, b"\x00" * 32)
    batch: list[tuple[object, ...]] = []
    insert = f"INSERT INTO audit_event ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
    for row in generate(count, sqlite_times=True):
        batch.append(row)
        if len(batch) == 50_000:
            conn.executemany(insert, batch)
            head = (int(batch[-1][0]), bytes(batch[-1][9]))  # type: ignore[call-overload]
            batch.clear()
    if batch:
        conn.executemany(insert, batch)
        head = (int(batch[-1][0]), bytes(batch[-1][9]))  # type: ignore[call-overload]
    for sql in INDEXES:
        conn.execute(sql)
    conn.execute("UPDATE audit_control SET last_seq = ?, last_hash = ?", head)
    conn.commit()
    conn.close()
    return head


def load_postgres(url: str, count: int) -> tuple[int, bytes]:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    info = f"host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username or 'postgres'}"
    info += f" dbname={u.database}"
    head = (0, b"\x00" * 32)
    with psycopg.connect(info + (f" password={u.password}" if u.password else "")) as conn:
        for sql in INDEXES:
            conn.execute(f"DROP INDEX {sql.split()[2]}")
        conn.execute("ALTER TABLE audit_event DROP CONSTRAINT pk_audit_event")
        with conn.cursor() as cur, cur.copy(f"COPY audit_event ({COLUMNS}) FROM STDIN") as copy:
            for row in generate(count, sqlite_times=False):
                copy.write_row(row)
                head = (int(row[0]), row[9])  # type: ignore[call-overload]
        conn.execute("ALTER TABLE audit_event ADD CONSTRAINT pk_audit_event PRIMARY KEY (seq)")
        for sql in INDEXES:
            conn.execute(sql)
        conn.execute("UPDATE audit_control SET last_seq = %s, last_hash = %s", head)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE audit_event")
    return head


def run_backend(name: str, url: str, count: int, work: Path) -> None:
    from guestgraph.audit._checkpoints import append_checkpoint
    from guestgraph.config import Settings
    from guestgraph.db._migrate import upgrade

    upgrade(url)
    started = time.perf_counter()
    head = (
        load_sqlite(Path(url.removeprefix("sqlite:///")), count)
        if name == "sqlite"
        else load_postgres(url, count)
    )
    loaded = time.perf_counter() - started
    data_dir = work / name
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=url)  # type: ignore[call-arg]
    append_checkpoint(settings, head[0], head[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_")}
    env.update(GUESTGRAPH_DATABASE_URL=url, GUESTGRAPH_DATA_DIR=str(data_dir), COLUMNS="200")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "guestgraph.cli", "audit", "verify"], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = max(rss, before) / 1024
    print(f"{name}: {count:,} events loaded in {loaded:.1f}s; `guestgraph audit verify` exit "
          f"{result.returncode} in {wall:.1f}s wall (peak RSS {peak:.0f} MiB)")  # fmt: skip
    print("   ", result.stderr.strip().replace("\n", " "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="URL of a throwaway PostgreSQL database (its schema is dropped)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu"
        f" · Python {platform.python_version()} · SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
        work = Path(folder)
        if not args.no_sqlite:
            run_backend("sqlite", f"sqlite:///{work / 'audit.db'}", args.events, work)
        if args.postgres:
            _reset_postgres(args.postgres)
            run_backend("postgresql", args.postgres, args.events, work)
    return 0


def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from guestgraph.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
