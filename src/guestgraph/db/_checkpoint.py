"""SQLite's WAL checkpoints off the commit path (issue 5).

In WAL mode a commit appends pages to the `-wal` file; a checkpoint copies them into the main file.
By default the connection whose commit takes the WAL past 1,000 pages runs that checkpoint itself,
inside the commit: online resolution measured p50 2.2 ms and p99 16-21 ms, the tail being exactly
those commits (docs/benchmarks.md, "Online resolution").

A long-running process (the web server, `guestgraph import`) can instead run a `WalCheckpointer`: a
daemon thread with its own connection that runs `PRAGMA wal_checkpoint(PASSIVE)` every few tenths of
a second and `wal_checkpoint(TRUNCATE)` when the `-wal` file has grown past a size limit, and a final
TRUNCATE when it stops. While it runs, the engine's connections are handed out with
`wal_autocheckpoint=0`; when it stops, or its thread dies, they get SQLite's default back at their
next checkout, so the WAL never grows without something checkpointing it. A process that starts no
checkpointer (a plain CLI command) keeps the default. PostgreSQL and in-memory SQLite are untouched.

The TRUNCATE takes the process's write gate (`_sqlite_gate`) first: it waits for writers and blocks
new ones while it runs, and this process's writers then queue at the gate, not in SQLite's polling
busy handler. Its busy timeout is short; a busy TRUNCATE is tried again on the next tick, and a tick
that cannot have the gate at once runs a PASSIVE checkpoint instead (it needs no gate).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, event

from guestgraph.db._sqlite_gate import gate_for
from guestgraph.errors import ConfigurationError

log = logging.getLogger(__name__)

SQLITE_AUTOCHECKPOINT = 1000  # SQLite's default: the committing connection checkpoints every 1,000 pages
CHECKPOINT_BUSY_MS = 250  # a TRUNCATE waits this long for readers and other processes' writers
FINAL_TRIES = 5
FINAL_PAUSE = 0.1
CheckpointMode = Literal["inline", "background"]
_MODES: weakref.WeakKeyDictionary[Engine, _WalMode] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class CheckpointPolicy:
    """Who checkpoints the WAL and how often (built from Settings.checkpoint_policy())."""

    mode: CheckpointMode = "inline"
    seconds: float = 0.5
    wal_limit_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.mode not in ("inline", "background"):
            raise ConfigurationError(
                f"Unknown SQLite checkpoint mode {self.mode!r} (GUESTGRAPH_SQLITE_CHECKPOINT).",
                hint="Use inline or background.",
            )
        if not self.seconds > 0 or self.wal_limit_bytes < 1:
            raise ConfigurationError(
                f"The SQLite checkpoint interval ({self.seconds} s) and WAL limit "
                f"({self.wal_limit_bytes} bytes) must be positive.",
                hint="Set GUESTGRAPH_SQLITE_CHECKPOINT_SECONDS and GUESTGRAPH_SQLITE_WAL_LIMIT_MB above 0.",
            )


@dataclass(frozen=True)
class CheckpointResult:
    """One `PRAGMA wal_checkpoint`: busy (1 if it could not finish), WAL frames, frames checkpointed."""

    how: str
    busy: int
    log_frames: int
    checkpointed: int


class _WalMode:
    """The `wal_autocheckpoint` the engine's connections get at checkout: 0 while a checkpointer runs."""

    def __init__(self) -> None:
        self.checkpointers = 0
        self.lock = threading.Lock()

    @property
    def value(self) -> int:
        return 0 if self.checkpointers else SQLITE_AUTOCHECKPOINT

    def acquire(self) -> None:
        with self.lock:
            self.checkpointers += 1

    def release(self) -> None:
        with self.lock:
            self.checkpointers = max(0, self.checkpointers - 1)

    def on_checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        wanted = self.value
        if record.info.get("wal_autocheckpoint", SQLITE_AUTOCHECKPOINT) != wanted:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={wanted}")
            record.info["wal_autocheckpoint"] = wanted


def install_wal_mode(engine: Engine) -> None:
    """Let a checkpointer switch the inline checkpoints of `engine` (a SQLite file's) off and on."""
    mode = _WalMode()
    _MODES[engine] = mode
    event.listen(engine, "checkout", mode.on_checkout)


