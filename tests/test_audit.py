"""The audit chain on both databases: appends, the append-only triggers, and tampering caught by
`verify` with the first bad seq named (LG-03)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from guestgraph.audit import AuditEvent, record, verify
from guestgraph.audit._checkpoints import append_checkpoint
from guestgraph.db import make_engine
from guestgraph.db._migrate import upgrade
from guestgraph.errors import InvalidInput
from tests.audit_helpers import T0, add_events, audit_settings, rechain, rows, triggers_off
from tests.conftest import PG_URL


@pytest.fixture
def settings(tmp_path: Path, db_url: str):
    return audit_settings(tmp_path, db_url)


def test_events_get_gap_free_seqs_and_exact_bytes(session: Session, settings) -> None:
    assert add_events(session, 5) == [1, 2, 3, 4, 5]
    stored = rows(session.connection())
    assert stored[2][1].startswith(
        b'{"seq":3,"time":"2026-11-01T09:02:00.000000Z","action":"auth.login","outcome":"ok",'
        b'"category":"security","actor_user_id":1,"guest_public_id":null,"actor_username":"user1",'
        b'"actor_role":"front_desk","details":{"n":2},"object_id":null,'
    )
    assert json.loads(stored[2][1])["request_id"] == "req-2"
    assert stored[0][2] == hashlib.sha256(b"\x00" * 32 + stored[0][1]).digest()
    assert stored[1][2] == hashlib.sha256(stored[0][2] + stored[1][1]).digest()
    report = verify(session, settings=settings)
    assert report.ok, report.problem
    assert (report.events_checked, report.first_seq, report.last_seq) == (5, 1, 5)
    assert report.warnings  # no checkpoint yet: says what cannot be detected


def test_sensitive_category_by_default_for_guest_reads_reveals_exports() -> None:
    assert AuditEvent("guest.reveal").category == "sensitive"
    assert AuditEvent("export.guests").category == "sensitive"
    assert AuditEvent("profile.view", guest_public_id="G1").category == "sensitive"
    assert AuditEvent("auth.login", outcome="failed").category == "security"
    assert AuditEvent("auth.login", category="sensitive").category == "sensitive"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": "Login"},
        {"action": "auth"},
        {"action": "auth.login", "outcome": "maybe"},
        {"action": "auth.login", "details": {"password": "x"}},
        {"action": "export.guests", "details": {"filter": {"phone": "13800000000"}}},
        {"action": "export.guests", "details": {"rows": list(range(1000))}},
    ],
)
def test_bad_events_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        AuditEvent(**kwargs)  # type: ignore[arg-type]


def test_a_rolled_back_event_leaves_no_gap(session: Session, settings) -> None:
    add_events(session, 2)
    record(session, AuditEvent("auth.login"))
    session.rollback()
    assert add_events(session, 1) == [3]
    assert verify(session, settings=settings).ok


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_event SET hash = hash WHERE seq = 2", "DELETE FROM audit_event WHERE seq = 2"],
)
def test_triggers_refuse_update_and_delete(session: Session, engine: Engine, sql: str) -> None:
    add_events(session, 3)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        assert len(rows(conn)) == 3


def test_postgres_refuses_truncate(session: Session, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL only")
    add_events(session, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))


def test_a_nul_in_an_event_is_stored_as_a_replacement_character(session: Session, settings) -> None:
    """PostgreSQL's jsonb (the search columns) cannot hold a NUL; a name sent with one (a sign-in)
    was refused by the database. Every NUL in the event's texts, keys too, becomes U+FFFD."""
    event = AuditEvent(
        "auth.login", outcome="failed", actor_username="adm\x00in", details={"k\x00": ["v\x00"]}
    )
    record(session, event, now=T0)
    session.commit()
    stored = json.loads(rows(session.connection())[0][1])
    assert stored["actor_username"] == "adm\ufffdin" and stored["details"] == {"k\ufffd": ["v\ufffd"]}
    assert verify(session, settings=settings).ok


def _bad(session: Session, settings) -> tuple[int | None, str | None]:
    session.rollback()
    report = verify(session, settings=settings)
    assert not report.ok
    return report.first_bad_seq, report.problem


