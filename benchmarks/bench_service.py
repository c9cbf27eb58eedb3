"""Service at volume: the board (`list_tickets`), the SLA dashboard (`sla_dashboard`) and breach
detection (`check_breaches`) over N open tickets spread across H hotels (the demo group's nine plus
generated ones), and the inbox: an inbound message matched to one of G guests and threaded among C
open conversations (`inbox.receive`), in-process.

    python benchmarks/bench_service.py --tickets 10000 --hotels 50 --backend sqlite

A tenth of the tickets are past their respond deadline, so the first breach run marks and escalates
them (the worst minute); the runs after it find nothing new (every other minute).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

sys.path.insert(0, str(Path(__file__).parent))
from _bench_db import percentiles, scratch_database  # noqa: E402 - the shared database helpers


def build(engine: Engine, *, tickets: int, now: datetime, seed: int) -> int:
    """Insert the tickets set-based; returns the number of hotels they are spread over."""
    from guestgraph.db.models import Hotel, ServiceTicket

    rng = random.Random(seed)
    with engine.begin() as conn:
        hotels = list(conn.scalars(select(Hotel.id)))
        rows: list[dict[str, Any]] = []
        for i in range(tickets):
            created = now - timedelta(minutes=rng.randrange(1, 600))
            late = i % 10 == 0
            rows.append(
                {
                    "hotel_id": rng.choice(hotels),
                    "category": rng.choice(
                        ("room", "cleaning", "fnb", "billing", "noise", "lost_item", "other")
                    ),
                    "priority": rng.choice(("low", "normal", "high", "urgent")),
                    "status": rng.choice(("open", "assigned", "in_progress")) if not late else "open",
                    "title": f"ticket {i}",
                    "created_at": created,
                    "updated_at": created,
                    "respond_due_at": now - timedelta(minutes=1) if late else now + timedelta(hours=2),
                    "resolve_due_at": now + timedelta(hours=rng.randrange(1, 48)),
                    "first_response_at": None if late else created + timedelta(minutes=5),
                }
            )
        for start in range(0, len(rows), 5000):
            conn.execute(insert(ServiceTicket), rows[start : start + 5000])
    return len(hotels)


def add_hotels(engine: Engine, total: int) -> None:
    """Generated hotels (in the first region) until the group has `total`."""
    from guestgraph.db.models import Hotel, Region

    with engine.begin() as conn:
        have = len(list(conn.scalars(select(Hotel.id))))
        region = conn.scalar(select(Region.id).order_by(Region.id).limit(1))
        rows = [
            {"code": f"BEN{n:02d}", "name_zh": f"基准酒店{n}", "name_en": f"Bench Hotel {n}",
             "region_id": region,
             "timezone": "Asia/Shanghai", "currency": "CNY", "rooms": 300, "quality_threshold": 0.8,
             "pms_feed": True, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
            for n in range(total - have)
        ]  # fmt: skip
        if rows:
            conn.execute(insert(Hotel), rows)


def build_inbox(
    engine: Engine, *, guests: int, conversations: int, now: datetime, seed: int
) -> tuple[list[str], list[tuple[str, str]]]:
    """Guests with blind-indexed phones (as ingest leaves them) and open SMS conversations, set-based;
    returns the guests' phones and the (hotel code, phone) of each open conversation."""
    from guestgraph import pii
    from guestgraph.db.models import Conversation, Guest, Hotel

    rng = random.Random(seed)
    vault = pii.vault_of(engine)
    phones = [f"+86139{n:08d}" for n in range(guests)]
    with engine.begin() as conn:
        hotels = list(conn.scalars(select(Hotel.id)))
        code_of = dict(conn.execute(select(Hotel.id, Hotel.code)).all())
        threads: list[tuple[str, str]] = []
        for start in range(0, guests, 5000):
            conn.execute(
                insert(Guest),
                [{"public_id": f"GB{n:010d}", "status": "active", "full_name": f"Guest {n}",
                  "phone_bidx": vault.blind_index("phone", phones[n]), "created_at": now, "updated_at": now}
                 for n in range(start, min(start + 5000, guests))],
            )  # fmt: skip
        ids = dict(conn.execute(select(Guest.public_id, Guest.id)).all())
        rows = []
        keys = vault.new_guest_keys(conversations)  # each conversation its own data key, as the product does
        for n in range(conversations):
            g, h = rng.randrange(guests), rng.choice(hotels)
            threads.append((code_of[h], phones[g]))
            rows.append(
                {"hotel_id": h, "channel": "sms", "key_ref": keys[n],
                 "counterpart_bidx": vault.blind_index("phone", phones[g]), "guest_id": ids[f"GB{g:010d}"],
                 "match": "matched", "candidates": 1, "status": "open", "unread": 1,
                 "created_at": now - timedelta(hours=5), "last_message_at": now - timedelta(hours=1)}
            )  # fmt: skip
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Conversation), rows[start : start + 5000])
    return phones, threads


