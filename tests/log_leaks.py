"""LG-02 for the whole test session: every record of the app's and uvicorn's loggers, formatted by the
product's own formatter (`log_formatter`, what `guestgraph serve` writes), is checked against every secret
the tests use; a hit fails the run at the end, naming the kind of secret, the logger and the record.

Secrets come from where the tests hold them: what their HTTP clients send and receive (session cookies,
anti-forgery tokens, source API keys, passwords and one-time codes posted, guest phones, e-mails and ID
numbers pushed), the one-time codes and seeds pyotp makes, module constants of the test modules (canary
guests, staff passwords) and `register_secret`. Records are checked as they are written against what is
known so far; the last `RECENT` records are kept to check a secret registered after the line was logged
(a session cookie reaches the client after the server logged the request). Nothing else is kept.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pyotp
import pytest

from guestgraph.web._requestlog import log_formatter

CAPTURED = ("guestgraph", "uvicorn")  # the app's loggers and uvicorn's (error, asgi; its access log is ours)
RECENT = 2000  # records kept for secrets registered after the record was written
KEY = 4  # secrets are indexed by their last KEY characters (lower case)
SHORT = 10  # an ASCII secret shorter than this only counts between non-alphanumeric neighbours
MIN_RECORDS = 3  # a session that served HTTP must have captured at least this many records
REPORTED = 20  # findings kept for the report
# module constants of the test modules that hold a secret or a canary guest value, and their kind
CONSTANT_KINDS = (
    (re.compile(r"^(\w+_)?PASSWORD$"), "staff password"),
    (re.compile(r"^(CANARY_)?PHONE$"), "canary phone"),
    (re.compile(r"^(CANARY_)?EMAIL$"), "canary e-mail"),
    (re.compile(r"^(CANARY_ID|CN_ID|ID_NUMBER|PASSPORT)$"), "canary ID number"),
    (re.compile(r"^(CANARY_)?NAME$"), "canary name"),
)
FORM_KINDS = {
    "password": "staff password",
    "new_password": "staff password",
    "current_password": "staff password",
    "code": "TOTP code",
    "csrf_token": "CSRF token",
}
JSON_KINDS = {
    "password": "staff password",
    "phone": "guest phone",
    "mobile": "guest phone",
    "email": "guest e-mail",
    "id_number": "guest ID number",
}
HEADER_KINDS = {"x-csrf-token": "CSRF token", "x-api-key": "source API key", "authorization": "API key"}
_ALNUM = re.compile(r"[0-9a-z]")


@dataclass
class Finding:
    kind: str
    logger: str
    record: str  # the record with the secret shown only by its kind, length and first two characters


@dataclass
class LeakWatch:
    """The secrets known so far, indexed for one pass over each record, and what was found."""

    secrets: dict[str, str] = field(default_factory=dict)  # lower-cased secret -> kind
    by_tail: dict[str, list[str]] = field(default_factory=dict)
    recent: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=RECENT))
    findings: list[Finding] = field(default_factory=list)
    leaks: int = 0
    records: int = 0
    access_records: int = 0
    requests: int = 0
    served: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, kind: str, value: object) -> None:
        if not isinstance(value, str):
            return
        if kind.endswith("phone"):  # as it is also written: digits only, without the country code
            digits = re.sub(r"[^0-9]", "", value)
            for form in {digits, digits[2:] if digits.startswith("86") else digits} - {value}:
                self._register(kind, form)
        self._register(kind, value)

    def _register(self, kind: str, value: str) -> None:
        secret = value.strip().lower()
        if len(secret) < KEY or (secret.isascii() and len(secret) < 6) or secret in self.secrets:
            return
        with self.lock:
            self.secrets[secret] = kind
            self.by_tail.setdefault(secret[-KEY:], []).append(secret)
            for logger, text in self.recent:
                if _occurs(secret, text.lower()):
                    self._found(secret, logger, text)

    def check(self, logger: str, text: str) -> None:
        with self.lock:
            self.records += 1
            if logger == "guestgraph.access":
                self.access_records += 1
            self.recent.append((logger, text))
            if len(text.splitlines()) > 1:  # a forged line or a traceback not escaped
                self.leaks += 1
                if len(self.findings) < REPORTED:
                    self.findings.append(
                        Finding("line break (one record, several lines)", logger, text[:400])
                    )
            low = text.lower()
            for end in range(KEY, len(low) + 1):
                for secret in self.by_tail.get(low[end - KEY : end], ()):
                    start = end - len(secret)
                    if start >= 0 and low.startswith(secret, start) and _bounded(secret, low, start, end):
                        self._found(secret, logger, text)

    def _found(self, secret: str, logger: str, text: str) -> None:
        self.leaks += 1
        if len(self.findings) < REPORTED:
            kind = self.secrets[secret]
            shown = f"<{kind}, {len(secret)} chars, {secret[:2]}…>"
            masked = re.sub(re.escape(secret), shown, text, flags=re.IGNORECASE)
            self.findings.append(Finding(kind, logger, masked[:400]))


def _bounded(secret: str, low: str, start: int, end: int) -> bool:
    if not secret.isascii() or len(secret) >= SHORT:
        return True
    before = low[start - 1] if start else " "
    after = low[end] if end < len(low) else " "
    return not (_ALNUM.match(before) or _ALNUM.match(after))


def _occurs(secret: str, low: str) -> bool:
    start = low.find(secret)
    while start >= 0:
        if _bounded(secret, low, start, start + len(secret)):
            return True
        start = low.find(secret, start + 1)
    return False


WATCH = LeakWatch()


def register_secret(kind: str, value: object) -> None:
    """A value the logs must never hold (kind: e.g. "staff password", "canary phone")."""
    WATCH.register(kind, value)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(log_formatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record the product's formatter cannot write is a finding of its own
            text = f"<unformattable record {record.msg!r}>"
        WATCH.check(record.name, text)


HANDLER = _Capture()


def _attach() -> None:
    """The handler on the app's and uvicorn's loggers (not the root: tests replace the root's handlers),
    and those loggers at DEBUG (uvicorn sets its own level when a test server starts). Not uvicorn's
    access log: `guestgraph serve` turns it off (`UVICORN_LOGGING`), and pytest gives it a handler of its
    own, so at INFO it would write, in the tests only, the query strings production never logs."""
    for name in (*CAPTURED, "uvicorn.error", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
    for name in CAPTURED:
        logger = logging.getLogger(name)
        if HANDLER not in logger.handlers:
            logger.addHandler(HANDLER)


# ---- where the secrets come from -------------------------------------------------------------------


def _note_request(request: httpx.Request) -> None:
    WATCH.requests += 1
    for name, kind in HEADER_KINDS.items():
        value = request.headers.get(name)
        if value:
            WATCH.register(kind, value.split(" ")[-1])
    for header in request.headers.get_list("cookie"):
        for pair in header.split(";"):
            WATCH.register("session cookie", pair.partition("=")[2])
    kind = request.headers.get("content-type", "")
    try:
        body = request.content
    except httpx.RequestNotRead:  # a streamed upload
        return
    if kind.startswith("application/x-www-form-urlencoded"):
        for key, value in parse_qsl(body.decode("utf-8", "replace")):
            if key in FORM_KINDS:
                WATCH.register(FORM_KINDS[key], value)
    elif kind.startswith("application/json") and body:
        try:
            _note_json(json.loads(body))
        except ValueError:
            return


def _note_json(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in JSON_KINDS:
                WATCH.register(JSON_KINDS[key], item)
            else:
                _note_json(item)
    elif isinstance(value, list):
        for item in value:
            _note_json(item)


def _note_response(response: httpx.Response) -> None:
    for header in response.headers.get_list("set-cookie"):
        WATCH.register("session cookie", header.split(";")[0].partition("=")[2])


def _spy_on_clients() -> None:
    send = httpx.Client.send

    def sending(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        _note_request(request)
        response = send(self, request, **kwargs)
        _note_response(response)
        return response

    httpx.Client.send = sending  # type: ignore[method-assign]


def _spy_on_totp() -> None:
    now, at, random_base32 = pyotp.TOTP.now, pyotp.TOTP.at, pyotp.random_base32

    def code_now(self: pyotp.TOTP) -> str:
        WATCH.register("TOTP seed", self.secret)
        code: str = now(self)
        WATCH.register("TOTP code", code)
        return code

    def code_at(self: pyotp.TOTP, *args: Any, **kwargs: Any) -> str:
        code: str = at(self, *args, **kwargs)
        WATCH.register("TOTP code", code)
        return code

    def seed(*args: Any, **kwargs: Any) -> str:
        value: str = random_base32(*args, **kwargs)
        WATCH.register("TOTP seed", value)
        return value

    pyotp.TOTP.now, pyotp.TOTP.at, pyotp.random_base32 = code_now, code_at, seed  # type: ignore[method-assign]


DEMO_VALUES = (
    (re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"), "demo guest ID number"),
    (re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"), "demo guest phone"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "demo guest e-mail"),
)


def _note_demo(folder: Path) -> None:
    """The demo group's guests' ID numbers, mobile phones and e-mails (the files the tests import)."""
    for path in folder.rglob("*"):
        if path.suffix.lower() in (".csv", ".xml") and path.is_file():  # not group.json: hotels, not guests
            raw = path.read_bytes()
            data = raw.decode("utf-8") if raw.isascii() else raw.decode("gb18030", "replace")
            for pattern, kind in DEMO_VALUES:
                for value in set(pattern.findall(data)):
                    WATCH.register(kind, value)


def _note_constants(module: ModuleType) -> None:
    for name, value in vars(module).items():
        for pattern, kind in CONSTANT_KINDS:
            if isinstance(value, str) and pattern.match(name):
                WATCH.register(kind, value)


# ---- pytest hooks ----------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    _spy_on_clients()
    _spy_on_totp()
    _attach()


def pytest_collection_finish(session: pytest.Session) -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("tests.") or name.startswith("test_"):
            _note_constants(module)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _attach()  # again: a live server started in the setup set uvicorn's levels


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    value = yield
    if fixturedef.argname == "live_server":
        WATCH.served = True
    elif fixturedef.argname == "demo_dir" and isinstance(value, Path):
        _note_demo(value)
    return value


def verdict() -> list[str]:
    """Why the run fails (empty: it passes)."""
    problems: list[str] = []
    if WATCH.leaks:
        first = WATCH.findings[0]
        problems.append(
            f"LG-02: {WATCH.leaks} log record(s) hold a secret the tests used or span lines; the first: "
            f"a {first.kind} in a record of logger {first.logger!r}: {first.record}"
        )
        problems += [f"  also: a {f.kind} via {f.logger!r}: {f.record[:160]}" for f in WATCH.findings[1:5]]
    if WATCH.served and (WATCH.records < MIN_RECORDS or (WATCH.requests and not WATCH.access_records)):
        problems.append(
            f"LG-02: the live server ran but only {WATCH.records} log records ({WATCH.access_records} access "
            f"lines) were captured for {WATCH.requests} HTTP requests: the log capture is not working."
        )
    if WATCH.served and not WATCH.secrets:
        problems.append("LG-02: the live server ran but no secret was registered: the check is vacuous.")
    return problems


# Under pytest-xdist each worker checks its own records and hands its tally to the controller
# (`workeroutput`), which fails the run: a worker's exit status alone would not.
WORKERS: list[dict[str, Any]] = []


def _tally() -> dict[str, Any]:
    return {
        "records": WATCH.records,
        "secrets": len(WATCH.secrets),
        "leaks": WATCH.leaks,
        "problems": verdict(),
    }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    tally = getattr(node, "workeroutput", {}).get("log_leaks")
    WORKERS.append(tally or {"records": 0, "secrets": 0, "leaks": 0, "problems": [
        f"LG-02: worker {getattr(node, 'gateway', node)!r} sent no log leak tally (it crashed?)"
    ]})  # fmt: skip


def _all_problems() -> list[str]:
    return verdict() + [line for tally in WORKERS for line in tally["problems"]]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: the controller decides
        output["log_leaks"] = _tally()
        return
    if _all_problems() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput"):
        return
    tallies = [_tally(), *WORKERS]
    records, secrets = sum(t["records"] for t in tallies), max(t["secrets"] for t in tallies)
    leaks = sum(t["leaks"] for t in tallies)
    terminalreporter.write_sep("-", "log leak check (LG-02)")
    where = f" in {len(WORKERS)} workers" if WORKERS else ""
    terminalreporter.write_line(
        f"{records} log records checked{where} against up to {secrets} secrets each; {leaks} leak(s)."
    )
    for line in _all_problems():
        terminalreporter.write_line(line, red=True)