class WalCheckpointer:
    """A daemon thread checkpointing one SQLite file's WAL; `start()`, then `stop()` (final TRUNCATE)."""

    def __init__(self, engine: Engine, policy: CheckpointPolicy) -> None:
        mode = _MODES.get(engine)
        database = engine.url.database
        if mode is None or not database:
            raise ConfigurationError(
                f"{engine.url.render_as_string(hide_password=True)} is not a SQLite file opened with "
                "guestgraph.db.make_engine, so it has no WAL to checkpoint.",
                hint="Use background_checkpoints(), which does nothing for other databases.",
            )
        self.path = Path(database).resolve()
        self.policy = policy
        self.runs = 0  # checkpoints run by the thread
        self.frames = 0  # frames they copied into the main file
        self._last = (0, 0)  # the last run's WAL frames and frames checkpointed
        self.failed: BaseException | None = None
        self._mode = mode
        self._gate = gate_for(str(self.path))
        self._stop = threading.Event()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._holding = False
        self._holding_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._holding

    def start(self) -> WalCheckpointer:
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        self._thread = threading.Thread(
            target=self._run, name=f"wal-checkpoint {self.path.name}", daemon=True
        )
        self._mode.acquire()
        self._holding = True
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> CheckpointResult | None:
        """End the thread, give the connections inline checkpoints back and checkpoint everything."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._let_go()
        result = None
        if self._conn is not None:
            try:
                result = self._final()
            finally:
                self._conn.close()
                self._conn = None
        return result

    def checkpoint(self, how: Literal["PASSIVE", "TRUNCATE"]) -> CheckpointResult:
        """Run one checkpoint on the checkpointer's connection (TRUNCATE behind the write gate)."""
        if self._conn is None:
            raise ConfigurationError("The WAL checkpointer is not started.", hint="Call start() first.")
        if how == "PASSIVE":
            return self._pragma(self._conn, how)
        if not self._gate.acquire(timeout=CHECKPOINT_BUSY_MS / 1000):
            return CheckpointResult(how, 1, -1, -1)
        try:
            return self._pragma(self._conn, how)
        finally:
            self._gate.release()

    def wal_bytes(self) -> int:
        try:
            return self.path.with_name(self.path.name + "-wal").stat().st_size
        except FileNotFoundError:
            return 0

    def _pragma(self, conn: sqlite3.Connection, how: str) -> CheckpointResult:
        busy, frames, done = conn.execute(f"PRAGMA wal_checkpoint({how})").fetchone()
        return CheckpointResult(how, busy, frames, done)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.policy.seconds):
                result = None
                if self.wal_bytes() > self.policy.wal_limit_bytes:
                    result = self.checkpoint("TRUNCATE")
                if result is None or result.log_frames < 0:  # under the limit, or the gate was busy
                    result = self.checkpoint("PASSIVE")
                self._count(result)
        except Exception as e:
            self.failed = e
            log.exception(
                "The WAL checkpointer of %s stopped: %s. Commits checkpoint inline again (SQLite's "
                "default); restart the process to bring the background checkpoints back.",
                self.path.name,
                e,
            )
        finally:
            self._let_go()

    def _count(self, result: CheckpointResult) -> None:
        """`checkpointed` counts every frame of the WAL copied so far, this run's and earlier ones'
        (until a writer starts the WAL again): add only the frames new since the last run."""
        self.runs += 1
        if result.checkpointed < 0:
            return
        restarted = result.log_frames < self._last[0] or result.checkpointed < self._last[1]
        self.frames += result.checkpointed - (0 if restarted else self._last[1])
        self._last = (result.log_frames, result.checkpointed)

    def _let_go(self) -> None:
        with self._holding_lock:
            if self._holding:
                self._holding = False
                self._mode.release()

    def _final(self) -> CheckpointResult:
        assert self._conn is not None
        result = CheckpointResult("TRUNCATE", 1, -1, -1)
        for attempt in range(FINAL_TRIES):
            if attempt:
                time.sleep(FINAL_PAUSE * attempt)
            try:
                result = self.checkpoint("TRUNCATE")
            except sqlite3.Error as e:
                log.warning("Final WAL checkpoint of %s failed: %s", self.path.name, e)
                return result
            if not result.busy:
                return result
        log.warning(
            "Final WAL checkpoint of %s stayed busy (%s frames): another connection still reads an older "
            "snapshot; the next checkpoint (any commit, or the next start) copies them.",
            self.path.name,
            result.log_frames,
        )
        return result


@contextmanager
def background_checkpoints(engine: Engine, policy: CheckpointPolicy) -> Iterator[WalCheckpointer | None]:
    """A running `WalCheckpointer` for `engine` when the policy says background and `engine` is a SQLite
    file; None (nothing changes, commits checkpoint inline) otherwise. Stopped, with a final
    checkpoint, on leaving."""
    if policy.mode != "background" or engine not in _MODES or not engine.url.database:
        yield None
        return
    checkpointer = WalCheckpointer(engine, policy).start()
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
