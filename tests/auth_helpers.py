"""Signed-in test clients: a staff user and a live session created straight in the database (no
argon2 or TOTP on every test); the sign-in flow itself is tested through HTTP in test_auth*.py."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pyotp
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import access
from guestgraph.access import DataScope, Permission
from guestgraph.access._totp import seal_seed
from guestgraph.config import Settings, ensure_secret_key
from guestgraph.db import make_session_factory
from guestgraph.db.models import Role, StaffUser
from guestgraph.web._auth import csrf_token_for, session_cookie

if TYPE_CHECKING:
    from tests.conftest import LiveServer

EVERYTHING = "test_everything"  # a test-only role holding every permission


def ensure_role(session: Session, code: str) -> Role:
    access.ensure_default_roles(session)
    role = session.scalar(select(Role).where(Role.code == code))
    if role is None and code == EVERYTHING:
        role = Role(code=EVERYTHING, name_zh="测试", name_en="Test", permissions=[str(p) for p in Permission])
        session.add(role)
        session.flush()
    assert role is not None, code
    return role


def make_staff(
    session: Session, *, role: str, scope: DataScope | None = None, username: str | None = None
) -> StaffUser:
    ensure_role(session, role)
    spec = access.NewUser(
        username=username or f"{role}-{secrets.token_hex(3)}",
        display_name=f"Test {role}",
        role=role,
        scope=scope or DataScope.group(),
    )
    return access.create_user(session, spec, password=None, now=datetime.now(UTC))


def session_headers(
    engine: Engine, settings: Settings, *, role: str, scope: DataScope | None = None
) -> dict[str, str]:
    """Headers of a browser signed in as a new user of `role` (cookie plus anti-forgery token)."""
    with make_session_factory(engine)() as session:
        user = make_staff(session, role=role, scope=scope)
        token = access.start_session(
            session, user, now=datetime.now(UTC), mfa_ok=True, ip=None, user_agent="tests"
        )
        session.commit()
    return {
        "Cookie": f"{session_cookie(settings)}={token}",
        "X-CSRF-Token": csrf_token_for(settings, token),
    }


def signed_in(
    engine: Engine, settings: Settings, *, role: str, scope: DataScope | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(cookies, headers) of a browser signed in as a new user of `role`."""
    headers = session_headers(engine, settings, role=role, scope=scope)
    name, _, token = headers.pop("Cookie").partition("=")
    return {name: token}, headers


class _LoopbackJar:
    """Cookies kept like a browser on localhost: Secure ones are sent to the http loopback server too
    (httpx's own jar refuses to, and rebuilds its jar on every request, so a policy cannot change it)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def on_request(self, request: httpx.Request) -> None:
        if self.values:
            request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.values.items())

    def on_response(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            pair, *attrs = header.split(";")
            name, _, value = pair.strip().partition("=")
            gone = any(a.strip().lower() in ("max-age=0",) for a in attrs) or value in ("", '""')
            if gone:
                self.values.pop(name, None)
            else:
                self.values[name] = value


def browser_like(live: LiveServer, **kwargs: object) -> httpx.Client:
    """An anonymous client that keeps cookies like a browser on localhost (Secure ones included)."""
    jar = _LoopbackJar()
    kwargs.setdefault("timeout", 10)
    hooks = {"request": [jar.on_request], "response": [jar.on_response]}
    client = httpx.Client(base_url=live.base_url, event_hooks=hooks, **kwargs)  # type: ignore[arg-type]
    client.jar = jar  # type: ignore[attr-defined]
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no anti-forgery token"
    return match.group(1)


def with_password(
    session: Session, user: StaffUser, password: str, *, settings: Settings | None = None
) -> str | None:
    """Give `user` a password and, when settings are given, an enrolled authenticator; returns its seed."""
    user.password_hash = access.hash_password(password)
    if settings is None:
        return None
    seed = pyotp.random_base32()
    user.mfa_secret = seal_seed(
        seed, user_id=user.id, secret_key=ensure_secret_key(settings).get_secret_value()
    )
    user.mfa_enrolled_at = datetime.now(UTC)
    return seed
