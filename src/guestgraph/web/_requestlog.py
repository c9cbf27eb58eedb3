"""Request ids and the access log: one line per request with method, path (never the query string,
which can hold a searched phone or name), status and time; control characters escaped so a crafted
path cannot forge log lines."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class RequestLog:
    """ASGI middleware: a request id (the caller's X-Request-ID when well-formed), the audit actor's
    address, and one access-log line when the response starts. Plain ASGI rather than Starlette's
    `BaseHTTPMiddleware`, which costs a task and a stream per request (a tenth of a push's CPU time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        audit.begin_request(source_ip=client[0] if client else None, request_id=request_id)
        started = time.perf_counter()

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
                log.info(
                    "%s %s %s %.1fms rid=%s",
                    scope["method"],
                    neutralise(scope["path"]),
                    message["status"],
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )
            await send(message)

        await self.app(scope, receive, send_logged)


def configure_logging(level: str = "INFO") -> None:
    """Root logging for `guestgraph serve`: one line per record, control characters escaped."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