def test_edited_payload_is_named(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    with triggers_off(engine) as conn:
        payload = rows(conn)[4][1].replace(b"10.0.0.7", b"10.0.0.8")
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 5"), {"p": payload})
    assert _bad(session, settings)[0] == 5


@pytest.mark.parametrize(
    ("column", "value"), [("actor_username", "someone"), ("occurred_at", T0.replace(year=2020))]
)
def test_search_columns_cannot_be_edited_apart_from_the_payload(
    session: Session, engine: Engine, column: str, value: object
) -> None:
    """They are generated from the payload: even with the triggers off the database refuses."""
    add_events(session, 3)
    with pytest.raises(DBAPIError, match="generated column"), triggers_off(engine) as conn:
        conn.execute(text(f"UPDATE audit_event SET {column} = :v WHERE seq = 2"), {"v": value})


def test_a_search_column_made_editable_is_reported(scratch_db, tmp_path: Path) -> None:
    """PostgreSQL can turn a generated column into a plain one; verify notices the schema."""
    if not PG_URL:
        pytest.skip("needs PostgreSQL (ALTER COLUMN … DROP EXPRESSION)")
    url = scratch_db("postgresql")
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            add_events(s, 3)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_event ALTER COLUMN actor_username DROP EXPRESSION"))
        with Session(engine) as s:
            report = verify(s, settings=audit_settings(tmp_path, url))
        assert not report.ok and "no longer all generated" in str(report.problem)
    finally:
        engine.dispose()


def test_deleted_event_is_named(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    seq, problem = _bad(session, settings)
    assert seq == 4 and "missing" in str(problem)


def test_inserted_event_is_named(session: Session, engine: Engine, settings) -> None:
    """A forged event at seq 4 with a correct link to seq 3; the old 4.. moved up by one."""
    add_events(session, 8)
    with triggers_off(engine) as conn:
        stored = rows(conn)
        for seq in range(8, 3, -1):
            conn.execute(text("UPDATE audit_event SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
        forged = stored[3][1].replace(b"user2", b"user9")
        conn.execute(
            text("INSERT INTO audit_event (seq, payload, hash) VALUES (4, :p, :h)"),
            {"p": forged, "h": hashlib.sha256(stored[2][2] + forged).digest()},
        )
        conn.execute(text("UPDATE audit_control SET last_seq = 9"))
    assert _bad(session, settings)[0] == 5  # the first event whose link no longer holds


def test_swapped_events_are_named(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    with triggers_off(engine) as conn:
        stored = rows(conn)
        for seq, (_s, payload, digest) in ((3, stored[3]), (4, stored[2])):
            conn.execute(
                text("UPDATE audit_event SET payload = :p, hash = :h WHERE seq = :s"),
                {"p": payload, "h": digest, "s": seq},
            )
    assert _bad(session, settings)[0] == 3


def _truncate_tail(engine: Engine, keep: int) -> None:
    """What a careful attacker does: drop the newest events and move the writers' head back."""
    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > :k"), {"k": keep})
        head = rows(conn)[-1][2]
        conn.execute(text("UPDATE audit_control SET last_seq = :k, last_hash = :h"), {"k": keep, "h": head})


def test_tail_truncation_is_missed_by_the_chain_alone(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    _truncate_tail(engine, 5)
    report = verify(session, settings=settings)
    assert report.ok and report.last_seq == 5  # the chain alone cannot tell: hence the checkpoints
    assert any("truncated tail" in w for w in report.warnings)


def test_tail_truncation_is_caught_against_the_checkpoint(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    append_checkpoint(settings, 8, rows(session.connection())[-1][2])
    session.rollback()
    _truncate_tail(engine, 5)
    seq, problem = _bad(session, settings)
    assert seq == 6 and "checkpoint covers seq 8" in str(problem)


def test_careless_tail_truncation_is_caught_by_the_head(session: Session, engine: Engine, settings) -> None:
    add_events(session, 8)
    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 6"))
    assert _bad(session, settings)[0] == 7


def test_full_rewrite_is_missed_without_and_caught_with_a_checkpoint(
    session: Session, engine: Engine, settings
) -> None:
    add_events(session, 8)
    with triggers_off(engine) as conn:
        payload = rows(conn)[2][1].replace(b"user1", b"user2")
        rechain(conn, {3: payload})
    assert verify(session, settings=settings).ok  # a consistent forgery: only a checkpoint knows


def test_full_rewrite_is_caught_against_an_earlier_checkpoint(
    session: Session, engine: Engine, settings
) -> None:
    add_events(session, 8)
    append_checkpoint(settings, 6, rows(session.connection())[5][2])
    session.rollback()
    with triggers_off(engine) as conn:
        payload = rows(conn)[2][1].replace(b"user1", b"user2")
        rechain(conn, {3: payload})
    seq, problem = _bad(session, settings)
    assert seq == 6 and "rewritten" in str(problem)


def test_any_text_as_a_username_verifies(session: Session, settings) -> None:
    """Failed logins carry whatever was typed: quotes, a forged log line, Han script, 500 characters."""
    names = ['a"b\\c', "x\n[INFO] admin login ok", "王小明", "\x01\x7f", "u" * 500, None]
    for name in names:
        record(session, AuditEvent("auth.login", outcome="failed", actor_username=name))
    session.commit()
    report = verify(session, settings=settings)
    assert report.ok and report.events_checked == len(names), report.problem
    assert json.loads(rows(session.connection())[4][1])["actor_username"] == "u" * 79 + "…"


def test_guest_public_id_must_look_like_one() -> None:
    with pytest.raises(InvalidInput):
        AuditEvent("guest.view", guest_public_id='G1","x')


def test_missing_triggers_are_reported(session: Session, engine: Engine, settings) -> None:
    add_events(session, 2)
    session.close()
    off, on = "ALTER TABLE audit_event DISABLE TRIGGER USER", "ALTER TABLE audit_event ENABLE TRIGGER USER"
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(off))
        try:
            report = verify(session, settings=settings)
        finally:
            session.rollback()
            with engine.begin() as conn:
                conn.execute(text(on))
    else:
        with triggers_off(engine):  # SQLite runs the DROP TRIGGER outside the transaction
            report = verify(session, settings=settings)
    assert report.ok and any("append-only triggers" in w for w in report.warnings)
    session.rollback()
    assert not any("triggers" in w for w in verify(session, settings=settings).warnings)
