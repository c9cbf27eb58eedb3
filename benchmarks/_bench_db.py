"""The benchmarks' database engines, with the field-encryption vault attached as in the product.

Keys live in one folder shared by a benchmark and its child processes (GUESTGRAPH_BENCH_DATA_DIR,
default /tmp/guestgraph-bench), generated on first use."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from guestgraph.config import Settings
from guestgraph.pii import open_engine


def bench_engine(url: str, **kwargs: Any) -> Engine:
    folder = Path(
        os.environ.get("GUESTGRAPH_BENCH_DATA_DIR") or Path(tempfile.gettempdir()) / "guestgraph-bench"
    )
    settings = Settings(_env_file=None, env="dev", database_url=url, data_dir=folder)  # type: ignore[call-arg]
    return open_engine(settings, **kwargs)
