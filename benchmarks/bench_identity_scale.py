"""Identity resolution at scale, ours side by side with Splink (DuckDB), in one run (issue 5).

    pip install -e '.[bench]'
    python benchmarks/bench_identity_scale.py --guests 40000,200000,400000 [--seed 5]
        [--minutes 40] [--memory-gb 16] [--work DIR]

For each size: the demo group (about 2.5 primary guest mentions a guest), imported through the real
importers into a fresh SQLite database (timed apart: that is the ingestion figure, not identity's);
then each side in a child process of its own, one after the other, on the same mentions: ours the
whole `identity.resolve_all` (with the time of each of its steps), Splink training + prediction +
clustering with the settings of bench_identity_quality. Each: wall time, peak RSS (the child's
ru_maxrss, and the highest RSS the watchdog saw), pairwise precision/recall/F1 against the demo's
truth. A side that runs past --minutes or over --memory-gb is stopped; its row says how far it got.
With --work, the generated and imported database of each size is kept there and reused. With
--splink-memory-gb, DuckDB (under Splink) is capped at that much memory and spills to disk past it.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import queue
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every step `resolve_all` calls, timed in our child process by name (its module's own imports).
OUR_STEPS = (
    "load_mentions",
    "apply_decisions",
    "cluster",
    "match",
    "assign",
    "opened_values",
    "refresh_golden",
    "link_records_and_stays",
    "queue_for_review",
)
SPLINK_BLOCKING = ("phone", "email", "id_number", "loyalty_number", "name", "birth_date")


@dataclass
class Side:
    method: str
    seconds: float | None = None  # the side's own figure (resolve_all's / Splink's), None if stopped
    load: float = 0.0  # Splink: reading the mentions into its frame (resolve_all's own time has this)
    wall: float = 0.0  # the child process's whole life, loading included
    maxrss_mib: float | None = None
    watched_mib: float = 0.0
    scores: Any = None
    stopped: str = ""
    notes: list[str] = field(default_factory=list)


_PROGRESS: Any = None  # in a child: the queue its parent reads, so a stopped side says how far it got


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}] {text}", flush=True)
    if _PROGRESS is not None:
        _PROGRESS.put(("step", text))


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(name: str, step: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        out = step(*args, **kwargs)
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        extra = f", {out.scored_pairs:,} pairs scored" if hasattr(out, "scored_pairs") else ""
        _say(f"ours: {name} {spent[name]:.1f} s (RSS peak so far {_maxrss_mib():,.0f} MiB){extra}")
        return out

    return run


def ours_child(url: str, demo: str, out: Any, options: dict[str, Any]) -> None:
    global _PROGRESS
    _PROGRESS = out
    from _bench_db import bench_engine
    from bench_identity import predicted_keys, truth_keys
    from guestgraph import identity
    from guestgraph.db import make_session_factory
    from guestgraph.identity import _service

    spent: dict[str, float] = {}
    for name in OUR_STEPS:
        setattr(_service, name, _timed(name, getattr(_service, name), spent))
    engine = bench_engine(url)
    summary = identity.resolve_all(make_session_factory(engine))
    rss = _maxrss_mib()
    engine.dispose()
    spent["commit and the rest"] = summary.seconds - sum(spent.values())
    notes = [
        f"{summary.mentions:,} mentions -> {summary.guests:,} guests, {summary.probabilistic_links:,} model"
        f" links, {summary.review_pairs:,} pairs to review",
        "steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items()),
    ]
    scores = identity.pairwise_scores(predicted_keys(url), truth_keys(Path(demo)))
    out.put(("done", {"seconds": summary.seconds, "maxrss_mib": rss, "scores": scores, "notes": notes}))


def _block_sizes(frame: Any) -> list[str]:
    """What Splink's blocking rules would compare, each rule on its own (before Splink drops the pairs
    an earlier rule already made): pairs, and the largest block."""
    out = []
    for column in SPLINK_BLOCKING:
        counts = frame[column].dropna().value_counts()
        pairs = int((counts * (counts - 1) // 2).sum())
        top = f"largest {counts.index[0]!r} x{int(counts.iloc[0]):,}" if len(counts) else "empty"
        out.append(f"{column}: {pairs:,} pairs, {top}")
    return out


def splink_child(url: str, demo: str, out: Any, options: dict[str, Any]) -> None:
    global _PROGRESS
    _PROGRESS = out
    import _splink_side
    from bench_identity import truth_keys
    from bench_identity_quality import _guest_frame
    from guestgraph import identity

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    _splink_side._log.setLevel(logging.INFO)
    _splink_side._log.addHandler(logging.StreamHandler(_Said()))
    _splink_side._log.propagate = False
    started = time.perf_counter()
    frame = _guest_frame(url)
    loaded = time.perf_counter() - started
    _say(f"Splink: {len(frame):,} records loaded from the database in {loaded:.1f} s")
    blocks = _block_sizes(frame)
    for line in blocks:
        _say(f"Splink blocking, {line}")
    run = _splink_side.guests(frame, options.get("duckdb"))
    rss = _maxrss_mib()
    split = {tuple(k.split("|", 1)): v for k, v in run.clusters.items()}
    scores = identity.pairwise_scores(split, truth_keys(Path(demo)))
    notes = [f"{len(frame):,} records loaded in {loaded:.1f} s", "blocking (per rule): " + "; ".join(blocks)]
    done = {"seconds": run.seconds, "load": loaded, "maxrss_mib": rss, "scores": scores, "notes": notes}
    out.put(("done", done))


class _Said:
    """A stream for the Splink progress log, in the benchmark's own line format."""

    def write(self, text: str) -> None:
        if text.strip():
            _say(text.strip())

    def flush(self) -> None:
        pass


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_side(
    method: str,
    target: Callable[..., None],
    url: str,
    demo: Path,
    args: argparse.Namespace,
    options: dict[str, Any],
) -> Side:
    """One side in a fresh (spawned) process, watched: stopped past the time or memory limit."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    side = Side(method)
    child = ctx.Process(target=target, args=(url, str(demo), out, options), name=method)
    started = time.perf_counter()
    child.start()
    result, last = None, "none"
    while result is None:
        side.watched_mib = max(side.watched_mib, _rss_mib(child.pid or 0))
        elapsed = time.perf_counter() - started
        if side.watched_mib > args.memory_gb * 1024:
            side.stopped = f"stopped at {side.watched_mib / 1024:.1f} GiB RSS after {elapsed / 60:.1f} min"
        elif elapsed > args.minutes * 60:
            side.stopped = f"stopped after {elapsed / 60:.1f} min (RSS {side.watched_mib / 1024:.1f} GiB)"
        elif not child.is_alive() and out.empty():
            side.stopped = f"failed (exit code {child.exitcode}) after {elapsed / 60:.1f} min"
        if side.stopped:
            side.stopped += f"; last step done: {last}"
            child.kill()
            break
        try:
            kind, body = out.get(timeout=1)
        except queue.Empty:  # still running
            continue
        if kind == "done":
            result = body
        else:
            last = body
    child.join()
    side.wall = time.perf_counter() - started
    if result:
        side.seconds, side.maxrss_mib = result["seconds"], result["maxrss_mib"]
        side.scores, side.notes, side.load = result["scores"], result["notes"], result.get("load", 0.0)
    _say(f"{method}: {side.stopped or f'{side.seconds} s'}; " + " | ".join(side.notes))
    return side


@dataclass
class Size:
    guests: int
    records: int = 0
    generate: float = 0.0
    imported: float = 0.0
    sides: list[Side] = field(default_factory=list)


def prepare(guests: int, seed: int, keep: Path, size: Size) -> str:
    """The imported demo database of `guests` in `keep` (made once, reused with --work); returns the
    path of a fresh copy to resolve."""
    from sqlalchemy import func, select

    from _bench_db import bench_engine, demo_database
    from guestgraph.bootstrap import import_demo_files
    from guestgraph.db import make_session_factory
    from guestgraph.db.models import GuestMention

    imported = keep / "imported.db"
    if not imported.exists():
        started = time.perf_counter()
        url, engine = demo_database(keep, guests=guests, seed=seed, name="importing.db")
        size.generate = time.perf_counter() - started
        _say(f"{guests:,} guests: demo generated in {size.generate:.1f} s; importing")
        started = time.perf_counter()
        import_demo_files(make_session_factory(engine), keep / "demo")
        size.imported = time.perf_counter() - started
        engine.dispose()
        (keep / "importing.db").rename(imported)
    copy = keep / "resolve.db"
    shutil.copyfile(imported, copy)
    url = f"sqlite:///{copy}"
    engine = bench_engine(url)
    with engine.connect() as conn:
        primary = select(func.count()).where(GuestMention.person_index == 0)
        size.records = int(conn.execute(primary).scalar_one())
    engine.dispose()
    return url


def measure(guests: int, args: argparse.Namespace) -> Size:
    size = Size(guests)
    with tempfile.TemporaryDirectory() as folder:
        keep = Path(args.work) / f"guests-{guests}-seed-{args.seed}" if args.work else Path(folder)
        keep.mkdir(parents=True, exist_ok=True)
        url = prepare(guests, args.seed, keep, size)
        done = f"import {size.imported:.1f} s" if size.imported else f"reused from {keep}"
        _say(f"{guests:,} guests: {size.records:,} primary mentions ({done})")
        splink: dict[str, Any] = {}
        splink_name = "Splink (generic cleaning)"
        if args.splink_memory_gb:
            limit = f"{args.splink_memory_gb:g}GB"
            splink["duckdb"] = {"memory_limit": limit, "temp_directory": str(keep / "duckdb-spill")}
            splink_name = f"Splink (generic cleaning, DuckDB memory_limit {limit})"
        sides = [("guestgraph (rules + model)", ours_child, {}), (splink_name, splink_child, splink)]
        for method, target, options in sides:  # one after the other: each has the whole machine
            if method.split()[0].lower() in args.skip:
                continue
            _say(f"{guests:,} guests: {method} starts")
            size.sides.append(run_side(method, target, url, keep / "demo", args, options))
        shutil.rmtree(keep / "duckdb-spill", ignore_errors=True)
        Path(url.removeprefix("sqlite:///")).unlink()
    return size


def table(sizes: list[Size]) -> None:
    print("| records (guests) | method | precision | recall | F1 | wall time | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        for side in size.sides:
            label = f"{size.records:,} ({size.guests:,})"
            if side.scores is None:
                rss = f"≥ {side.watched_mib:,.0f} MiB"
                print(f"| {label} | {side.method} | — | — | — | {side.stopped} | {rss} |")
                continue
            s = side.scores
            load = f" + {side.load:,.1f} s loading" if side.load else ""
            print(
                f"| {label} | {side.method} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} "
                f"| {side.seconds:,.1f} s{load} | {side.maxrss_mib:,.0f} MiB |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--guests", default="40000", help="comma-separated sizes, e.g. 40000,200000,400000")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=40.0, help="stop a side after this long")
    parser.add_argument("--memory-gb", type=float, default=16.0, help="stop a side above this RSS")
    parser.add_argument("--work", help="keep each size's imported database here and reuse it")
    parser.add_argument(
        "--splink-memory-gb",
        type=float,
        help="cap DuckDB under Splink at this much memory (it spills to disk past it); default 80%% of RAM",
    )
    parser.add_argument("--skip", action="append", default=[], choices=["guestgraph", "splink"])
    args = parser.parse_args()
    import duckdb
    import splink

    from _bench_db import machine_line

    print(f"{machine_line()} · splink {splink.__version__} · duckdb {duckdb.__version__}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sizes = []
    for guests in (int(g) for g in args.guests.split(",")):
        sizes.append(measure(guests, args))
        table(sizes[-1:])
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for size in sizes:
        made = f"generated {size.generate:.1f} s, imported {size.imported:.1f} s" if size.imported else ""
        print(f"{size.guests:,} guests: {size.records:,} records; {made or 'reused'}")
    table(sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
