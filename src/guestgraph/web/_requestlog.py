"""Request ids and the access log: one line per request with method, route (the matched route's
template, e.g. `/guests/{public_id}`: never the path as sent nor the query string, which can hold a
phone, an ID number or a name), status and time; control characters escaped so nothing a request
carries can forge a log line."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import IO, Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guestgraph import audit

log = logging.getLogger("guestgraph.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# a segment of a path no route matched is logged when it cannot carry personal data: ASCII letters
# and punctuation only (a scanner's `/wp-admin/setup.php`), no digit, no `@`, no other script
_PLAIN_SEGMENT = re.compile(r"^[A-Za-z._~-]{0,40}$")
# C0 and C1 controls (U+0085 NEXT LINE among them) and the Unicode line and paragraph separators:
# everything `str.splitlines` or a log viewer may take for the end of a line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# uvicorn's own logging for `guestgraph serve` (and the tests' server): no access log of its own (ours
# leaves query strings out, uvicorn's would log them) and no config, so its records reach the root
# handler of `configure_logging`
UVICORN_LOGGING: dict[str, Any] = {"access_log": False, "log_config": None}


def neutralise(text: str) -> str:
    """Escape newlines and other control characters (log injection)."""
    return _CONTROL.sub(lambda m: _escape(ord(m.group())), text)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def route_of(scope: Scope) -> str:
    """The matched route's template, or the path as sent with every segment that could hold personal
    data replaced by `*` (no route matched: a 404 or a scanner)."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str) and template:
        return template
    path: str = scope["path"]
    return "/".join(s if _PLAIN_SEGMENT.match(s) else "*" for s in path.split("/"))


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
        answered = False

        async def send_logged(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
                log.info(
                    "%s %s %s %.1fms rid=%s",
                    neutralise(scope["method"]),
                    neutralise(route_of(scope)),
                    message["status"],
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception:
            if not answered:
                raise
            # Starlette re-raises after the generic 500 went out, logged with its request id by
            # web/_errors.py; passed on, uvicorn would log it a second time and drop the connection


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Root logging for `guestgraph serve`: one line per record on `stream` (stderr by default),
    control characters escaped."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
