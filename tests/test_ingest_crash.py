"""kill -9 in the middle of an import, then run it again: the end state equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from guestgraph.db import make_engine, make_session_factory
from guestgraph.db._migrate import upgrade
from guestgraph.db.models import ImportBatch, QualityStat, RecordIssue, SourceRecord, Stay
from guestgraph.org import GroupSpec, load_group
from tests.conftest import BACKENDS
from tests.ingest_helpers import good_row, write_pms_cn

ROWS = 30_000


def _database(scratch_db, backend: str, spec: GroupSpec) -> tuple[str, Engine]:
    url = scratch_db(backend)
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        load_group(session, spec)
    return url, engine


def _import(url: str, path: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_")}
    env.update(GUESTGRAPH_DATABASE_URL=url, GUESTGRAPH_DATA_DIR=str(data_dir))
    return subprocess.Popen(
        [sys.executable, "-m", "guestgraph.cli", "import", str(path), "--source", "pms"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        records = sorted(
            conn.execute(
                select(
                    SourceRecord.external_id,
                    SourceRecord.version_key,
                    SourceRecord.status,
                    SourceRecord.content_hash,
                    SourceRecord.is_current,
                )
            )
        )
        issues = sorted(
            conn.execute(
                select(
                    SourceRecord.external_id, RecordIssue.rule, RecordIssue.field, RecordIssue.person
                ).join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
            )
        )
        stays = sorted(
            conn.execute(
                select(Stay.confirmation_number, Stay.arrival, Stay.departure, Stay.amount, Stay.status)
            )
        )
        quality = conn.execute(
            select(
                func.sum(QualityStat.records), func.sum(QualityStat.persons), func.sum(QualityStat.complete)
            )
        ).one()
        batch = conn.execute(
            select(
                ImportBatch.rows_read,
                ImportBatch.accepted,
                ImportBatch.accepted_with_warnings,
                ImportBatch.quarantined,
                ImportBatch.duplicates,
                ImportBatch.status,
            )
            .order_by(ImportBatch.id.desc())
            .limit(1)
        ).one()
    return {
        "records": records,
        "issues": issues,
        "stays": stays,
        "quality": tuple(quality),
        "batch": tuple(batch),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_mid_file_then_rerun_equals_an_uninterrupted_run(
    backend: str, scratch_db, group_spec: GroupSpec, tmp_path: Path
) -> None:
    rows = [
        good_row(str(100000 + n), 离店日期="2026/09/01" if n % 97 == 0 else "2026/10/03") for n in range(ROWS)
    ]
    path = write_pms_cn(tmp_path / "SHA01_stays.csv", rows)
    crashed_url, crashed = _database(scratch_db, backend, group_spec)
    clean_url, clean = _database(scratch_db, backend, group_spec)

    proc = _import(crashed_url, path, tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with crashed.connect() as conn:
            done = conn.scalar(select(func.max(ImportBatch.checkpoint))) or 0
        if done >= 4000 or proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed; raise ROWS"
    with crashed.connect() as conn:
        assert 0 < (conn.scalar(select(func.max(ImportBatch.checkpoint))) or 0) < ROWS

    assert _import(crashed_url, path, tmp_path).wait(timeout=300) == 0
    assert _import(clean_url, path, tmp_path).wait(timeout=300) == 0
    after_crash, uninterrupted = _state(crashed), _state(clean)
    assert after_crash["batch"][0] == ROWS
    assert after_crash == uninterrupted
    crashed.dispose()
    clean.dispose()