def timed(runs: int, work: Any) -> list[float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        work()
        samples.append(time.perf_counter() - t)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--hotels", type=int, default=50)
    parser.add_argument("--guests", type=int, default=100_000, help="guests the inbox matches among")
    parser.add_argument("--conversations", type=int, default=10_000, help="open inbox conversations")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    from _bench_db import bench_engine
    from guestgraph import inbox, org, service
    from guestgraph.access import DataScope
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.db.models import Hotel
    from guestgraph.demo import generate_demo

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate_demo(out_dir=work / "demo", guests=50, seed=1)
        url, admin = scratch_database(args, work)
        upgrade(url)
        engine = bench_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
        add_hotels(engine, args.hotels)
        hotels = build(engine, tickets=args.tickets, now=now, seed=3)
        phones, threads = build_inbox(
            engine, guests=args.guests, conversations=args.conversations, now=now, seed=4
        )
        print(
            f"# {now:%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu · "
            f"Python {platform.python_version()}"
            f" · {args.backend} · {args.tickets:,} open tickets over {hotels} hotels"
            f" · inbox: {args.guests:,} guests, {args.conversations:,} open conversations"
        )
        group = DataScope.group()
        with factory() as session:
            first_hotel = session.scalar(select(Hotel.id).order_by(Hotel.code).limit(1))
            one = DataScope.hotels(first_hotel)
            board = timed(args.runs, lambda: service.list_tickets(session, scope=group, open_only=True))
            board_hotel = timed(args.runs, lambda: service.list_tickets(session, scope=one, open_only=True))
            dashboard = timed(args.runs, lambda: service.sla_dashboard(session, scope=group))
            dashboard_hotel = timed(args.runs, lambda: service.sla_dashboard(session, scope=one))
        print(f"board (200 most urgent open tickets), group scope: {percentiles(board)}")
        print(f"board, one hotel's agent: {percentiles(board_hotel)}")
        print(f"SLA dashboard, group scope: {percentiles(dashboard)}")
        print(f"SLA dashboard, one hotel: {percentiles(dashboard_hotel)}")
        codes = list(factory().scalars(select(Hotel.code)))
        rng = random.Random(5)
        samples: list[float] = []
        threaded = matched = 0
        for n in range(args.runs * 4):  # each a new message in its own transaction, committed
            code, phone = threads[n % len(threads)] if n % 2 else (rng.choice(codes), rng.choice(phones))
            message = inbox.Inbound("sms", code, phone, f"Could I have more towels? ({n})", f"bench-{n}", now)
            t = time.perf_counter()
            with factory.begin() as session:
                got = inbox.receive(session, message, default_hours="00:00-24:00")
            samples.append(time.perf_counter() - t)
            threaded += not got.new_conversation
            matched += got.match == "matched"
        print(
            f"inbound message matched, threaded and stored (commit included): {percentiles(samples)}"
            f" ({matched} of {len(samples)} matched to a guest, {threaded} joined an open conversation)"
        )
        with factory.begin() as session:
            t = time.perf_counter()
            first = service.check_breaches(session, now)
            print(f"check_breaches, first run: {first.respond} breaches marked and escalated in "
                  f"{(time.perf_counter() - t) * 1000:.0f} ms")  # fmt: skip
        with factory() as session:
            steady = timed(args.runs, lambda: service.check_breaches(session, now))
            session.rollback()
        print(f"check_breaches, nothing new: {percentiles(steady)}")
        engine.dispose()
        if admin:
            admin()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
