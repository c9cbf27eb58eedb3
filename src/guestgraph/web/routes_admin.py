"""Administration: staff accounts and roles. Every change that grants privilege (a new account, a role
or scope, a role's MFA exemption, an MFA reset, re-enabling, an e-mail address) is a request that a
second admin approves (access/_changes.py); disabling and requiring MFA apply at once. Password links
are e-mailed to the staff member; the admin sees only that one was sent and until when it works."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from guestgraph import access, audit, engage, org
from guestgraph.access import Forbidden, Permission
from guestgraph.db.models import AccessChange, AccessChangeKind
from guestgraph.errors import GuestgraphError
from guestgraph.web._auth import CurrentPrincipal, allow, log_in_own_transaction, now_utc
from guestgraph.web._deps import RowId, SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[allow(Permission.ADMIN_USERS)])
Text = Annotated[str, Form(max_length=100)]
Reason = Annotated[str, Form(max_length=300)]
ScopeLevelForm = Annotated[str, Form(max_length=10)]
ScopeCode = Annotated[str, Form(max_length=20)]
EmailForm = Annotated[str, Form(max_length=254)]

# what an approval did, as the audit action it has always been recorded under
EFFECT = {
    AccessChangeKind.NEW_ACCOUNT: "admin.user_create",
    AccessChangeKind.MFA_EXEMPTION: "admin.role_mfa",
    AccessChangeKind.MFA_RESET: "admin.mfa_reset",
    AccessChangeKind.REENABLE: "admin.user_enable",
    AccessChangeKind.EMAIL: "admin.user_email",
}


def _page(request: Request, session: SessionDep, **extra: object) -> Response:
    context = {
        "staff": access.list_staff(session),
        "roles": access.list_roles(session),
        "changes": access.pending_access_changes(session),
        "hotels": org.list_hotels(session, scope=access.DataScope.group()),
        "active": "admin",
        "sent": None,
        "error": None,
        **extra,
    }
    error = extra.get("error")
    status = error.status if isinstance(error, GuestgraphError) else 200
    return render(request, "admin.html", context, status_code=status)


def _filed(request: Request, session: SessionDep, propose: Callable[[], AccessChange]) -> Response:
    """File a request for a second admin's approval and record it; the page lists it as pending."""
    try:
        change = propose()
        subject = change.change.get("username") or change.change.get("role")
        audit.log_event(
            session,
            "admin.access_propose",
            object_type="role" if change.kind is AccessChangeKind.MFA_EXEMPTION else "staff_user",
            object_id=str(subject) if subject else None,
            details={"change": change.id, "kind": change.kind.value, **_shown(change.change)},
        )
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)


def _shown(change: dict[str, object]) -> dict[str, object]:
    """What the audit trail keeps of a request: the role and scope asked for, no e-mail address."""
    return {k: v for k, v in change.items() if k in ("role", "scope_level", "scope_code")}


@router.get("")
def admin_page(request: Request, session: SessionDep) -> Response:
    return _page(request, session)


@router.post("/users")
def create_user(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    username: Text,
    display_name: Text,
    email: EmailForm,
    role: Text,
    scope_level: ScopeLevelForm,
    reason: Reason,
    scope_code: ScopeCode = "",
) -> Response:
    account = access.NewAccount(username, display_name, email, role, scope_level, scope_code or None)
    return _filed(
        request,
        session,
        lambda: access.propose_new_account(
            session, account, reason=reason, by=principal.username, now=now_utc()
        ),
    )


