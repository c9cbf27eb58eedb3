"""`python -m guestgraph.supply audit|refresh` (make audit, make advisories). Kept off the `guestgraph`
command so that `make test` pays a fraction of a second for it, not the whole CLI's imports.

Exit codes: 0 passed, 1 a known advisory or an unchecked requirement, 2 the audit could not run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from guestgraph.supply import (
    SupplyError,
    audit_lock,
    load_ignores,
    load_snapshot,
    read_lock,
    refresh_snapshot,
    report_lines,
    write_snapshot,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guestgraph.supply")
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="check the lock against the vendored advisory snapshot")
    audit.add_argument("--lock", type=Path, default=Path("requirements/lock.txt"))
    audit.add_argument("--snapshot", type=Path, default=Path("requirements/advisories.json"))
    audit.add_argument("--ignore", type=Path, default=None, help="TOML file of reasoned [[ignore]] entries")
    refresh = commands.add_parser("refresh", help="rebuild the snapshot from the advisory database")
    refresh.add_argument("--database", type=Path, required=True, help="git clone of pypa/advisory-database")
    refresh.add_argument("--lock", type=Path, default=Path("requirements/lock.txt"))
    refresh.add_argument("--out", type=Path, default=Path("requirements/advisories.json"))
    args = parser.parse_args(argv)
    try:
        if args.command == "refresh":
            return _refresh(args.database, args.lock, args.out)
        return _audit(args.lock, args.snapshot, args.ignore)
    except SupplyError as e:
        _say(f"Error: {e.message}", err=True)
        if e.hint:
            _say(f"How to fix: {e.hint}", err=True)
        _say("The dependency audit did NOT run; nothing was checked.", err=True)
        return 2


def _audit(lock_path: Path, snapshot_path: Path, ignore_path: Path | None) -> int:
    lock = read_lock(lock_path)
    snapshot = load_snapshot(snapshot_path)
    report = audit_lock(lock, snapshot, load_ignores(ignore_path), today=datetime.now(UTC).date())
    for line in report_lines(report):
        _say(line)
    return 0 if report.ok else 1


def _refresh(database: Path, lock_path: Path, out: Path) -> int:
    lock = read_lock(lock_path)
    snapshot = refresh_snapshot(database, [p.name for p in lock.packages])
    write_snapshot(snapshot, out)
    hit = sum(1 for found in snapshot.packages.values() if found)
    _say(
        f"Wrote {out}: {snapshot.advisory_count} advisories for {hit} of {len(snapshot.packages)} locked "
        f"packages, from {snapshot.source.commit[:12]} of {snapshot.source.commit_date:%Y-%m-%d}."
    )
    return 0


def _say(line: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
