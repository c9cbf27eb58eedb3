"""Privacy pages: the data-subject request queue, one request with its actions, the readable export,
and the consent panel of the guest profile (an HTMX fragment). The JSON API is in
`routes_privacy_api.py` and is included here, so the app includes one router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from guestgraph import privacy
from guestgraph.access import Permission
from guestgraph.db.models import ConsentDecision, Jurisdiction, RequestKind
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, SessionDep, SettingsDep
from guestgraph.web._render import render
from guestgraph.web.routes_privacy_api import actor

router = APIRouter(include_in_schema=False)
MANAGE = [allow(Permission.PRIVACY_MANAGE)]
READ = [allow(Permission.GUEST_READ)]
Short = Annotated[str, Form(max_length=40)]
Long = Annotated[str, Form(max_length=2000)]


def _queue(
    request: Request, session: SessionDep, scope: ScopeDep, error: GuestgraphError | None = None
) -> Response:
    now = now_utc()
    context = {
        "requests": privacy.list_requests(session, scope=scope, now=now),
        "overdue": privacy.list_requests(session, scope=scope, now=now, overdue_only=True),
        "kinds": list(RequestKind),
        "jurisdictions": list(Jurisdiction),
        "error": error,
        "active": "privacy",
    }
    return render(request, "privacy.html", context, status_code=error.status if error else 200)


@router.get("/privacy", dependencies=MANAGE)
def privacy_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return _queue(request, session, scope)


@router.post("/privacy/requests", dependencies=MANAGE)
def create_request(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    guest: Short,
    kind: Short,
    jurisdiction: Short,
    details: Long = "",
) -> Response:
    try:
        row = privacy.open_request(
            session,
            scope=scope,
            public_id=guest.strip(),
            kind=RequestKind(kind),
            jurisdiction=Jurisdiction(jurisdiction),
            details=details,
            recorded_by_id=principal.user_id,
            now=now_utc(),
            policy=privacy.DeadlinePolicy.from_settings(settings),
        )
    except GuestgraphError as e:
        session.rollback()
        return _queue(request, session, scope, e)
    return RedirectResponse(f"/privacy/requests/{row.id}", status_code=303)


@router.get("/privacy/requests/{request_id}", dependencies=MANAGE)
def request_page(request: Request, request_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    row = privacy.get_request(session, request_id, scope=scope, now=now_utc())
    return render(request, "privacy_request.html", {"item": row, "active": "privacy"})


@router.post("/privacy/requests/{request_id}/rectify", dependencies=MANAGE)
def rectify(
    request: Request,
    request_id: int,
    session: SessionDep,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    reason: Long,
    full_name: Short = "",
    gender: Short = "",
    birth_date: Short = "",
    nationality: Short = "",
    phone: Short = "",
    email: Annotated[str, Form(max_length=200)] = "",
    id_type: Short = "",
    id_number: Short = "",
) -> Response:
    row = privacy.get_request(session, request_id, scope=scope, now=now_utc())
    values = {
        "full_name": full_name, "gender": gender, "birth_date": birth_date, "nationality": nationality,
        "phone": phone, "email": email, "id_type": id_type, "id_number": id_number,
    }  # fmt: skip
    try:
        done = privacy.rectify_guest(
            factory,
            scope=scope,
            public_id=row.guest_public_id,
            values={k: v for k, v in values.items() if v.strip()},
            reason=reason,
            actor_id=principal.user_id,
            actor_name=principal.username,
            request_id=request_id,
        )
    except GuestgraphError as e:
        context = {"item": row, "active": "privacy", "error": e, "values": values}
        return render(request, "privacy_request.html", context, status_code=e.status)
    context = {"item": row, "active": "privacy", "corrected": done.fields}
    return render(request, "privacy_request.html", context)


@router.post("/privacy/requests/{request_id}/{action}", dependencies=MANAGE)
def request_action(
    request: Request,
    request_id: int,
    action: str,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    reason: Long = "",
) -> Response:
    now, who = now_utc(), principal.user_id
    if action == "extend":
        policy = privacy.DeadlinePolicy.from_settings(settings)
        privacy.extend_request(session, request_id, scope=scope, reason=reason, now=now, policy=policy)
    elif action in ("complete", "refuse"):
        refused = action == "refuse"
        privacy.close_request(
            session, request_id, scope=scope, refused=refused, reason=reason, closed_by_id=who, now=now
        )
    elif action == "erase":
        privacy.fulfil_erasure(session, request_id, scope=scope, closed_by_id=who, now=now)
    else:
        return render(
            request, "error.html", {"status": 404, "error": {"message": "No such action."}}, status_code=404
        )
    return RedirectResponse(f"/privacy/requests/{request_id}", status_code=303)


@router.get("/privacy/guests/{public_id}/export", dependencies=MANAGE)
def export_page(
    request: Request, public_id: str, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> Response:
    data = privacy.export_guest(
        session, scope=scope, public_id=public_id, actor_id=principal.user_id, now=now_utc()
    )
    return render(request, "privacy_export.html", {"data": data, "active": "privacy"})


@router.get("/privacy/retention", dependencies=MANAGE)
def retention_page(request: Request, session: SessionDep, scope: ScopeDep, settings: SettingsDep) -> Response:
    overview = privacy.retention_overview(session, scope=scope, now=now_utc(), data_dir=settings.data_dir)
    context = {
        "overview": overview,
        "routes": privacy.ROUTES,
        "audit_days": (settings.audit_security_retention_days, settings.audit_sensitive_retention_days),
        "active": "privacy",
    }
    return render(request, "privacy_retention.html", context)


@router.get("/privacy/ropa", dependencies=MANAGE)
def ropa_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    report = privacy.ropa_report(session, settings=settings, controller=settings.tenant, now=now_utc())
    return render(request, "privacy_ropa.html", {"report": report, "active": "privacy"})


@router.post("/privacy/retention/rules", dependencies=MANAGE)
def retention_rule(
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    category: Short,
    days: Short = "",
    note: Long = "",
) -> Response:
    if days.strip() and not days.strip().isdigit():
        raise InvalidInput(
            f"{days!r} is not a number of days.", hint="Give whole days, or leave it empty to keep."
        )
    privacy.set_retention(
        session,
        category=category,
        days=int(days) if days.strip() else None,
        note=note or None,
        actor_id=principal.user_id,
        now=now_utc(),
        scope=scope,
    )
    return RedirectResponse("/privacy/retention", status_code=303)


@router.post("/privacy/retention/run", dependencies=MANAGE)
def retention_run(
    session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal, settings: SettingsDep
) -> Response:
    privacy.run_retention(
        session,
        now=now_utc(),
        apply=True,
        actor_id=principal.user_id,
        scope=scope,
        data_dir=settings.data_dir,
    )
    return RedirectResponse("/privacy/retention", status_code=303)


def _consents(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    public_id: str,
    error: GuestgraphError | None = None,
) -> Response:
    guest_id = privacy.guest_id_for(session, scope=scope, public_id=public_id)
    now = now_utc()
    context = {
        "public_id": public_id,
        "in_force": {
            (c.purpose, c.channel): c for c in privacy.current_consents(session, guest_id=guest_id, now=now)
        },
        "history": privacy.consent_history(session, guest_id=guest_id),
        "topics": [(p.value, c.value) for p, channels in privacy.TOPICS.items() for c in channels],
        "error": error,
    }
    # HTMX swaps only 2xx answers: the panel itself shows the error to the browser.
    status = error.status if error and not request.headers.get("HX-Request") else 200
    return render(request, "_privacy_consents.html", context, status_code=status)


@router.get("/guests/{public_id}/consents", dependencies=READ)
def consents_fragment(request: Request, public_id: str, session: SessionDep, scope: ScopeDep) -> Response:
    return _consents(request, session, scope, public_id)


@router.post("/guests/{public_id}/consents", dependencies=READ)
def record_consent(
    request: Request,
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    topic: Short,
    decision: Short,
    evidence: Long = "",
    notice_version: Short = "",
) -> Response:
    purpose, _, channel = topic.partition(":")
    source = "staff_ui" if principal.can(Permission.PRIVACY_MANAGE) else "front_desk"
    try:
        entry = privacy.ConsentInput(
            privacy.Purpose(purpose),
            privacy.Channel(channel),
            ConsentDecision(decision),
            source,
            notice_version=notice_version or None,
            evidence=evidence or None,
        )
        privacy.record_guest_consent(
            session, scope=scope, public_id=public_id, entry=entry, actor=actor(principal), now=now_utc()
        )
    except ValueError:
        return _consents(
            request, session, scope, public_id, privacy.ConsentNotAllowed("Unknown consent topic.")
        )
    except GuestgraphError as e:
        session.rollback()
        return _consents(request, session, scope, public_id, e)
    return _consents(request, session, scope, public_id)


@router.post("/guests/{public_id}/consents/withdraw", dependencies=READ)
def withdraw(
    request: Request,
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    evidence: Long = "",
) -> Response:
    source = "staff_ui" if principal.can(Permission.PRIVACY_MANAGE) else "front_desk"
    privacy.withdraw_guest_consents(
        session,
        scope=scope,
        public_id=public_id,
        actor=actor(principal),
        source=source,
        evidence=evidence or None,
        now=now_utc(),
    )
    return _consents(request, session, scope, public_id)
