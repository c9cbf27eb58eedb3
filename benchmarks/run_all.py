"""`make bench`: run every benchmark in this folder, one after another, and print their figures.

Benchmarks are never part of `make test`. Each script prints its machine, date and command so that
docs/benchmarks.md can quote it exactly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT_ARGS: dict[str, list[str]] = {
    "bench_analytics.py": ["--guests", "200000"],
    "bench_dashboard.py": ["--guests", "200000"],
    "bench_demo_data.py": ["--guests", "100000"],
    "bench_crypto.py": ["--keys", "100000"],
    "bench_identity_quality.py": ["--guests", "5000", "--seed", "9"],
    "bench_audit.py": ["--events", "1000000"],  # add --postgres URL for PostgreSQL; 10 M: --events 10000000
}


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        args = DEFAULT_ARGS.get(script.name, [])
        print(f"\n=== {script.name} {' '.join(args)}", flush=True)
        failures += subprocess.run([sys.executable, str(script), *args], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
