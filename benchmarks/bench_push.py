"""OpenTravel push throughput: reservation messages per second through the real HTTP API.

    python benchmarks/bench_push.py --messages 3000 --clients 16

Starts the app (uvicorn, one process) on a fresh SQLite database, issues an API key for ota_booking,
splits the demo group's Booking.com files into one OTA_HotelResNotifRQ per reservation and posts them
from N client threads over loopback. Prints messages/s and latency percentiles with machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"'
    ' EchoToken="bench-{n}" TimeStamp="2026-11-01T06:00:00+08:00" Version="1.003">'
    "<HotelReservations>{body}</HotelReservations></OTA_HotelResNotifRQ>"
)


def messages(demo: Path, limit: int) -> list[bytes]:
    out: list[bytes] = []
    for path in sorted((demo / "ota").glob("booking_*.xml")):
        text = path.read_text(encoding="utf-8")
        for n, body in enumerate(re.findall(r"<HotelReservation\b.*?</HotelReservation>", text, flags=re.S)):
            out.append(ENVELOPE.format(n=len(out) + n, body=body).encode("utf-8"))
    return [
        _round(body, n // len(out)) for n, body in enumerate((out * (limit // max(len(out), 1) + 1))[:limit])
    ]


def _round(message: bytes, n: int) -> bytes:
    """The n-th repetition of a message books anew: its reservation IDs get a suffix, so it is a new
    record (a repeated guest), not a duplicate that costs nothing to store."""
    if n == 0:
        return message
    return re.sub(
        rb'(<UniqueID Type="14" ID=")(\d+)', lambda m: m.group(1) + m.group(2) + b"-%d" % n, message
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--guests", type=int, default=20000)
    args = parser.parse_args()
    from _bench_db import bench_engine
    from guestgraph import org
    from guestgraph.access import issue_source_key
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.demo import generate_demo

    print(
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu"
        f" · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate_demo(out_dir=work / "demo", guests=args.guests, seed=3)
        url = f"sqlite:///{work / 'push.db'}"
        upgrade(url)
        engine = bench_engine(url)
        with make_session_factory(engine).begin() as session:
            org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
            key = issue_source_key(session, source="ota_booking")
        engine.dispose()
        payloads = messages(work / "demo", args.messages)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(work)}
        log = (work / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "guestgraph.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(port)
            cpu_before = _cpu_seconds(server.pid)
            latencies, seconds = _run(port, key, payloads, args.clients)
            cpu = _cpu_seconds(server.pid) - cpu_before
        except httpx.HTTPError:
            log.flush()
            print((work / "server.log").read_text()[-3000:])
            raise
        finally:
            server.terminate()
            server.wait(timeout=60)
        batches = _batches(url)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{len(payloads)} messages, {args.clients} clients: {len(payloads) / seconds:.0f} messages/s, "
        f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms; "
        f"server CPU {cpu / len(payloads) * 1000:.2f} ms a message ({cpu / seconds * 100:.0f} % of a core); "
        f"{batches} import batches"
        f" ({len(payloads) / max(batches, 1):.1f} messages each)"
    )
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _batches(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM import_batch WHERE channel = 'api'"))
    engine.dispose()
    return int(count or 0)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _run(port: int, key: str, payloads: list[bytes], clients: int) -> tuple[list[float], float]:
    url = f"http://127.0.0.1:{port}/api/v1/sources/ota_booking/ota"
    headers = {"X-API-Key": key, "Content-Type": "application/xml"}
    local = httpx.Client(timeout=60, headers=headers, limits=httpx.Limits(max_connections=clients))

    def send(body: bytes) -> float:
        started = time.perf_counter()
        response = local.post(url, content=body)
        response.raise_for_status()
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(send, payloads))
    return latencies, time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