@router.post("/users/{username}/reset-password")
def reset_password(
    request: Request, username: str, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> Response:
    try:
        sent = access.send_password_reset(
            session, username, by=principal.username, now=now_utc(), mail=engage.staff_link_mail(settings)
        )
        audit.log_event(
            session,
            "admin.password_reset",
            object_type="staff_user",
            object_id=username,
            details={"delivery": "email", "expires_at": sent.expires_at.isoformat()},
        )
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return _page(request, session, sent=sent)


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
def enable_user(
    request: Request, username: str, session: SessionDep, principal: CurrentPrincipal, reason: Reason = ""
) -> Response:
    return _filed(
        request,
        session,
        lambda: access.propose_reenable(
            session, username, reason=reason, by=principal.username, now=now_utc()
        ),
    )


@router.post("/users/{username}/reset-mfa")
def reset_mfa(
    request: Request, username: str, session: SessionDep, principal: CurrentPrincipal, reason: Reason = ""
) -> Response:
    return _filed(
        request,
        session,
        lambda: access.propose_mfa_reset(
            session, username, reason=reason, by=principal.username, now=now_utc()
        ),
    )


@router.post("/email")
def change_email(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    username: Text,
    email: EmailForm,
    reason: Reason = "",
) -> Response:
    return _filed(
        request,
        session,
        lambda: access.propose_email(
            session, username, email, reason=reason, by=principal.username, now=now_utc()
        ),
    )


@router.post("/roles/{code}/mfa")
def role_mfa(
    request: Request,
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    required: Annotated[str, Form(max_length=5)],
    reason: Reason = "",
) -> Response:
    if required != "yes":  # an exemption grants: a second admin approves it
        return _filed(
            request,
            session,
            lambda: access.propose_mfa_exemption(
                session, code, reason=reason, by=principal.username, now=now_utc()
            ),
        )
    try:
        access.set_role_mfa(session, code, required=True, by=principal.username, reason="", now=now_utc())
        audit.log_event(
            session, "admin.role_mfa", object_type="role", object_id=code, details={"required": True}
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
    scope_level: ScopeLevelForm,
    reason: Reason,
    scope_code: ScopeCode = "",
) -> Response:
    return _filed(
        request,
        session,
        lambda: access.propose_access_change(
            session,
            username,
            role=role,
            scope_level=scope_level,
            scope_code=scope_code or None,
            reason=reason,
            by=principal.username,
            now=now_utc(),
        ),
    )


@router.post("/changes/{change_id}/approve")
def approve_change(
    request: Request,
    change_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> Response:
    try:
        done = access.approve_access_change(
            session, change_id, by=principal.username, now=now_utc(), mail=engage.staff_link_mail(settings)
        )
        _record_approval(session, done)
    except GuestgraphError as e:
        session.rollback()
        outcome = "denied" if isinstance(e, Forbidden) else "failed"
        log_in_own_transaction(
            request, "admin.access_approve", outcome=outcome, details={"change": change_id, "error": e.code}
        )
        session.rollback()
        return _page(request, session, error=e)
    if done.sent is not None:
        return _page(request, session, sent=done.sent)
    return RedirectResponse("/admin", status_code=303)


def _record_approval(session: SessionDep, done: access.Decision) -> None:
    """The approval, then what it did under the action it has always been recorded as."""
    kind = "role" if done.kind is AccessChangeKind.MFA_EXEMPTION else "staff_user"
    details: dict[str, object] = {"change": done.change_id, "kind": done.kind.value}
    actions = ["admin.access_approve", *([EFFECT[done.kind]] if done.kind in EFFECT else [])]
    for action in actions:
        audit.log_event(session, action, object_type=kind, object_id=done.subject, details=details)
    if done.sent is not None:
        sent = {"delivery": "email", "expires_at": done.sent.expires_at.isoformat()}
        audit.log_event(
            session,
            "admin.password_reset",
            object_type=kind,
            object_id=done.subject,
            details={**details, **sent},
        )


@router.post("/changes/{change_id}/reject")
def reject_change(
    request: Request, change_id: RowId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    try:
        change = access.reject_access_change(session, change_id, by=principal.username, now=now_utc())
        audit.log_event(
            session,
            "admin.access_reject",
            object_type="access_change",
            object_id=str(change_id),
            details={"kind": change.kind.value},
        )
    except GuestgraphError as e:
        session.rollback()
        return _page(request, session, error=e)
    return RedirectResponse("/admin", status_code=303)
