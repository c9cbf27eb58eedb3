"""A small in-process limiter for the public signed-link pages: an address that tries too many
invalid links within the window is refused (429) until the window passes. Per process: with several
workers each keeps its own count (a guess still needs 2^192 tries; this only stops hammering)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request

from guestgraph.access import TooManyAttempts

WINDOW_SECONDS = 600.0


class FailureLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        seen = self._failures.setdefault(key, deque())
        while seen and seen[0] <= now - WINDOW_SECONDS:
            seen.popleft()
        return seen

    def check(self, key: str, limit: int) -> None:
        with self._lock:
            if len(self._recent(key)) >= limit:
                raise TooManyAttempts(
                    "Too many invalid links were tried from your address.",
                    hint="Wait ten minutes, then open the link from your e-mail exactly as it was sent.",
                )

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self._clock())
            if len(self._failures) > 10_000:  # forget the quietest addresses rather than grow forever
                for stale in [k for k, v in self._failures.items() if not v]:
                    del self._failures[stale]


def limiter_of(request: Request) -> FailureLimiter:
    state = request.app.state
    if not hasattr(state, "link_limiter"):
        state.link_limiter = FailureLimiter()
    found: FailureLimiter = state.link_limiter
    return found
