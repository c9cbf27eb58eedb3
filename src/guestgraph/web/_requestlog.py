"""Request ids and the access log: one line per request with method, path (never the query string,
which can hold a searched phone or name), status and time; control characters escaped so a crafted
path cannot forge log lines."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.responses import Response

from guestgraph import audit

log = logging.getLogger("guestgraph.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def neutralise(text: str) -> str:
    """Escape newlines and other control characters (log injection)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SafeFormatter(logging.Formatter):
    """A formatter whose message and exception text stay on one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        return neutralise(super().format(record))


async def request_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    incoming = request.headers.get("x-request-id", "")
    request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request.state.request_id = request_id
    audit.begin_request(source_ip=request.client.host if request.client else None, request_id=request_id)
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    millis = (time.perf_counter() - started) * 1000
    log.info(
        "%s %s %s %.1fms rid=%s",
        request.method,
        neutralise(request.url.path),
        response.status_code,
        millis,
        request_id,
    )
    return response


def configure_logging(level: str = "INFO") -> None:
    """Root logging for `guestgraph serve`: one line per record, control characters escaped."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
