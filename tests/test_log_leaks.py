"""The session-wide log leak check (tests/log_leaks.py) fails a run whose logs hold a secret the tests
used, whether the secret was known before or after the record was written, without printing it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANTED = """
import logging

import pyotp

from tests.log_leaks import register_secret

log = logging.getLogger("guestgraph.planted")


def test_a_password_known_before_it_is_logged():
    register_secret("staff password", "orchid-lantern-ferry-77")
    log.info("signed in with orchid-lantern-ferry-77")


def test_a_cookie_known_only_after_it_was_logged():
    log.warning("session 9f3c1d2e8b7a6f5e4d3c2b1a issued")
    register_secret("session cookie", "9f3c1d2e8b7a6f5e4d3c2b1a")


def test_a_totp_code_the_test_made():
    code = pyotp.TOTP(pyotp.random_base32()).now()
    logging.getLogger("uvicorn.error").error("code %s refused", code)


def test_a_forged_line_written_by_a_handler_that_does_not_escape():
    from tests.log_leaks import WATCH

    WATCH.check("guestgraph.planted", "王" + chr(10) + "[INFO] admin login ok")


def test_nothing_secret():
    log.info("GET /guests 200 12.0ms rid=0123456789abcdef")
"""


def run_planted(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """pytest with the leak check on the planted tests, in a process of its own (`extra`: its options)."""
    (tmp_path / "test_planted.py").write_text(PLANTED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.log_leaks", *extra]
        + ["-W", "ignore", "--rootdir", str(tmp_path), str(tmp_path / "test_planted.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_planted_secret_fails_the_run_and_is_not_printed(tmp_path: Path) -> None:
    run = run_planted(tmp_path)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "5 passed" in out  # the tests pass; the log check fails the run
    assert "4 log record(s) hold a secret the tests used or span lines" in out, out
    assert "a staff password in a record of logger 'guestgraph.planted'" in out, out
    assert "session cookie via 'guestgraph.planted'" in out and "TOTP code via 'uvicorn.error'" in out, out
    assert "line break (one record, several lines) via 'guestgraph.planted'" in out, out
    assert "orchid-lantern-ferry-77" not in out and "9f3c1d2e8b7a6f5e4d3c2b1a" not in out


def test_a_planted_secret_fails_a_run_split_over_workers(tmp_path: Path) -> None:
    """Under pytest-xdist (how `make test` runs) each worker hands its tally to the controller,
    which fails the run: a worker's own exit status would be lost."""
    run = run_planted(tmp_path, "-n", "2")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "5 passed" in out and "in 2 workers" in out and "4 leak(s)" in out, out
    for kind in ("staff password", "session cookie", "TOTP code", "line break"):
        assert kind in out, (kind, out)
    assert "orchid-lantern-ferry-77" not in out and "9f3c1d2e8b7a6f5e4d3c2b1a" not in out
