"""The `guestgraph` command as an operator runs it: a real process on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guestgraph import __version__
from guestgraph.db import make_engine
from guestgraph.db.models import Conversation, Guest, Hotel, Role
from tests.conftest import BACKENDS

TEST_KEYS = frozenset(
    {"GUESTGRAPH_KEK", "GUESTGRAPH_BLIND_INDEX_KEY", "GUESTGRAPH_KEYSTORE_URL", "GUESTGRAPH_SHRED_JOURNAL"}
)


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    # the run's field-encryption keys are kept (see conftest._test_keys); every other setting is the test's
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_") or k in TEST_KEYS}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "guestgraph.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=full_env,
        timeout=300,
        check=False,
    )


def test_version_and_help() -> None:
    assert run("version").stdout.strip() == __version__
    helptext = run("--help").stdout
    for command in ("migrate", "serve", "demo-data", "load-demo", "version"):
        assert command in helptext


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrate_then_load_demo_once(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "50",
    }
    first = run("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert run("migrate", env=env).returncode == 0
    loaded = run("load-demo", "--if-empty", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded the demo group" in loaded.stderr
    assert (tmp_path / "demo" / "group.json").exists()
    again = run("load-demo", "--if-empty", env=env)
    assert "already holds a hotel group" in again.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        assert 6 <= conn.scalar(select(func.count()).select_from(Hotel)) <= 12
        assert conn.scalar(select(func.count()).select_from(Role)) == 8
        assert conn.scalar(select(func.count()).select_from(Guest)) > 20  # imported and resolved
        # the inbox has the demo's three conversations, matched to their guests; the complaint a ticket
        matched = conn.execute(
            select(Conversation.match, Conversation.ticket_id).order_by(Conversation.id)
        ).all()
        assert [m for m, _ in matched] == ["matched"] * 3 and matched[0][1] is not None
    engine.dispose()


def test_bad_database_url_is_a_clear_error_not_a_trace(tmp_path: Path) -> None:
    result = run(
        "migrate", env={"GUESTGRAPH_DATABASE_URL": "mysql://x@y/z", "GUESTGRAPH_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert "Unsupported database 'mysql'" in result.stderr and "Traceback" not in result.stderr


def test_demo_data_command_writes_files(tmp_path: Path) -> None:
    result = run("demo-data", "--guests", "40", "--seed", "3", "--out", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "group.json").exists() and (tmp_path / "d" / "truth").is_dir()
