"""A file import collects reference cycles less often (Python's young threshold raised while it runs,
put back after), so the collector does not traverse the importer's caches every 700 new objects."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from guestgraph import ingest
from guestgraph.ingest._collect import BULK_THRESHOLD, fewer_collections
from guestgraph.ingest.readers import ReaderError
from tests.ingest_helpers import factory, good_row, write_pms_cn


@pytest.fixture
def usual_threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_a_file_import_raises_the_threshold_while_it_runs_and_puts_it_back(
    engine: Engine, demo_group: Session, tmp_path: Path, usual_threshold: tuple[int, int, int]
) -> None:
    seen: list[tuple[int, int, int]] = []
    csv = write_pms_cn(tmp_path / "SHA01_gc.csv", [good_row("GC1"), good_row("GC2")])
    done = ingest.import_file(
        factory(engine), csv, source="pms", progress=lambda _n: seen.append(gc.get_threshold())
    )
    assert done.summary.rows_read == 2
    assert seen and all(t == (BULK_THRESHOLD, 10, 10) for t in seen)
    assert gc.get_threshold() == usual_threshold


def test_a_failed_import_puts_the_threshold_back(
    engine: Engine, tmp_path: Path, usual_threshold: tuple[int, int, int]
) -> None:
    empty = tmp_path / "SHA01_empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReaderError):
        ingest.import_file(factory(engine), empty, source="pms")
    assert gc.get_threshold() == usual_threshold


def test_the_last_of_overlapping_imports_puts_it_back(usual_threshold: tuple[int, int, int]) -> None:
    first_in, second_out = threading.Event(), threading.Event()

    def other_import() -> None:
        with fewer_collections():
            first_in.set()
            second_out.wait(10)

    thread = threading.Thread(target=other_import)
    thread.start()
    assert first_in.wait(10)
    with fewer_collections():
        assert gc.get_threshold()[0] == BULK_THRESHOLD
    assert gc.get_threshold()[0] == BULK_THRESHOLD  # the other import still runs
    second_out.set()
    thread.join(10)
    assert gc.get_threshold() == usual_threshold
