"""Front desk at scale (issue 6): search, profile and arrivals on one database of N guests with M stays
each, in-process (p50/p99) and over HTTP (16 concurrent clients against one uvicorn process, with
`wrk`), as a front-desk user of the first hotel and as a group-scope user.

    python benchmarks/bench_desk.py --backend sqlite --guests 1000000            # build, then measure
    python benchmarks/bench_desk.py --backend sqlite --guests 1000000 --reuse    # measure only

The database (SQLite file or PostgreSQL database `gg_bench_perf`) and its key store live under
--data-dir and survive the run, so `--reuse` skips the build. Guests are sealed as the product seals
them (`guestgraph.pii`: ciphertext under each guest's and each source record's own data key, blind
indexes for phone, last four digits, e-mail and ID number) and each has one source record and
mention with name keys, so every kind of search finds them the way it finds imported guests.
Today's arrivals at the first hotel: its 500 rooms at half turnover (250). `wrk` must be installed
(Debian: apt install wrk) for the HTTP figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine, insert, select, text, update

CHUNK = 5_000  # guests sealed per batch: their keys stay in the vault's key cache (10,000)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文辉力金云飞燕鹏林宇晨浩然欣怡子轩梓涵"
LATIN_FIRST = ("John", "Mary", "David", "Sarah", "Michael", "Emma", "James", "Anna", "Peter", "Laura")
LATIN_LAST = (
    "Smith",
    "Brown",
    "Wilson",
    "Taylor",
    "Martin",
    "Muller",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Tanaka",
)
PROVENANCE = ("full_name", "phone", "email", "id_number", "birth_date")
KINDS = (
    "phone",
    "phone_last4",
    "han_name",
    "pinyin_spaced",
    "pinyin_compact",
    "latin_name",
    "email",
    "confirmation",
    "id_number",
    "typo_name",
)


# --- deterministic guests: attribute i is a function of i, so a re-run can ask for them -------------


def _mix(i: int, salt: int) -> int:
    return (i * 2654435761 + salt * 40503) % 4294967291


def name_of(i: int) -> tuple[str, str, str]:
    """(full name, family, given): one in ten Latin, else Han with one or two given characters."""
    if i % 10 == 0:
        first, last = LATIN_FIRST[_mix(i, 1) % 10], LATIN_LAST[_mix(i, 2) % 10]
        return f"{first} {last}", last, first
    family = SURNAMES[_mix(i, 3) % len(SURNAMES)]
    given = GIVEN[_mix(i, 4) % len(GIVEN)]
    if _mix(i, 5) % 3:
        given += GIVEN[_mix(i, 6) % len(GIVEN)]
    return family + given, family, given


def phone_of(i: int) -> str:
    return f"13{i:09d}"  # as a clerk reads it; stored as E.164 (+86...)


def email_of(i: int) -> str:
    return f"guest{i}@example.cn"


def id_number_of(i: int) -> str:
    return f"1101{i:013d}X"


def birth_of(i: int) -> date:
    return date(1960, 1, 1) + timedelta(days=_mix(i, 7) % 15000)


@cache
def parsed(full: str) -> Any:
    from guestgraph import cleanse

    return cleanse.parse_person_name(full=full)


# --- build --------------------------------------------------------------------------------------------


def build(engine: Engine, *, guests: int, per_guest: int, arrivals: int, seed: int) -> None:
    from zoneinfo import ZoneInfo

    from guestgraph import pii
    from guestgraph.db.models import (
        Guest,
        GuestMention,
        Hotel,
        Interaction,
        Preference,
        SourceRecord,
        SourceSystem,
        Stay,
        StayGuest,
    )

    vault = pii.vault_of(engine)
    rng = random.Random(seed)
    with engine.begin() as conn:
        hotels = conn.execute(select(Hotel.id, Hotel.code, Hotel.timezone).order_by(Hotel.code)).all()
        target_id, _code, tz = hotels[0]
        conn.execute(text("UPDATE hotel SET rooms = 500 WHERE id = :id"), {"id": target_id})
        system_id = conn.scalar(select(SourceSystem.id).order_by(SourceSystem.code).limit(1))
    today = datetime.now(ZoneInfo(tz)).date()
    tiers = [None] * 6 + ["silver", "gold", "platinum"]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(1, guests + 1, CHUNK):
        ids = range(start, min(start + CHUNK, guests + 1))
        guest_keys = vault.new_guest_keys(len(ids))
        g_rows, r_rows, m_rows, s_rows, sg_rows, p_rows, i_rows = [], [], [], [], [], [], []
        for i, key_ref in zip(ids, guest_keys, strict=True):
            full, family, given = name_of(i)
            name = parsed(full)
            values = pii.Sensitive(f"+86{phone_of(i)}", email_of(i), id_number_of(i), birth_of(i))
            hotel_id = hotels[_mix(i, 8) % len(hotels)][0]
            tier = rng.choice(tiers)
            loyalty = f"L{i:09d}" if tier else None
            g_rows.append(
                {
                    "id": i, "public_id": f"G{i:012d}", "status": "active", "full_name": full,
                    "family_name": family, "given_name": given, "name_pinyin": name.pinyin,
                    "loyalty_number": loyalty, "loyalty_tier": tier,
                    "provenance": dict.fromkeys(PROVENANCE, i),
                    "created_at": now, "updated_at": now - timedelta(seconds=i),
                    **pii.seal_person(vault, key_ref, "guest", f"G{i:012d}", values),
                }
            )  # fmt: skip
            r_rows.append(
                {
                    "id": i, "source_system_id": system_id, "hotel_id": hotel_id, "record_type": "profile",
                    "external_id": f"P{i}", "version_key": "1", "content_hash": f"{i:064d}",
                    "is_current": True, "received_at": now, "raw_format": "json", "raw_sealed": "",
                    "status": "accepted", "guest_id": i, "has_consent_flags": False,
                }
            )  # fmt: skip
            for n in range(per_guest):
                stay_id = (i - 1) * per_guest + n + 1
                arrival = today - timedelta(days=rng.randrange(2, 1100))
                s_rows.append(_stay(stay_id, rng.choice(hotels)[0], arrival, "checked_out", now))
                sg_rows.append({"stay_id": stay_id, "guest_id": i, "role": "primary"})
            if rng.random() < 0.2:
                category = rng.choice(("floor", "pillow", "allergy", "diet"))
                pid = i  # at most one preference per guest: the guest's number names it
                sealed = pii.seal_value(vault, key_ref, "preference", "value", pii.preference_row(pid), "x")
                p_rows.append(
                    {
                        "id": pid, "guest_id": i, "category": category, "key_ref": key_ref,
                        "value_enc": sealed, "created_at": now,
                    }
                )  # fmt: skip
            if rng.random() < 0.05:
                i_rows.append(
                    {
                        "guest_id": i, "hotel_id": target_id, "channel": "in_person", "direction": "inbound",
                        "kind": "complaint", "text": "noise",
                        "occurred_at": now - timedelta(days=rng.randrange(900)),
                    }
                )  # fmt: skip
        record_keys = vault.new_guest_keys(len(ids))
        for r, key_ref in zip(r_rows, record_keys, strict=True):
            i = r["id"]
            full, family, given = name_of(i)
            name = parsed(full)
            r["key_ref"] = key_ref
            values = pii.Sensitive(f"+86{phone_of(i)}", email_of(i), id_number_of(i), birth_of(i))
            m_rows.append(
                {
                    "id": i, "source_record_id": i, "person_index": 0, "role": "primary",
                    "source_system_id": system_id, "hotel_id": r["hotel_id"], "trust_rank": 50,
                    "seen_at": now,
                    "full_name": full, "family_name": family, "given_name": given,
                    "name_simplified": name.simplified, "name_pinyin": name.pinyin,
                    "name_key": name.latin_key,
                    "surname_only": False, "loyalty_number": g_rows[i - start]["loyalty_number"],
                    "guest_id": i, "id_type": "cn_resident_id",
                    **pii.seal_person(vault, key_ref, "guest_mention", pii.mention_row(i, 0), values),
                }
            )  # fmt: skip
        with engine.begin() as conn:
            for table, rows in (
                (Guest, g_rows), (SourceRecord, r_rows), (GuestMention, m_rows), (Stay, s_rows),
                (StayGuest, sg_rows), (Preference, p_rows), (Interaction, i_rows),
            ):  # fmt: skip
                if rows:
                    conn.execute(insert(table), rows)
        if (ids[-1] // CHUNK) % 20 == 0 or ids[-1] == guests:
            rate = ids[-1] / (time.perf_counter() - started)
            print(f"  {ids[-1]:,} guests, {ids[-1] * per_guest:,} stays ({rate:,.0f} guests/s)", flush=True)
    arrival_guests = rng.sample(range(1, guests + 1), arrivals)
    first_today = guests * per_guest + 1
    with engine.begin() as conn:
        conn.execute(
            insert(Stay),
            [_stay(first_today + n, target_id, today, "booked", now) for n in range(arrivals)],
        )
        conn.execute(
            insert(StayGuest),
            [
                {"stay_id": first_today + n, "guest_id": g, "role": "primary"}
                for n, g in enumerate(arrival_guests)
            ],
        )
        if engine.dialect.name == "postgresql":
            for table in ("guest", "stay", "source_record", "guest_mention"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def _stay(stay_id: int, hotel_id: int, arrival: date, status: str, now: datetime) -> dict[str, Any]:
    return {
        "id": stay_id, "hotel_id": hotel_id, "confirmation_number": f"B{stay_id:09d}", "arrival": arrival,
        "departure": arrival + timedelta(days=2), "status": status, "room_type": "DK", "amount": 1200,
        "currency": "CNY", "created_at": now, "updated_at": now,
    }  # fmt: skip


# --- the query mix -----------------------------------------------------------------------------------


def queries(guests: int, per_guest: int, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (kind, q) pairs, the kinds in turn, each about a random guest."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        for kind in KINDS:
            i = rng.randrange(1, guests + 1)
            if kind == "latin_name":
                i = max(10, i - i % 10)  # a Latin-named guest
            elif kind in ("han_name", "pinyin_spaced", "pinyin_compact", "typo_name") and i % 10 == 0:
                i += 1
            i = min(max(i, 1), guests)
            out.append((kind, _query(kind, i, per_guest, rng)))
    return out[:count]


def _query(kind: str, i: int, per_guest: int, rng: random.Random) -> str:
    full = name_of(i)[0]
    pinyin = parsed(full).pinyin or full
    match kind:
        case "phone":
            p = phone_of(i)
            return f"{p[:3]} {p[3:7]} {p[7:]}"
        case "phone_last4":
            return phone_of(i)[-4:]
        case "han_name" | "latin_name":
            return full
        case "pinyin_spaced":
            return pinyin
        case "pinyin_compact":
            return pinyin.replace(" ", "")
        case "email":
            return email_of(i)
        case "confirmation":
            return f"B{(i - 1) * per_guest + rng.randrange(per_guest) + 1:09d}"
        case "id_number":
            return id_number_of(i)
        case _:  # typo_name: two letters swapped
            letters = list(pinyin)
            k = rng.randrange(len(letters) - 1)
            letters[k], letters[k + 1] = letters[k + 1], letters[k]
            return "".join(letters)


# --- measuring ---------------------------------------------------------------------------------------


def pct(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return qs[49] * 1000, qs[98] * 1000


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def in_process(engine: Engine, args: argparse.Namespace, scopes: dict[str, Any], code: str) -> dict[str, Any]:
    from guestgraph import frontdesk, profiles
    from guestgraph.db import make_session_factory
    from guestgraph.paging import PageRequest

    factory = make_session_factory(engine)
    mix = queries(args.guests, args.stays_per_guest, args.runs * len(KINDS), seed=11)
    with factory() as session:
        sample = frontdesk.list_arrivals(session, scope=scopes["hotel"], hotel_code=code)
    public_ids = [line.guest_public_id for line in sample.lines if line.guest_public_id]
    results: dict[str, Any] = {}
    for label, scope in scopes.items():
        by_kind: dict[str, list[float]] = {k: [] for k in KINDS}
        hits: dict[str, int] = dict.fromkeys(KINDS, 0)
        for kind, q in mix:
            t = time.perf_counter()
            with factory() as session:
                page = profiles.search_guests(session, scope=scope, q=q, paging=PageRequest(page=1, size=20))
            by_kind[kind].append(time.perf_counter() - t)
            hits[kind] += page.total > 0
        every = [s for v in by_kind.values() for s in v]
        results[f"search/{label}"] = {
            "all": pct(every),
            **{k: (*pct(v), hits[k] / len(v)) for k, v in by_kind.items()},
        }
        ids = iter(public_ids * (args.runs // len(public_ids) + 1))

        def profile(scope: Any = scope, ids: Any = ids) -> None:
            with factory() as session:
                profiles.get_profile(session, scope=scope, public_id=next(ids))

        results[f"profile/{label}"] = pct(timed(profile, args.runs))

        def arrivals(scope: Any = scope) -> None:
            with factory() as session:
                listed = frontdesk.list_arrivals(session, scope=scope, hotel_code=code)
            assert len(listed.lines) == args.arrivals

        results[f"arrivals/{label}"] = pct(timed(arrivals, max(args.runs // 4, 50)))
    return results


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
"""
WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
WRK_COUNT = re.compile(r"(\d+) requests in")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its live child processes (the server's workers) have
    used so far (Linux /proc), for CPU per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


def wrk(
    port: int, token: str, paths: list[str], work: Path, *, seconds: int, clients: int, server: int
) -> dict[str, float]:
    """wrk's p50, p99, requests/s and non-2xx answers, and the server's CPU per request (ms)."""
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    cpu_before = cpu_seconds(server)
    (work / "mix.lua").write_text(WRK_SCRIPT)
    run = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(work / "mix.lua"),
         "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}"],
        env={**os.environ, "BENCH_PATHS": str(work / "paths.txt")}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    found = {p: float(v) * scale[u] for p, v, u in WRK_LATENCY.findall(run.stdout)}
    if set(found) != {"50", "99"}:
        raise RuntimeError(f"wrk said something unexpected:\n{run.stdout}\n{run.stderr}")
    errors = WRK_NON2XX.search(run.stdout)
    match = WRK_RATE.search(run.stdout)
    count = WRK_COUNT.search(run.stdout)
    cpu = cpu_seconds(server) - cpu_before
    return {
        "cpu_ms": cpu * 1000 / max(int(count.group(1)) if count else 0, 1),
        "p50": found["50"],
        "p99": found["99"],
        "rps": float(match.group(1)) if match else 0.0,
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


def over_http(
    url: str, data_dir: Path, engine: Engine, args: argparse.Namespace, scopes: dict[str, Any], code: str
) -> dict[str, Any]:
    from urllib.parse import quote

    from guestgraph import access
    from guestgraph.db import make_session_factory

    tokens = {}
    with make_session_factory(engine).begin() as session:
        access.ensure_default_roles(session)
        for label, scope in scopes.items():
            username = f"bench.desk.{label}.{os.getpid()}"
            user = access.create_user(
                session,
                access.NewUser(username=username, display_name="Bench", role="front_desk", scope=scope),
                password=None,
                now=datetime.now(UTC),
            )
            tokens[label] = access.start_session(
                session, user, now=datetime.now(UTC), mfa_ok=True, ip=None, user_agent="bench"
            )
        from guestgraph import frontdesk

        sample = frontdesk.list_arrivals(session, scope=scopes["hotel"], hotel_code=code)
    public_ids = [line.guest_public_id for line in sample.lines if line.guest_public_id]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(data_dir),
        "GUESTGRAPH_ENV": "dev",
    }
    work = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "guestgraph.cli", "serve", "--port", str(port)]
        + ["--workers", str(args.workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    mix = [
        f"/api/v1/guests?q={quote(q)}" for _k, q in queries(args.guests, args.stays_per_guest, 5000, seed=12)
    ]
    results: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            for _ in range(600):  # several workers each import the app first: slow on a busy machine
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for label in scopes:
                auth = {"Authorization": f"Bearer {tokens[label]}"}
                assert c.get(mix[0], headers=auth).status_code == 200, "search over HTTP failed"
                assert c.get(f"/api/v1/guests/{public_ids[0]}", headers=auth).status_code == 200
                load = os.getloadavg()[0]
                results[f"search/{label}"] = wrk(
                    port,
                    tokens[label],
                    mix,
                    work,
                    seconds=args.http_seconds,
                    clients=args.clients,
                    server=server.pid,
                ) | {"load": load}
                results[f"profile/{label}"] = wrk(
                    port, tokens[label], [f"/api/v1/guests/{p}" for p in public_ids], work,
                    seconds=max(args.http_seconds // 2, 5), clients=args.clients, server=server.pid,
                )  # fmt: skip
                results[f"arrivals/{label}"] = wrk(
                    port, tokens[label], [f"/api/v1/hotels/{code}/arrivals"], work,
                    seconds=max(args.http_seconds // 2, 5), clients=args.clients, server=server.pid,
                )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    shutil.rmtree(work, ignore_errors=True)
    return results


# --- driver ------------------------------------------------------------------------------------------


def _database(args: argparse.Namespace) -> str:
    if args.backend == "sqlite":
        return f"sqlite:///{args.data_dir / 'desk.db'}"
    from sqlalchemy.engine import make_url

    return make_url(args.postgres_url).set(database=args.pg_database).render_as_string(hide_password=False)


def _reset(args: argparse.Namespace) -> None:
    """A fresh, empty database and key store for a build."""
    shutil.rmtree(args.data_dir, ignore_errors=True)
    args.data_dir.mkdir(parents=True)
    if args.backend == "postgresql":
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(args.postgres_url)
        conninfo = (
            f"host={base.host} port={base.port or 5432} user={base.username or 'postgres'} dbname=postgres"
        )
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{args.pg_database}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--stays-per-guest", type=int, default=4)
    parser.add_argument("--arrivals", type=int, default=250)
    parser.add_argument("--runs", type=int, default=100, help="in-process runs per query kind (and profiles)")
    parser.add_argument("--http-seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="gg_bench_perf")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: /tmp/gg_bench_perf-<backend>")
    parser.add_argument("--reuse", action="store_true", help="measure the database built by an earlier run")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="guestgraph serve --workers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.data_dir = (args.data_dir or Path(tempfile.gettempdir()) / f"gg_bench_perf-{args.backend}").resolve()
    os.environ["GUESTGRAPH_BENCH_DATA_DIR"] = str(args.data_dir)
    # A reused database may be upgraded by migrations that seal data: they take the keys from the
    # installation's settings, so those must point at this database's key folder.
    os.environ["GUESTGRAPH_DATA_DIR"] = str(args.data_dir)
    from guestgraph import org
    from guestgraph.access import DataScope
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.db.models import Hotel, Stay
    from guestgraph.demo import generate_demo

    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} cpu · Python "
        f"{platform.python_version()} · {args.backend} · {args.guests:,} guests"
        f" × {args.stays_per_guest} stays"
        f" · load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    url = _database(args)
    marker = args.data_dir / "built.json"
    size = {"guests": args.guests, "stays_per_guest": args.stays_per_guest, "arrivals": args.arrivals}
    if args.reuse:
        if not marker.exists() or json.loads(marker.read_text()) != size:
            raise SystemExit(f"--reuse: no database of this size under {args.data_dir}; run once without it")
    else:
        _reset(args)
    from _bench_db import bench_engine  # after GUESTGRAPH_BENCH_DATA_DIR is set

    upgrade(url)
    engine = bench_engine(url)
    if not args.reuse:
        with tempfile.TemporaryDirectory() as folder:
            generate_demo(out_dir=Path(folder), guests=50, seed=1)
            with make_session_factory(engine).begin() as session:
                org.load_group(session, org.read_group_file(Path(folder) / "group.json"))
        started = time.perf_counter()
        build(engine, guests=args.guests, per_guest=args.stays_per_guest, arrivals=args.arrivals, seed=5)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        marker.write_text(json.dumps(size))
    with engine.begin() as conn:
        target_id, code, tz = conn.execute(
            select(Hotel.id, Hotel.code, Hotel.timezone).order_by(Hotel.code).limit(1)
        ).one()
        today = datetime.now(ZoneInfo(tz)).date()  # a reused database's arrivals move to the hotel's today
        conn.execute(
            update(Stay)
            .where(Stay.hotel_id == target_id, Stay.status == "booked")
            .values(arrival=today, departure=today + timedelta(days=2))
        )
    scopes = {"hotel": DataScope.hotels(target_id), "group": DataScope.group()}
    figures: dict[str, Any] = {"in_process": in_process(engine, args, scopes, code)}
    for name, value in figures["in_process"].items():
        if name.startswith("search/"):
            print(f"in-process {name}: all p50 {value['all'][0]:.1f} ms · p99 {value['all'][1]:.1f} ms")
            for kind in KINDS:
                p50, p99, found = value[kind]
                print(f"    {kind:15} p50 {p50:6.1f} ms · p99 {p99:6.1f} ms · found {found:.0%}")
        else:
            print(f"in-process {name}: p50 {value[0]:.1f} ms · p99 {value[1]:.1f} ms")
    if not args.skip_http:
        figures["http"] = over_http(url, args.data_dir, engine, args, scopes, code)
        for name, w in figures["http"].items():
            print(
                f"HTTP {args.clients} clients {name}: p50 {w['p50']:.1f} ms · p99 {w['p99']:.1f} ms · "
                f"{w['rps']:.0f} req/s · server CPU {w['cpu_ms']:.1f} ms/req · non-2xx {w['non2xx']:.0f}"
                f" · load {w.get('load', 0):.1f}"
            )
    print(f"# load average at the end {os.getloadavg()}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
