"""Helpers for the audit tests: settings with a private audit folder, events, and raw tampering with
the append-only triggers switched off (as an attacker with the database owner's rights would)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from guestgraph.audit import AuditEvent, record
from guestgraph.config import Settings
from tests.conftest import make_settings

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def audit_settings(tmp_path: Path, db_url: str, **overrides: object) -> Settings:
    return make_settings(tmp_path, db_url, **overrides)


def add_events(session: Session, count: int, *, start: datetime = T0, **fields: object) -> list[int]:
    """`count` committed events, one minute apart, alternating two actors."""
    seqs = []
    for n in range(count):
        event = AuditEvent(
            str(fields.get("action", "auth.login")),
            actor_user_id=1 + n % 2,
            actor_username=f"user{1 + n % 2}",
            actor_role="front_desk",
            scope="hotel:5",
            source_ip="10.0.0.7",
            request_id=f"req-{n}",
            details={"n": n},
        )
        seqs.append(record(session, event, now=start + timedelta(minutes=n)))
    session.commit()
    return seqs


@contextmanager
def triggers_off(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction with the audit triggers disabled; restored afterwards."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            yield conn
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        else:
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            ddl = conn.execute(text(query)).all()
            assert len(ddl) == 2
            for name, _sql in ddl:
                conn.execute(text(f"DROP TRIGGER {name}"))
            try:
                yield conn
            finally:  # SQLite runs this DDL outside the transaction: restore it whatever happened
                for _name, sql in ddl:
                    conn.execute(text(sql))


def rows(conn: Connection) -> list[tuple[int, bytes, bytes]]:
    result = conn.execute(text("SELECT seq, payload, hash FROM audit_event ORDER BY seq"))
    return [(int(s), bytes(p), bytes(h)) for s, p, h in result]


def rechain(conn: Connection, edits: dict[int, bytes]) -> None:
    """Rewrite every row with `edits` applied and all hashes recomputed: a consistent forged log."""
    previous = b"\x00" * 32  # the log starts at seq 1 in these tests
    for seq, payload, _h in rows(conn):
        payload = edits.get(seq, payload)
        digest = hashlib.sha256(previous + payload).digest()
        conn.execute(
            text("UPDATE audit_event SET payload = :p, hash = :h WHERE seq = :s"),
            {"p": payload, "h": digest, "s": seq},
        )
        previous = digest
    conn.execute(text("UPDATE audit_control SET last_hash = :h"), {"h": previous})
