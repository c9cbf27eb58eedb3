"""Time the demo data generator.

    python benchmarks/bench_demo_data.py --guests 100000

Prints wall-clock seconds, rows per second, output size and peak RSS of this process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from guestgraph.demo import generate_demo


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the files here instead of a temporary folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="guestgraph-bench-") as tmp:
        out = args.out or Path(tmp)
        start = time.perf_counter()
        summary = generate_demo(out_dir=out, guests=args.guests, seed=args.seed)
        seconds = time.perf_counter() - start
        size = sum(f.stat().st_size for f in summary.files)

    rows = sum(summary.records_by_kind.values())
    print(f"machine      : {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"date         : {datetime.now(UTC):%Y-%m-%d %H:%M UTC}")
    print(f"guests       : {summary.persons} (seed {args.seed})")
    print(f"records      : {summary.source_records} guest-bearing, {rows} rows/reservations written")
    print(f"by kind      : {dict(summary.records_by_kind)}")
    print(f"files        : {len(summary.files)} ({size / 1e6:.1f} MB)")
    print(f"time         : {seconds:.2f} s")
    print(f"throughput   : {rows / seconds:,.0f} rows/s, {summary.persons / seconds:,.0f} guests/s")
    print(f"peak RSS     : {_peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
