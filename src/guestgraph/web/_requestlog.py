"""Request ids and the access log: one line per request with method, route (the matched route's
template, e.g. `/guests/{public_id}`: never the path as sent nor the query string, which can hold a
phone, an ID number or a name), status and time; control characters escaped so nothing a request
carries can forge a log line."""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from types import TracebackType
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
    """A formatter whose message and exception text stay on one line per record, with personal data
    masked in exception messages (an exception given as an argument or in `exc_info`)."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers keep the record as it was
        record.exc_text = None  # never the unmasked text another handler cached on the record
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_exception_text(str(a)) if isinstance(a, BaseException) else a for a in record.args
            )
        return neutralise(super().format(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return "".join(_exception_lines(ei[1], set())).rstrip("\n") if ei[1] is not None else ""


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def log_formatter() -> logging.Formatter:
    """The formatter of `guestgraph serve`'s log (also used by the tests' session-wide leak check)."""
    return SafeFormatter(LOG_FORMAT)


# What an exception's message may quote from the data: PostgreSQL's `DETAIL: Key (email_index)=(...)`
# and `Failing row contains (...)`, a quoted value, an e-mail address, a run of digits (phone, ID,
# passport, card), a run of non-ASCII text (a name). SQL parameters are hidden by the engine already
# (`hide_parameters`); quoted lower-case identifiers (constraint, table and column names) stay.
_MASKS = (
    (re.compile(r"\)=\((?:[^()]|\([^()]*\))*\)"), ")=(***)"),
    (re.compile(r"Failing row contains \(.*\)"), "Failing row contains (***)"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "***@***"),
    (re.compile(r"'(?![a-z_][a-z0-9_.]*')[^']*'|\"(?![a-z_][a-z0-9_.]*\")[^\"]*\""), "'***'"),
    (re.compile(r"\+?\d[\d ()-]{2,}\d[xX]?"), "***"),
    (re.compile(r"[^\x00-\x7f]+"), "***"),
)


def mask_exception_text(text: str) -> str:
    """An exception's message with the values it may quote from guest data replaced by `***`."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _exception_lines(exc: BaseException, seen: set[int]) -> list[str]:
    """The traceback as Python prints it (cause and context first), each message masked."""
    seen.add(id(exc))
    lines: list[str] = []
    if exc.__cause__ is not None and id(exc.__cause__) not in seen:
        lines += _exception_lines(exc.__cause__, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif exc.__context__ is not None and not exc.__suppress_context__ and id(exc.__context__) not in seen:
        lines += _exception_lines(exc.__context__, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    tb: TracebackType | None = exc.__traceback__
    if tb is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_tb(tb)
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    try:
        message = str(exc)
    except Exception:
        message = "<message not printable>"
    lines.append(f"{name}: {mask_exception_text(message)}\n" if message else f"{name}\n")
    return lines


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
    handler.setFormatter(log_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # each health check reads the schema revision: alembic would log two INFO lines per poll
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    return handler


def configure_worker_logging() -> None:
    """Logging for the long-running commands other than `serve` (the journeys worker, the inbox's mail
    server): warnings and errors on stderr as Python's last-resort handler writes them, but through
    `log_formatter` (one line per record, exception messages masked). A process that configured its
    own logging (an embedding app, the tests' runner) keeps it."""
    if not logging.getLogger().handlers:
        configure_logging("WARNING")
