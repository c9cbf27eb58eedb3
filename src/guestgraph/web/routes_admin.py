"""Administration: staff accounts (create, disable, reset password or second factor) and roles."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from guestgraph import access, audit, org
from guestgraph.access import Permission
from guestgraph.errors import GuestgraphError
from guestgraph.web._auth import CurrentPrincipal, allow, log_in_own_transaction, now_utc
from guestgraph.web._deps import RowId, SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[allow(Permission.ADMIN_USERS)])
Text = Annotated[str, Form(max_length=100)]


def _page(request: Request, session: SessionDep, **extra: object) -> Response:
    context = {
        "staff": access.list_staff(session),
        "roles": access.list_roles(session),
        "changes": access.pending_access_changes(session),
        "hotels": org.list_hotels(session, scope=access.DataScope.group()),
        "active": "admin",
        "notice": None,
        "error": None,
        **extra,
    }
    error = extra.get("error")
    status = error.status if isinstance(error, GuestgraphError) else 200
    return render(request, "admin.html", context, status_code=status)


@router.get("")
def admin_page(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


def _reset_link(request: Request, token: str) -> str:
    return str(request.base_url).rstrip("/") + f"/reset/{token}"


@router.post("/users")
def create_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    username: Text,
    display_name: Text,
    role: Text,
    scope_level: Annotated[str, Form(max_length=10)],
    scope_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    now = now_utc()
    try:
        scope = access.scope_for(session, level=scope_level, code=scope_code or None)
        spec = access.NewUser(
            username=username.strip(), display_name=display_name.strip(), role=role, scope=scope
        )
        access.create_user(session, spec, password=None, now=now)
        audit.log_event(
            session,
            "admin.user_create",
            object_type="staff_user",
            object_id=spec.username,
            details={"role": role},
        )
        token = access.issue_password_reset(
            session,
            spec.username,
            by=principal.username,
            now=now,
            valid=timedelta(hours=settings.password_reset_hours),
        )
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return _page(request, session, notice={"username": username, "link": _reset_link(request, token)})


@router.post("/users/{username}/reset-password")
def reset_password(
    request: Request, username: str, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> Response:
    valid = timedelta(hours=settings.password_reset_hours)
    try:
        token = access.issue_password_reset(
            session, username, by=principal.username, now=now_utc(), valid=valid
        )
        audit.log_event(session, "admin.password_reset", object_type="staff_user", object_id=username)
    except GuestgraphError as e:
        return _page(request, session, error=e)
    return _page(request, session, notice={"username": username, "link": _reset_link(request, token)})


@router.post("/users/{username}/disable")
def disable_user(
    request: Request, username: str, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    try:
        access.set_active(session, username, active=False, by=principal.username, now=now_utc())
        audit.log_event(session, "admin.user_disable", object_type="staff_user", object_id=username)
    except GuestgraphError as e:
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)


@router.post("/users/{username}/enable")
def enable_user(username: str, session: SessionDep, principal: CurrentPrincipal) -> Response:
    access.set_active(session, username, active=True, by=principal.username, now=now_utc())
    audit.log_event(session, "admin.user_enable", object_type="staff_user", object_id=username)
    return RedirectResponse("/admin", status_code=303)


@router.post("/users/{username}/reset-mfa")
def reset_mfa(username: str, session: SessionDep) -> Response:
    access.reset_second_factor(session, username, now=now_utc())
    audit.log_event(session, "admin.mfa_reset", object_type="staff_user", object_id=username)
    return RedirectResponse("/admin", status_code=303)


@router.post("/roles/{code}/mfa")
def role_mfa(
    request: Request,
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    required: Annotated[str, Form(max_length=5)],
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        access.set_role_mfa(
            session, code, required=required == "yes", by=principal.username, reason=reason, now=now_utc()
        )
        audit.log_event(
            session,
            "admin.role_mfa",
            object_type="role",
            object_id=code,
            details={"required": required == "yes"},
        )
    except GuestgraphError as e:
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)


@router.post("/access")
def propose_change(
    request: Request,
    username: Text,
    session: SessionDep,
    principal: CurrentPrincipal,
    role: Text,
    scope_level: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=300)],
    scope_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        access.propose_access_change(
            session,
            username,
            role=role,
            scope_level=scope_level,
            scope_code=scope_code or None,
            reason=reason,
            by=principal.username,
            now=now_utc(),
        )
        audit.log_event(
            session,
            "admin.access_propose",
            object_type="staff_user",
            object_id=username,
            details={"role": role, "scope_level": scope_level, "scope_code": scope_code or None},
        )
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)


@router.post("/changes/{change_id}/approve")
def approve_change(
    request: Request, change_id: RowId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    try:
        user = access.approve_access_change(session, change_id, by=principal.username, now=now_utc())
        audit.log_event(
            session,
            "admin.access_approve",
            object_type="staff_user",
            object_id=user.username,
            details={"change": change_id},
        )
    except GuestgraphError as e:
        session.rollback()
        log_in_own_transaction(
            request, "admin.access_approve", outcome="denied", details={"change": change_id}
        )
        session.rollback()
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)


@router.post("/changes/{change_id}/reject")
def reject_change(
    request: Request, change_id: RowId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    try:
        access.reject_access_change(session, change_id, by=principal.username, now=now_utc())
        audit.log_event(session, "admin.access_reject", object_type="access_change", object_id=str(change_id))
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)
