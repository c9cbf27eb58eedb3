"""LG-02: an exception that quotes guest data (a database's `DETAIL: Key (email)=(...)`, a value the
driver refused, our own message naming a guest) reaches the log with those values masked, over HTTP on
both databases, through the product's log formatter."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from sqlalchemy import text

from guestgraph.errors import InvalidInput
from guestgraph.web._requestlog import mask_exception_text
from tests.conftest import LiveServer, make_settings, serve
from tests.log_capture import app_log, lines_of

# module constants: the session-wide leak check (tests/log_leaks.py) looks for them in every record too
NAME = "司马青禾"
PHONE = "+8613987650077"
EMAIL = "Masked.Canary@Lantern-Mail.cn"
CN_ID = "11010519880512437X"


@pytest.fixture
def failing_with_data(live: LiveServer, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app with one test-only route whose database work fails with the guest's values in the
    driver's message, re-raised as an error that names the guest."""

    def file_guest(request: Request) -> None:
        with live.engine.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TEMPORARY TABLE IF NOT EXISTS lg02_probe (email varchar(200) UNIQUE, phone text)"
            )
            try:
                if request.query_params["case"] == "cast" and conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT CAST(:v AS integer)"), {"v": CN_ID})  # quotes the value
                for _ in range(2):
                    conn.execute(text("INSERT INTO lg02_probe VALUES (:e, :p)"), {"e": EMAIL, "p": PHONE})
            except Exception as e:
                raise RuntimeError(f"could not file {NAME} <{EMAIL}> ({PHONE}, ID '{CN_ID}')") from e

    with serve(make_settings(tmp_path, live.db_url), live.engine) as server:
        server.app.add_api_route("/api/v1/lg02-probe", file_guest, methods=["GET"], include_in_schema=False)
        yield server


def _canaries() -> set[str]:
    local = PHONE[3:]
    return {NAME, NAME[2:], PHONE, local, local[-8:], EMAIL.lower(), "masked.canary", CN_ID, CN_ID[:14]}


def test_an_exception_quoting_guest_data_is_logged_masked(failing_with_data: LiveServer) -> None:
    with app_log() as log, httpx.Client(base_url=failing_with_data.base_url, timeout=30) as c:
        for case in ("unique", "cast"):
            assert c.get("/api/v1/lg02-probe", params={"case": case}).status_code == 500
        logged = log.getvalue()
    low = logged.lower()
    assert "Traceback" in logged and "IntegrityError" in logged and "RuntimeError: could not file" in logged
    assert "lg02_probe" in logged  # what failed is still named
    if failing_with_data.engine.dialect.name == "postgresql":
        assert "UniqueViolation" in logged and "Key (email)=(***)" in logged
        assert "sqlalchemy.exc.DataError" in logged and "portal parameter $1 = '***'" in logged
    for canary in _canaries():
        assert canary.lower() not in low, canary
    assert len(lines_of(logged)) == logged.count("\n")  # a traceback stays on its record's line


def test_an_exception_given_as_an_argument_is_masked_and_other_handlers_keep_the_record() -> None:
    error = InvalidInput(f"phone {PHONE!r} of {NAME} does not match {EMAIL}")
    with app_log() as log:
        logging.getLogger("guestgraph.test").warning("refused: %s", error)
    assert "refused: phone '***' of *** does not match ***@***" in log.getvalue()
    assert PHONE not in log.getvalue()


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        (
            'duplicate key value violates unique constraint "uq_guest_email_index"\n'
            "DETAIL:  Key (lower(email))=(canary@x.cn) already exists.",
            'duplicate key value violates unique constraint "uq_guest_email_index"\n'
            "DETAIL:  Key (lower(email))=(***) already exists.",
        ),
        (
            'null value in column "stay_id" violates not-null constraint\n'
            "DETAIL:  Failing row contains (7, 王五, 13800001111, null).",
            'null value in column "stay_id" violates not-null constraint\n'
            "DETAIL:  Failing row contains (***).",
        ),
        (
            'invalid input syntax for type integer: "E57204913"',
            "invalid input syntax for type integer: '***'",
        ),
        ("UNIQUE constraint failed: guest.email_index", "UNIQUE constraint failed: guest.email_index"),
        ("ID 110105198805124379 and 139 8765 4321", "ID *** and ***"),
    ],
)
def test_values_a_message_quotes_are_masked(message: str, masked: str) -> None:
    assert mask_exception_text(message) == masked


def test_a_worker_process_logs_through_the_product_formatter() -> None:
    """The journeys worker and the inbox's mail server call `configure_worker_logging`: a traceback
    quoting guest data reaches their stderr masked and on one line (before: Python's last resort)."""
    program = (
        "import logging\n"
        "from guestgraph.web._requestlog import configure_worker_logging\n"
        "configure_worker_logging()\n"
        "try:\n"
        f"    raise ValueError('guest {NAME} {PHONE}\\n[INFO] admin login ok')\n"
        "except ValueError:\n"
        "    logging.getLogger('guestgraph.journeys').exception('a step failed')\n"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    run = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "ERROR guestgraph.journeys a step failed\\x0aTraceback" in run.stderr, run.stderr
    assert "ValueError: guest *** ***\\x0a[INFO] admin login ok" in run.stderr, run.stderr
    assert NAME not in run.stderr and PHONE[3:] not in run.stderr and len(run.stderr.splitlines()) == 1
