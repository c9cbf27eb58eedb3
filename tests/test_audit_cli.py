"""`guestgraph audit verify | checkpoint | prune` as an operator runs them: real processes, both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.audit_helpers import add_events, triggers_off


def audit(db_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_")}
    env.update(GUESTGRAPH_DATABASE_URL=db_url, GUESTGRAPH_DATA_DIR=str(data_dir), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "guestgraph.cli", "audit", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_verify_checkpoint_prune_exit_codes(
    session: Session, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    add_events(session, 5)
    session.close()
    ok = audit(db_url, tmp_path, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "5 events checked" in ok.stderr and "no signed checkpoint" in ok.stderr
    signed = audit(db_url, tmp_path, "checkpoint")
    assert signed.returncode == 0 and "seq 5" in signed.stderr, signed.stderr
    assert (tmp_path / "audit" / "checkpoints.jsonl").exists()
    pruned = audit(db_url, tmp_path, "prune")  # the events are from 2026-11-01: nothing is due yet
    assert pruned.returncode == 0 and "Pruned 0 events" in pruned.stderr, pruned.stderr
    again = audit(db_url, tmp_path, "verify", "--from-checkpoint")
    assert again.returncode == 0 and "1 events checked" in again.stderr, again.stderr  # the prune event

    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    broken = audit(db_url, tmp_path, "verify")
    assert broken.returncode == 1
    assert "First bad seq: 3" in broken.stderr and "seq 3 is missing" in broken.stderr
    refused = audit(db_url, tmp_path, "prune")
    assert refused.returncode == 2 and "first bad seq: 3" in refused.stderr


def test_world_readable_key_is_refused_with_the_fix(session: Session, db_url: str, tmp_path: Path) -> None:
    add_events(session, 1)
    session.close()
    assert audit(db_url, tmp_path, "checkpoint").returncode == 0
    key = tmp_path / "audit_signing_key.pem"
    key.chmod(0o644)
    result = audit(db_url, tmp_path, "verify")
    assert result.returncode == 2 and f"chmod 600 {key}" in result.stderr.replace("\n", "")
