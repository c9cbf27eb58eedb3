"""The benchmarks' database engines, with the field-encryption vault attached as in the product.

Keys live in one folder shared by a benchmark and its child processes (GUESTGRAPH_BENCH_DATA_DIR,
default /tmp/guestgraph-bench), generated on first use."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from guestgraph.config import Settings
from guestgraph.pii import open_engine


def bench_settings(url: str) -> Settings:
    """The benchmarks' settings for the database at `url` (keys in the shared bench folder)."""
    folder = Path(
        os.environ.get("GUESTGRAPH_BENCH_DATA_DIR") or Path(tempfile.gettempdir()) / "guestgraph-bench"
    )
    return Settings(_env_file=None, env="dev", database_url=url, data_dir=folder)  # type: ignore[call-arg]


def bench_engine(url: str, **kwargs: Any) -> Engine:
    return open_engine(bench_settings(url), **kwargs)


def percentiles(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return (
        f"p50 {qs[49] * 1000:.1f} ms · p95 {qs[94] * 1000:.1f} ms · p99 {qs[98] * 1000:.1f} ms"
        f" · max {max(samples) * 1000:.1f} ms"
    )


def scratch_database(args: argparse.Namespace, work: Path) -> tuple[str, Callable[[], None] | None]:
    """A throw-away database for `args.backend` (a SQLite file in `work`, or a PostgreSQL database
    created from `args.postgres_url`), and how to drop it (None for SQLite)."""
    if args.backend == "sqlite":
        return f"sqlite:///{work / 'bench.db'}", None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(args.postgres_url)
    name = f"gg_bench_{os.getpid()}"
    conninfo = f"host={base.host} port={base.port or 5432} user={base.username or 'postgres'} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


def machine_line() -> str:
    """The line every benchmark prints first: date, machine, cores, Python."""
    import platform
    from datetime import UTC, datetime

    return (
        f"# {datetime.now(UTC):%Y-%m-%d} · {platform.node()} · {os.cpu_count()} cpu"
        f" · Python {platform.python_version()}"
    )


def demo_database(
    work: Path, *, guests: int, seed: int, name: str, url: str | None = None
) -> tuple[str, Engine]:
    """A fresh SQLite database in `work` (or the empty database at `url`) holding the demo group's
    organisation (no guests yet), with the demo's source files generated under work/demo; returns its
    URL and engine."""
    from guestgraph import org
    from guestgraph.db import make_session_factory
    from guestgraph.db._migrate import upgrade
    from guestgraph.demo import generate_demo

    generate_demo(out_dir=work / "demo", guests=guests, seed=seed)
    url = url or f"sqlite:///{work / name}"
    upgrade(url)
    engine = bench_engine(url)
    with make_session_factory(engine).begin() as session:
        org.load_group(session, org.read_group_file(work / "demo" / "group.json"))
    return url, engine
