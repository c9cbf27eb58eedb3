"""Who is asking: the session cookie (or a bearer token), permission markers on every route, and the
CSRF guard on every state change.

Every route declares what it needs with one of `allow(permission)`, `SIGNED_IN`, `PUBLIC` or
`SOURCE_KEY` in its `dependencies`; tests walk the route table and fail on a route without one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from guestgraph import access, audit
from guestgraph.access import CsrfRejected, Forbidden, Permission, Principal
from guestgraph.config import Settings, ensure_secret_key
from guestgraph.web._deps import SessionDep

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Paths whose signed token in the URL is the whole authority (no ambient credential is used): the
# one-click unsubscribe that mail providers POST without cookies (RFC 8058). Cross-site browser
# requests to them are still refused; only the form token is not asked for.
TOKEN_PATHS = ("/u/",)


def session_cookie(settings: Settings) -> str:
    return "__Host-gg_session" if settings.cookie_secure else "gg_session"


def pre_cookie(settings: Settings) -> str:
    return "__Host-gg_pre" if settings.cookie_secure else "gg_pre"


def now_utc() -> datetime:
    return datetime.now(UTC)


def session_policy(settings: Settings) -> access.SessionPolicy:
    return access.SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def login_policy(settings: Settings) -> access.LoginPolicy:
    return access.LoginPolicy(
        window=timedelta(minutes=settings.login_window_minutes),
        max_failures=settings.login_max_failures,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        mfa_max_failures=settings.mfa_max_failures,
    )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def request_token(request: Request) -> str | None:
    settings: Settings = request.app.state.settings
    return bearer_token(request) or request.cookies.get(session_cookie(settings))


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def set_cookie(response: Response, settings: Settings, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )


def current_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in, fully verified member of staff, or 401 (an HTML page redirects to sign-in)."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    settings: Settings = request.app.state.settings
    principal = access.load_principal(
        session, request_token(request), now=now_utc(), policy=session_policy(settings)
    )
    # Committed at once: the session's last-seen touch (every 30 s) or its ending must not hold the
    # SQLite write lock for the rest of the request: a refusal is audited in a transaction of its own
    # and waited on that lock until the busy timeout (a forbidden page hung for 30 s).
    session.commit()
    if principal is None:
        raise access.NotSignedIn("Please sign in.", hint="Sign in at /login (API: POST /api/v1/auth/login).")
    if not principal.mfa_ok:
        raise access.SecondFactorRequired(
            "Enter the code from your authenticator app to finish signing in.", hint="Go to /login/verify."
        )
    request.state.principal = principal
    audit.bind_actor(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role,
        scope=principal.scope_label,
    )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class Requires:
    """Route marker and check: the signed-in user's role must grant `permission` (None: any staff)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        # async: a permission check needs no thread of its own (each sync dependency is a hand-off
        # to the thread pool and back); only a refusal writes, in the pool.
        if self.permission is not None and not principal.can(self.permission):
            await run_in_threadpool(
                log_in_own_transaction,
                request,
                "access.denied",
                outcome="denied",
                details={"permission": str(self.permission)},
            )
            raise Forbidden(
                f"Your role ({principal.role}) does not allow this ({self.permission}).",
                hint="Ask an admin if your work needs it.",
            )
        return principal

    def __repr__(self) -> str:
        return f"Requires({self.permission})"


def log_in_own_transaction(request: Request, action: str, **fields: Any) -> None:
    """An audit event that must survive the request's rollback (a refusal, a failed sign-in)."""
    factory = request.app.state.session_factory
    with factory() as own:
        audit.log_event(own, action, **fields)
        own.commit()


async def public() -> None:
    """Route marker: reachable without signing in (sign-in pages, health, static)."""


async def source_key() -> None:
    """Route marker: authenticated by a source system's API key inside the handler."""


def allow(permission: Permission) -> Any:
    return Depends(Requires(permission))


SIGNED_IN = Depends(Requires(None))
PUBLIC = Depends(public)
SOURCE_KEY = Depends(source_key)


def csrf_token_for(settings: Settings, cookie_value: str) -> str:
    key = ensure_secret_key(settings).get_secret_value().encode()
    return hmac.new(key, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The anti-forgery token for this browser (bound to its session or pre-sign-in cookie)."""
    settings: Settings = request.app.state.settings
    value = request.cookies.get(session_cookie(settings)) or request.cookies.get(pre_cookie(settings))
    if value is None:
        value = getattr(request.state, "pre_cookie", None) or secrets.token_urlsafe(24)
        request.state.pre_cookie = value
    return csrf_token_for(settings, value)


async def csrf_guard(request: Request) -> None:
    """Refuse cross-site state changes, and browser state changes without the anti-forgery token."""
    if request.method not in UNSAFE:
        return
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if (site and site not in ("same-origin", "none")) or (
        origin and urlsplit(origin).netloc != request.headers.get("host")
    ):
        raise CsrfRejected("Cross-site request refused.", hint="Submit the form from guestgraph itself.")
    if request.url.path.startswith(TOKEN_PATHS):
        return
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(session_cookie(settings)) or request.cookies.get(pre_cookie(settings))
    is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
    if cookie is None and not is_form:
        return  # no ambient credentials: API clients with a bearer token or a source key
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and is_form:
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not (cookie and sent and hmac.compare_digest(sent, csrf_token_for(settings, cookie))):
        raise CsrfRejected(
            "The form's security token is missing or out of date.",
            hint="Reload the page and submit it again.",
        )


async def scope_of(principal: CurrentPrincipal) -> access.DataScope:
    return principal.scope


ScopeDep = Annotated[access.DataScope, Depends(scope_of)]
