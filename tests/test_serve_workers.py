"""`guestgraph serve --workers N`: several server processes share the port, each with its own app built
from the same environment, and all of them answer (issue 6: two cores serve searches, not one)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.test_cli import TEST_KEYS, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_worker_processes_serve_the_app(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {"GUESTGRAPH_DATABASE_URL": url, "GUESTGRAPH_DATA_DIR": str(tmp_path), "GUESTGRAPH_ENV": "dev"}
    assert run("migrate", env=env).returncode == 0
    port = _free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GUESTGRAPH_") or k in TEST_KEYS}
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "guestgraph.cli", "serve", "--port", str(port), "--workers", "2"],
            env=full_env | env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline, answers = time.monotonic() + 180, 0
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                while time.monotonic() < deadline and answers < 2:
                    try:
                        health = client.get("/healthz")
                    except httpx.TransportError:
                        time.sleep(0.5)
                        continue
                    assert health.status_code == 200 and health.json()["schema_current"] is True
                    started = set(re.findall(r"Started server process \[(\d+)\]", log_path.read_text()))
                    answers = len(started)
                    time.sleep(0.2)
            assert answers == 2, log_path.read_text()
            workers = {str(pid) for pid in _children(server.pid)}
            assert started <= workers, (started, workers)  # the processes that started are the children
            assert server.poll() is None
        finally:
            server.terminate()
            server.wait(timeout=60)
    text = log_path.read_text()
    assert "serving on" in text and "with 2 processes" in text
    assert "Traceback" not in text, text
    assert "Context impl" not in text  # health checks read the schema revision without alembic's INFO lines


def test_workers_out_of_range_is_refused_naming_the_option(tmp_path: Path) -> None:
    refused = run("serve", "--workers", "0", env={"GUESTGRAPH_DATA_DIR": str(tmp_path)})
    assert refused.returncode != 0
    assert "--workers" in refused.stderr
