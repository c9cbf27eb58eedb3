"""Signing in and out: password, then the authenticator code (or setting one up), password resets,
and the same sign-in as an API that hands out a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from guestgraph import access, audit
from guestgraph.access import InvalidCredentials, NextStep, TooManyAttempts, WeakPassword
from guestgraph.config import ensure_secret_key
from guestgraph.errors import InvalidInput
from guestgraph.web._auth import (
    PUBLIC,
    SIGNED_IN,
    CurrentPrincipal,
    client_ip,
    login_policy,
    now_utc,
    pre_cookie,
    request_token,
    session_cookie,
    set_cookie,
)
from guestgraph.web._deps import SessionDep, SettingsDep
from guestgraph.web._render import qr_svg, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/auth", tags=["auth"])
FormStr = Annotated[str, Form(max_length=200)]


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


def _signed_in(response: Response, request: Request, token: str, target: str) -> Response:
    settings = request.app.state.settings
    max_age = settings.session_absolute_hours * 3600
    set_cookie(response, settings, session_cookie(settings), token, max_age=max_age)
    response.delete_cookie(pre_cookie(settings), path="/", secure=settings.cookie_secure, httponly=True)
    return response


def _failed(
    session: SessionDep,
    action: str,
    error: Exception,
    *,
    username: str | None = None,
    who: tuple[int, str] | None = None,
) -> None:
    """Record a refused sign-in step and commit it with the attempt, though the answer is an error."""
    if who is not None:
        audit.bind_actor(user_id=who[0], username=who[1], role=access.role_of(session, who[0]))
    audit.log_event(
        session,
        action,
        outcome="denied" if isinstance(error, TooManyAttempts) else "failed",
        actor_username=username,
    )
    session.commit()


def _succeeded(
    session: SessionDep, action: str, user_id: int | None, username: str | None, **details: str
) -> None:
    role = access.role_of(session, user_id) if user_id is not None else None
    audit.bind_actor(user_id=user_id, username=username, role=role)
    audit.log_event(session, action, details=dict(details))


def _to(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


@router.get("/login", dependencies=[PUBLIC])
def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002 - query parameter name
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", dependencies=[PUBLIC])
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: FormStr,
    password: FormStr,
    next: Annotated[str, Form(max_length=500)] = "/",  # noqa: A002
) -> Response:
    try:
        result = access.sign_in(
            session,
            username=username,
            password=password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            now=now_utc(),
            policy=login_policy(settings),
        )
    except (InvalidCredentials, TooManyAttempts) as e:
        _failed(session, "auth.login", e, username=username)
        context = {"next": _safe_next(next), "error": e, "username": username}
        return render(request, "login.html", context, status_code=e.status)
    _succeeded(session, "auth.login", result.user_id, username, step=result.next_step.value)
    target = _safe_next(next)
    if result.next_step is NextStep.VERIFY:
        target = f"/login/verify?next={target}"
    elif result.next_step is NextStep.ENROLL:
        target = f"/login/enroll?next={target}"
    return _signed_in(_to(target), request, result.token, target)


@router.get("/login/verify", dependencies=[PUBLIC])
def verify_page(request: Request, next: str = "/") -> Response:  # noqa: A002
    return render(request, "login_verify.html", {"next": _safe_next(next), "error": None})


@router.post("/login/verify", dependencies=[PUBLIC])
def verify_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form(max_length=500)] = "/",  # noqa: A002
) -> Response:
    who = access.session_user(session, request_token(request))
    try:
        token = access.verify_second_factor(
            session,
            request_token(request),
            code,
            now=now_utc(),
            secret_key=ensure_secret_key(settings).get_secret_value(),
            policy=login_policy(settings),
        )
    except (InvalidCredentials, TooManyAttempts) as e:
        _failed(session, "auth.mfa", e, who=who)
        return render(
            request, "login_verify.html", {"next": _safe_next(next), "error": e}, status_code=e.status
        )
    _succeeded(session, "auth.mfa", *(who or (None, None)))
    return _signed_in(_to(_safe_next(next)), request, token, _safe_next(next))


def _qr_svg(uri: str) -> Markup:
    return qr_svg(uri, title="TOTP")


@router.get("/login/enroll", dependencies=[PUBLIC])
def enroll_page(request: Request, session: SessionDep, settings: SettingsDep, next: str = "/") -> Response:  # noqa: A002
    seed, uri = access.enrollment_seed(
        session, request_token(request), secret_key=ensure_secret_key(settings).get_secret_value()
    )
    context = {"next": _safe_next(next), "seed": seed, "qr": _qr_svg(uri), "error": None}
    return render(request, "login_enroll.html", context)


@router.post("/login/enroll", dependencies=[PUBLIC])
def enroll_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form(max_length=500)] = "/",  # noqa: A002
) -> Response:
    secret = ensure_secret_key(settings).get_secret_value()
    who = access.session_user(session, request_token(request))
    try:
        token, codes = access.confirm_enrollment(
            session,
            request_token(request),
            code,
            now=now_utc(),
            secret_key=secret,
            policy=login_policy(settings),
        )
    except (InvalidCredentials, TooManyAttempts) as e:
        _failed(session, "auth.mfa_enrol", e, who=who)
        seed, uri = access.enrollment_seed(session, request_token(request), secret_key=secret)
        context = {"next": _safe_next(next), "seed": seed, "qr": _qr_svg(uri), "error": e}
        return render(request, "login_enroll.html", context, status_code=e.status)
    _succeeded(session, "auth.mfa_enrol", *(who or (None, None)))
    response = render(request, "recovery_codes.html", {"codes": codes, "next": _safe_next(next)})
    return _signed_in(response, request, token, _safe_next(next))


@router.post("/logout", dependencies=[PUBLIC])
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    who = access.session_user(session, request_token(request))
    access.end_session(session, request_token(request), now=now_utc())
    if who is not None:
        _succeeded(session, "auth.logout", *who)
    response = _to("/login")
    response.delete_cookie(session_cookie(settings), path="/", secure=settings.cookie_secure, httponly=True)
    return response


@router.get("/reset/{token}", dependencies=[PUBLIC])
def reset_page(request: Request, token: str) -> Response:
    return render(request, "reset.html", {"token": token, "error": None, "done": False})


@router.post("/reset/{token}", dependencies=[PUBLIC])
def reset_submit(
    request: Request, token: str, session: SessionDep, password: FormStr, repeat: FormStr
) -> Response:
    try:
        if password != repeat:
            raise WeakPassword("The two passwords differ.", hint="Type the same password twice.")
        user = access.complete_password_reset(session, token, password, now=now_utc())
        _succeeded(session, "auth.password_reset", user.id, user.username)
    except InvalidInput as e:
        return render(
            request, "reset.html", {"token": token, "error": e, "done": False}, status_code=e.status
        )
    return render(request, "reset.html", {"token": "", "error": None, "done": True})


@router.get("/account", dependencies=[SIGNED_IN])
def account_page(request: Request, principal: CurrentPrincipal) -> Response:
    return render(request, "account.html", {"error": None, "done": False, "active": "account"})


@router.post("/account/password", dependencies=[SIGNED_IN])
def account_password(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    current: FormStr,
    password: FormStr,
    repeat: FormStr,
) -> Response:
    try:
        if password != repeat:
            raise WeakPassword("The two passwords differ.", hint="Type the same password twice.")
        access.change_password(session, principal.user_id, current=current, new=password, now=now_utc())
        audit.log_event(session, "auth.password_change")
    except (InvalidInput, InvalidCredentials) as e:
        return render(request, "account.html", {"error": e, "done": False}, status_code=e.status)
    return _to("/login?next=/account")  # every session ended with the old password


class ApiLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=80)
    password: str = Field(max_length=200)
    code: str | None = Field(None, max_length=40, description="The authenticator code, when MFA applies.")


class ApiToken(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    permissions: list[str]
    scope: str


@api.post("/login", response_model=ApiToken, summary="Sign in; returns a bearer token", dependencies=[PUBLIC])
def api_login(body: ApiLogin, request: Request, session: SessionDep, settings: SettingsDep) -> ApiToken:
    policy, now = login_policy(settings), now_utc()
    try:
        result = access.sign_in(
            session,
            username=body.username,
            password=body.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            now=now,
            policy=policy,
        )
        if result.next_step is NextStep.ENROLL:
            raise access.Forbidden(
                "This account has no authenticator app set up yet.",
                hint="Sign in once in the web UI to set it up, then use the API.",
            )
        token = result.token
        if result.next_step is NextStep.VERIFY:
            secret = ensure_secret_key(settings).get_secret_value()
            token = access.verify_second_factor(
                session, token, body.code or "", now=now, secret_key=secret, policy=policy
            )
    except (InvalidCredentials, TooManyAttempts) as e:
        _failed(session, "auth.login", e, username=body.username)  # failed attempts count towards throttling
        raise
    _succeeded(session, "auth.login", result.user_id, body.username, step="api")
    return ApiToken(token=token, expires_in=settings.session_absolute_hours * 3600)


@api.post("/logout", status_code=204, summary="End this token's session", dependencies=[SIGNED_IN])
def api_logout(request: Request, session: SessionDep) -> Response:
    access.end_session(session, request_token(request), now=now_utc())
    audit.log_event(session, "auth.logout")
    return Response(status_code=204)


@api.get("/me", response_model=Me, summary="Who you are signed in as", dependencies=[SIGNED_IN])
def api_me(principal: CurrentPrincipal) -> Me:
    return Me(
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        permissions=sorted(principal.permissions),
        scope=principal.scope_label,
    )
