"""LG-03, first bullet: on PostgreSQL the app's database role may not UPDATE, DELETE or TRUNCATE the audit
log (privileges, not only the triggers), yet reads and writes guest data and appends audit events. SQLite
has no roles, and the command says so."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from guestgraph import audit
from tests.conftest import BACKENDS
from tests.test_cli import run


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_app_role_appends_to_the_audit_log_but_cannot_rewrite_it(
    backend: str, scratch_db, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path), "APP_PW": "s3cret-app-pw"}
    assert run("migrate", env=env).returncode == 0
    role = f"gg_app_{secrets.token_hex(4)}"
    done = run("db-app-role", role, "--password-env", "APP_PW", env=env)
    if backend == "sqlite":
        assert done.returncode != 0 and "SQLite has no database roles" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert run("db-app-role", role, env=env).returncode == 0  # idempotent
    shown = run("db-app-role", role, "--show", env=env)
    assert f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {role}" in shown.stdout
    app = create_engine(make_url(url).set(username=role, password="s3cret-app-pw"))
    try:
        with Session(app) as s, audit.acting_as(audit.Actor(username="app")):
            audit.log_event(s, "staff.login", details={"via": "test"})  # appends
            s.commit()
        with app.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO region (code, name_zh, name_en, created_at, updated_at) "
                    "VALUES ('R9', '测试', 'Test', now(), now())"
                )
            )
            conn.execute(text("UPDATE region SET name_en = 'Test 2' WHERE code = 'R9'"))
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
        for statement in (
            "UPDATE audit_event SET hash = hash",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
            "DROP TABLE audit_event",
        ):
            with pytest.raises(Exception) as refused, app.begin() as conn:
                conn.execute(text(statement))
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement  # type: ignore[attr-defined]
    finally:
        app.dispose()
        owner = psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
        )
        owner.execute(f"DROP OWNED BY {role}")
        owner.execute(f"DROP ROLE {role}")
        owner.close()
