"""Fewer cyclic garbage collections while a file is imported.

Python collects its youngest generation after every 700 new container objects (dicts, lists, tuples,
objects), and older generations every tenth time, traversing everything they hold: during a bulk import
that is the importer's caches, the chunk in hand and the key cache, again and again, while the import makes
almost no reference cycles to collect. A file import raises the young threshold for its duration and puts
it back after (the last of several concurrent imports in one process does). Reference counting frees
everything as before; only cycles wait a little longer."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 20_000  # new container objects between young collections during a file import


class _Imports:
    """How many file imports run in this process, and the thresholds from before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.saved: tuple[int, ...] = ()


_IMPORTS = _Imports()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's young threshold to `BULK_THRESHOLD` (never lower it) while in the block."""
    with _IMPORTS.lock:
        if _IMPORTS.running == 0:
            _IMPORTS.saved = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _IMPORTS.saved[0]), *_IMPORTS.saved[1:])
        _IMPORTS.running += 1
    try:
        yield
    finally:
        with _IMPORTS.lock:
            _IMPORTS.running -= 1
            if _IMPORTS.running == 0:
                gc.set_threshold(*_IMPORTS.saved)
