"""Every log record of this process at DEBUG, formatted by the app's own handler (`configure_logging`,
as `guestgraph serve` installs it), into a string: what an operator's log file would hold."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from guestgraph.web._requestlog import configure_logging

# the test's own side of the conversation, not the app's: its HTTP client and its SMTP peer
TEST_SIDE = ("httpx", "httpcore", "mail.log")
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ ")


class _AppOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(TEST_SIDE)


@contextmanager
def app_log() -> Iterator[io.StringIO]:
    """Capture through the app's handler with the root logger and uvicorn's at DEBUG; restore after."""
    root = logging.getLogger()
    names = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    text = io.StringIO()
    handler = configure_logging("DEBUG", stream=text)
    handler.addFilter(_AppOnly())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield text
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def lines_of(text: str) -> list[str]:
    """The physical lines as any reader may split them (\\r, U+0085, U+2028 and the rest count)."""
    return text.splitlines()
