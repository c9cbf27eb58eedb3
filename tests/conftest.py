"""Test fixtures: a dedicated database per run on SQLite and (when configured) PostgreSQL.

Tests that touch the database take `db_url` (directly or through `engine`, `session`, `live`)
and so run once per backend. PostgreSQL runs when GUESTGRAPH_TEST_POSTGRES_URL is set; under
CI=true it must be set, and an unreachable server fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import psycopg
import pytest
import uvicorn
from sqlalchemy import Engine, delete, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.access import DataScope
from guestgraph.config import Settings
from guestgraph.db import make_session_factory
from guestgraph.db._migrate import upgrade
from guestgraph.db.models import AuditControl, Base
from guestgraph.demo import generate_demo
from guestgraph.org import GroupSpec, load_group, read_group_file
from guestgraph.pii import open_engine
from guestgraph.web._requestlog import UVICORN_LOGGING

pytest_plugins = ["tests.log_leaks", "tests.browser_fixtures"]  # log_leaks: LG-02 over the whole run


def _test_keys() -> None:
    """One set of field-encryption keys for the whole run, shared through the environment by every
    Settings the tests build (the app under test, CLI runs, subprocesses), so that what one part
    seals the others open. The key store and shred journal live in a scratch folder of each test
    process: pytest-xdist's workers inherit the controller's environment, and each gets its own
    (marked by _GUESTGRAPH_TEST_KEYS, so a key store named by the caller's environment is kept)."""
    import base64
    import tempfile

    for name in ("GUESTGRAPH_KEK", "GUESTGRAPH_BLIND_INDEX_KEY"):
        os.environ.setdefault(name, "1:" + base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
    if "GUESTGRAPH_KEYSTORE_URL" in os.environ and os.environ.get("_GUESTGRAPH_TEST_KEYS") != "1":
        return
    folder = Path(tempfile.mkdtemp(prefix="guestgraph-test-keys-"))
    os.environ["GUESTGRAPH_KEYSTORE_URL"] = f"sqlite:///{folder / 'keystore.db'}"
    os.environ["GUESTGRAPH_SHRED_JOURNAL"] = str(folder / "shredded.journal")
    os.environ["_GUESTGRAPH_TEST_KEYS"] = "1"


_test_keys()

# Hypothesis budgets: the default profile for `make test`; HYPOTHESIS_PROFILE=nightly (.ci/nightly) runs
# 20x the examples (tests/fuzz.examples scales the tests that set their own budget).
hypothesis.settings.register_profile("nightly", max_examples=2000, deadline=None, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PG_URL = os.environ.get("GUESTGRAPH_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
DEMO_GUESTS = 300
DEMO_SEED = 7


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI", "").lower() == "true" and not PG_URL:
        raise pytest.UsageError(
            "CI=true but GUESTGRAPH_TEST_POSTGRES_URL is not set: the PostgreSQL run is required."
        )


def pytest_report_header(config: pytest.Config) -> str:
    where = make_url(PG_URL).render_as_string(hide_password=True) if PG_URL else "not configured"
    return f"guestgraph backends: {', '.join(BACKENDS)} (PostgreSQL: {where})"


class PostgresServer:
    """Creates and drops scratch databases on the server that GUESTGRAPH_TEST_POSTGRES_URL names."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg")
        try:
            self._admin = psycopg.connect(self._conninfo(self.url.database or "postgres"), autocommit=True)
        except psycopg.OperationalError as e:
            pytest.fail(
                f"PostgreSQL at {self.url.host}:{self.url.port} cannot be reached ({e}); "
                "start it or unset GUESTGRAPH_TEST_POSTGRES_URL.",
                pytrace=False,
            )

    def _conninfo(self, dbname: str) -> str:
        u = self.url
        parts = {"host": u.host or "127.0.0.1", "port": u.port or 5432, "user": u.username or "postgres"}
        info = " ".join(f"{k}={v}" for k, v in parts.items()) + f" dbname={dbname}"
        return info + (f" password={u.password}" if u.password else "")

    def create(self, prefix: str = "gg_test") -> str:
        name = f"{prefix}_{secrets.token_hex(4)}"
        self._admin.execute(f'CREATE DATABASE "{name}"')
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    if not PG_URL:
        yield None
        return
    server = PostgresServer(PG_URL)
    yield server
    server._admin.close()


@pytest.fixture(scope="session")
def scratch_db(pg_server: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory):
    """Factory for an empty, unmigrated database of a backend (for migration and CLI tests)."""
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('scratch') / 'scratch.db'}"
        assert pg_server is not None
        url = pg_server.create("gg_scratch")
        created.append(url)
        return url

    yield make
    for url in created:
        assert pg_server is not None
        pg_server.drop(url)


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, scratch_db) -> str:
    """A migrated database for this run, once per backend."""
    url: str = scratch_db(request.param)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The test database's engine, with the run's field-encryption vault attached."""
    eng = open_engine(make_settings(tmp_path_factory.mktemp("data"), db_url))
    yield eng
    eng.dispose()


def wipe(engine: Engine) -> None:
    """Empty every table; the audit log through its one sanctioned deletion path (prune_through),
    and its control row is reset to the genesis head rather than deleted. An earlier test's erasure
    may still be purging on its background thread: that ends first."""
    privacy.wait_for_purges(timeout=120)
    with engine.begin() as conn:
        conn.execute(update(AuditControl).values(prune_through=2**62))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "audit_control":
                conn.execute(delete(table))
        conn.execute(update(AuditControl).values(last_seq=0, last_hash=b"\x00" * 32, prune_through=0))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on an emptied database; what the test commits is wiped before the next one."""
    wipe(engine)
    factory = make_session_factory(engine)
    with factory() as s:
        yield s


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out_dir=out, guests=DEMO_GUESTS, seed=DEMO_SEED)
    return out


@pytest.fixture(scope="session")
def group_spec(demo_dir: Path) -> GroupSpec:
    return read_group_file(demo_dir / "group.json")


@pytest.fixture
def demo_group(session: Session, group_spec: GroupSpec) -> Session:
    """The session, with the demo group's regions, hotels and source systems loaded and committed."""
    load_group(session, group_spec)
    session.commit()
    return session


def make_settings(data_dir: Path, db_url: str, **overrides: object) -> Settings:
    return Settings(_env_file=None, env="test", data_dir=data_dir, database_url=db_url, **overrides)  # type: ignore[call-arg]


@dataclass
class LiveServer:
    base_url: str
    db_url: str
    engine: Engine
    settings: Settings
    app: Any = None  # the FastAPI app served (its in-process state, e.g. the public-link limiter)

    def client(
        self, *, role: str | None = "test_everything", scope: DataScope | None = None, **kwargs: object
    ) -> httpx.Client:
        """An HTTP client signed in as a new staff user of `role` (None: not signed in)."""
        from tests.auth_helpers import signed_in

        kwargs.setdefault("timeout", 30)  # generous: under -n 3 on 2 cores a slow answer is load, not a fault
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        cookies: dict[str, str] = {}
        if role is not None:
            cookies, auth = signed_in(self.engine, self.settings, role=role, scope=scope)
            headers = {**auth, **headers}
        return httpx.Client(base_url=self.base_url, headers=headers, cookies=cookies, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def live_server(
    db_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real app served by uvicorn over real HTTP on a free loopback port."""
    with serve(make_settings(tmp_path_factory.mktemp("live"), db_url), engine) as server:
        yield server


@contextmanager
def serve(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The app of `settings` served by uvicorn on a free loopback port (`engine` is the tests' own)."""
    from guestgraph.web import create_app

    db_url = settings.resolved_database_url
    app = create_app(settings, engine=open_engine(settings))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **UVICORN_LOGGING))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("The test web server did not start.", pytrace=False)
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", db_url, engine, settings, app)
    privacy.wait_for_purges(timeout=120)  # an erasure's background purge is done before the next test
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def live(live_server: LiveServer, demo_group: Session) -> LiveServer:
    """The live server over a database holding exactly the demo group (no guests), with the
    public-link limiter's counts of earlier tests forgotten (each test is a new visitor)."""
    if hasattr(live_server.app.state, "link_limiter"):
        del live_server.app.state.link_limiter
    return live_server
