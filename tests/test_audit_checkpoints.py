"""Signed checkpoints outside the database: written every N events after commit and on demand,
refused keys and forged lines detected (LG-03)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from guestgraph.audit import AuditChainBroken, AuditEvent, checkpoint, install_checkpoints, record, verify
from guestgraph.audit._checkpoints import CHECKPOINTS_FILE, append_checkpoint, load_or_create_key
from guestgraph.db import make_session_factory
from guestgraph.errors import ConfigurationError
from tests.audit_helpers import add_events, audit_settings, rows, triggers_off


def _lines(settings) -> list[dict[str, object]]:
    path = settings.resolved_audit_dir / CHECKPOINTS_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_key_file_is_private_and_generated_once(tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url)
    key = load_or_create_key(settings)
    path = settings.resolved_audit_key_file
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(settings).public_key() == key.public_key()
    os.chmod(path, 0o640)
    with pytest.raises(ConfigurationError) as caught:
        load_or_create_key(settings)
    assert caught.value.hint == f"Run: chmod 600 {path}"


def test_checkpoints_every_n_events_after_commit_only(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    settings = audit_settings(tmp_path, str(engine.url), audit_checkpoint_every=5)
    factory = make_session_factory(engine)
    install_checkpoints(factory, settings)
    for n in range(12):
        with factory.begin() as s:
            record(s, AuditEvent("auth.login", details={"n": n}))
    assert [c["seq"] for c in _lines(settings)] == [1, 5, 10]  # the first, then each multiple of 5
    with factory() as s:
        for _ in range(4):
            record(s, AuditEvent("auth.login"))
        s.rollback()  # never checkpoints what was rolled back
    assert [c["seq"] for c in _lines(settings)] == [1, 5, 10]
    with factory.begin() as s:
        for _ in range(4):
            record(s, AuditEvent("auth.login"))  # seq 13..16: passes 15, checkpoints the head
    assert _lines(settings)[-1]["seq"] == 16
    with factory() as s:
        report = verify(s, settings=settings)
    assert report.ok and report.checkpoints_verified == 4 and not report.warnings


def test_checkpoint_on_demand_signs_the_verified_head(session: Session, tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url)
    assert checkpoint(session, settings=settings) is None  # empty log
    session.rollback()
    add_events(session, 4)
    result = checkpoint(session, settings=settings)
    session.commit()
    assert result is not None and result.seq == 4 and result.events_checked == 4
    assert result.hash == rows(session.connection())[-1][2].hex()
    add_events(session, 3)
    again = checkpoint(session, settings=settings)
    session.commit()
    assert again is not None and (again.seq, again.events_checked) == (7, 3)  # only what is new
    assert verify(session, settings=settings, from_checkpoint=True).anchored_at == 7


def test_checkpoint_refuses_to_sign_a_tampered_log(
    session: Session, engine: Engine, tmp_path: Path, db_url: str
) -> None:
    settings = audit_settings(tmp_path, db_url)
    add_events(session, 5)
    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    with pytest.raises(AuditChainBroken, match="first bad seq: 3"):
        checkpoint(session, settings=settings)
    session.rollback()
    assert _lines(settings) == []


def test_forged_checkpoint_line_fails_verify(session: Session, tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url)
    add_events(session, 5)
    append_checkpoint(settings, 5, rows(session.connection())[-1][2])
    session.rollback()
    assert verify(session, settings=settings).ok
    path = settings.resolved_audit_dir / CHECKPOINTS_FILE
    line = json.loads(path.read_text())
    line["seq"] = 3  # the attacker moves the checkpoint back to match a truncated log
    path.write_text(json.dumps(line) + "\n")
    report = verify(session, settings=settings)
    assert not report.ok and "bad signature" in str(report.problem)


def test_checkpoint_signed_by_another_key_fails_verify(session: Session, tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url)
    add_events(session, 2)
    append_checkpoint(settings, 2, rows(session.connection())[-1][2])
    session.rollback()
    settings.resolved_audit_key_file.unlink()
    load_or_create_key(settings)  # a new key: the old checkpoints no longer verify
    report = verify(session, settings=settings)
    assert not report.ok and "bad signature" in str(report.problem)


def test_a_stale_checkpoint_is_renewed_on_the_next_commit(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    settings = audit_settings(
        tmp_path, str(engine.url), audit_checkpoint_every=1000, audit_checkpoint_minutes=30
    )
    factory = make_session_factory(engine)
    install_checkpoints(factory, settings)
    for _ in range(2):
        with factory.begin() as s:
            record(s, AuditEvent("auth.login"))
    assert [c["seq"] for c in _lines(settings)] == [1]  # the first; the second is neither stale nor due
    path = settings.resolved_audit_dir / CHECKPOINTS_FILE
    old = path.stat().st_mtime - 31 * 60
    os.utime(path, (old, old))
    with factory.begin() as s:
        record(s, AuditEvent("auth.logout"))
    assert [c["seq"] for c in _lines(settings)] == [1, 3]
