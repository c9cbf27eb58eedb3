"""Campaign sending throughput: mails/s from `engage.send_queued` to an aiosmtpd peer over loopback.

    python benchmarks/bench_engage.py --mails 2000 --backend sqlite
    python benchmarks/bench_engage.py --mails 2000 --backend postgresql \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database with N guests (every one with marketing e-mail consent and a stay), one
campaign queued to all of them, then times the sender (one process, one SMTP connection; the
gate (consent, erasure, hard bounces, the frequency cap), rendering, the claim and the commits are
all in the figure; each message goes out with its own VERP envelope sender). The aiosmtpd peer
runs in its own process (`python -m tests.smtp_peer`).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from _bench_db import bench_engine, scratch_database
from guestgraph import engage, pii  # noqa: E402
from guestgraph.access import DataScope  # noqa: E402
from guestgraph.db import make_session_factory  # noqa: E402
from guestgraph.db._migrate import upgrade  # noqa: E402
from guestgraph.db.models import (  # noqa: E402
    Consent,
    ConsentDecision,
    Guest,
    Hotel,
    Region,
    Stay,
    StayGuest,
    StayStatus,  # noqa: E402
)


def build(url: str, mails: int) -> int:
    engine = bench_engine(url)
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    with engine.begin() as conn:
        region = conn.execute(
            insert(Region).values(code="E", name_zh="东", name_en="East").returning(Region.id)
        )
        region_id = region.scalar_one()
        hotel = conn.execute(
            insert(Hotel)
            .values(code="SHA01", name_zh="上海酒店", name_en="Shanghai Hotel", region_id=region_id)
            .returning(Hotel.id)
        ).scalar_one()
        vault = pii.vault_of(conn)
        keys = vault.new_guest_keys(mails)
        conn.execute(
            insert(Guest),
            [
                {"public_id": f"GB{i:08d}", "full_name": "王小明", "family_name": "王", "gender": "M",
                 "nationality": "CN",
                 **pii.seal_person(vault, key, "guest", f"GB{i:08d}",
                                   pii.Sensitive(email=f"guest{i}@example.com"))}
                for i, key in enumerate(keys)
            ],
        )  # fmt: skip
        ids = list(conn.scalars(select(Guest.id).order_by(Guest.id)))
        conn.execute(
            insert(Consent),
            [
                {"guest_id": g, "purpose": "marketing", "channel": "email", "lawful_basis": "consent",
                 "decision": ConsentDecision.GRANTED, "source": "bench", "recorded_at": yesterday}
                for g in ids
            ],
        )  # fmt: skip
        stays = [
            {"hotel_id": hotel, "confirmation_number": f"C{g}", "arrival": date(2026, 9, 1),
             "departure": date(2026, 9, 3), "status": StayStatus.CHECKED_OUT}
            for g in ids
        ]  # fmt: skip
        stay_ids = conn.execute(
            insert(Stay).returning(Stay.id, sort_by_parameter_order=True), stays
        ).scalars()
        conn.execute(
            insert(StayGuest),
            [{"stay_id": s, "guest_id": g, "role": "primary"} for s, g in zip(stay_ids, ids, strict=True)],
        )
    factory = make_session_factory(engine)
    with factory() as session:
        spec = engage.CampaignInput(
            "Bench",
            "{{ name }}，{{ hotel }}欢迎您",
            "{{ name }}, welcome",
            "尊敬的{{ name }}：\n\n{{ arrival }}",
            "Dear {{ name }}",
        )
        row = engage.create_campaign(session, scope=DataScope.group(), spec=spec, created_by_id=None, now=now)
        engage.queue_campaign(session, row.id, scope=DataScope.group(), now=now)
        session.commit()
    engine.dispose()
    return row.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=1, help="SMTP connections (sender threads)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres", dest="postgres_url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = scratch_database(args, Path(tmp))
        upgrade(url)
        build(url, args.mails)
        engine = bench_engine(url)
        peer = subprocess.Popen(
            [sys.executable, "-m", "tests.smtp_peer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert peer.stdout is not None and peer.stdin is not None
        port = int(peer.stdout.readline())
        smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <news@hotel.example>", 10)
        policy = engage.EngagePolicy(
            smtp, 5, timedelta(days=7), "https://gg.example", b"k" * 32, bounce_address="bounce@hotel.example"
        )
        started = time.perf_counter()
        report = engage.send_queued(
            make_session_factory(engine),
            policy=policy,
            clock=lambda: datetime.now(UTC),
            connections=args.connections,
        )
        elapsed = time.perf_counter() - started
        peer.stdin.close()
        received = int(peer.stdout.readline())
        peer.wait(timeout=30)
        engine.dispose()
        if drop is not None:
            drop()
    if report.sent != args.mails or received != args.mails:  # a figure of skipped mail means nothing
        raise SystemExit(f"only {report.sent} of {args.mails} sent ({received} received): {report}")
    print(f"machine: {platform.machine()} {platform.python_version()} · {datetime.now(UTC):%Y-%m-%d}")
    where = f"backend {args.backend}, {args.connections} connection(s)"
    print(f"{where}: {report.sent} sent ({received} received by the peer) in {elapsed:.2f} s")
    print(f"  {report.sent / elapsed:,.0f} mails/s (target >= 200)")


if __name__ == "__main__":
    main()
